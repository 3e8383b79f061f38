"""Train the Rasa NLU model, skipping when the training inputs have not changed."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bot.settings import REPO_ROOT, RasaSettings, load_settings

logger = logging.getLogger(__name__)

RASA_PROJECT = REPO_ROOT / "rasa_project"
TRAINING_INPUTS = ("config.yml", "data/**/*.yml", "components/**/*.py", "components/**/*.yml")

# What a Rasa process inherits from the bot's environment (``rasa_environment``): where
# programs and temporary files are, the home directory, locale and time zone. Nothing else.
INHERITED = frozenset({"PATH", "HOME", "TMPDIR", "LANG", "LANGUAGE", "TZ"})
INHERITED_PREFIXES = ("LC_",)


class TrainingFailed(Exception):
    """``rasa train nlu`` exited with an error."""


@dataclass(frozen=True, slots=True)
class TrainingOutcome:
    model_path: Path
    trained: bool
    seconds: float


def rasa_executable(settings: RasaSettings | None = None, *, program: str = "rasa") -> Path:
    """Return ``program`` (``rasa``, ``python``) of the Rasa environment, or explain how to
    create it."""
    executable = _settings(settings).venv / "bin" / program
    if not executable.exists():
        raise FileNotFoundError(
            f"Rasa is not installed at {executable}. Run `make setup` (or `make run`/`make test`)."
        )
    return executable


def training_fingerprint(project: Path = RASA_PROJECT) -> str:
    """Hash every file that shapes the model, plus the Rasa environment's lock file."""
    digest = hashlib.sha256()
    files = {path for pattern in TRAINING_INPUTS for path in project.glob(pattern)}
    files.add(project / "requirements.lock")
    for path in sorted(p for p in files if p.is_file()):
        digest.update(path.relative_to(project).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path_for(fingerprint: str, settings: RasaSettings | None = None) -> Path:
    return _settings(settings).models_dir / f"nlu-{fingerprint}.tar.gz"


def train_model(*, force: bool = False, settings: RasaSettings | None = None) -> TrainingOutcome:
    """Train into ``rasa.models_dir`` unless a model for the same inputs already exists.

    Without ``settings``, the configured ones (``load_settings().rasa``).
    """
    settings = _settings(settings)
    fingerprint = training_fingerprint()
    target = model_path_for(fingerprint, settings)
    if target.exists() and not force:
        logger.info("Model %s is up to date; training skipped", target.name)
        return TrainingOutcome(target, trained=False, seconds=0.0)
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(rasa_executable(settings)),
        "train",
        "nlu",
        "--config",
        "config.yml",
        "--nlu",
        "data/nlu",
        "--out",
        str(settings.models_dir),
        "--fixed-model-name",
        target.name.removesuffix(".tar.gz"),
    ]
    logger.info("Training NLU model %s", target.name)
    started = time.perf_counter()
    completed = subprocess.run(
        command,
        cwd=RASA_PROJECT,
        env=rasa_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0 or not target.exists():
        raise TrainingFailed(f"rasa train nlu failed:\n{completed.stdout[-4000:]}")
    logger.info("Trained %s in %.1f s", target.name, seconds)
    return TrainingOutcome(target, trained=True, seconds=seconds)


def _settings(settings: RasaSettings | None) -> RasaSettings:
    return load_settings().rasa if settings is None else settings


def rasa_environment() -> dict[str, str]:
    """Environment for Rasa processes, built from an allow-list.

    Only what Python, TensorFlow and Rasa need is taken from ``os.environ`` (``INHERITED``):
    never the bot's secrets, its database URL or anything else a Rasa process has no use for.
    Then quiet TensorFlow, no telemetry, the project's components on the path.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if name in INHERITED or name.startswith(INHERITED_PREFIXES)
    }
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONPATH": str(RASA_PROJECT),
            "PYTHONWARNINGS": "ignore",
        }
    )
    return env

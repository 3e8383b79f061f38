"""Set-up installs Rasa's environment with hash checking, using only the pinned uv."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from bot.settings import REPO_ROOT

BOOTSTRAP = REPO_ROOT / "scripts" / "bootstrap.sh"
RASA_LOCK = REPO_ROOT / "rasa_project" / "requirements.lock"
RASA_REQUIREMENTS = REPO_ROOT / "rasa_project" / "requirements.in"


def pinned_uv_version() -> str:
    found = re.search(r"^UV_VERSION=(\S+)$", BOOTSTRAP.read_text(), re.MULTILINE)
    assert found, "scripts/bootstrap.sh pins no UV_VERSION"
    return found.group(1)


def test_every_requirement_in_the_rasa_lock_has_a_hash() -> None:
    entries = re.split(r"^(?=[A-Za-z0-9])", RASA_LOCK.read_text(), flags=re.MULTILINE)
    pins = [entry for entry in entries if "==" in entry.split("\n", 1)[0]]
    assert len(pins) > 100  # rasa and its dependencies, each pinned
    unhashed = [pin.split()[0] for pin in pins if not re.search(r"--hash=sha256:\w{64}", pin)]
    assert unhashed == []


def test_the_rasa_lock_is_compiled_as_requirements_in_says() -> None:
    """Whoever regenerates the lock by the comment in requirements.in keeps its hashes."""
    said = re.search(r"^#\s+(uv pip compile .*)$", RASA_REQUIREMENTS.read_text(), re.MULTILINE)
    done = re.search(r"^#\s+(uv pip compile .*)$", RASA_LOCK.read_text(), re.MULTILINE)
    assert said and done
    assert said.group(1) == done.group(1)
    assert "--generate-hashes" in done.group(1).split()


def fake_uv(path: Path, version: str, calls: Path) -> None:
    """A ``uv`` that reports ``version`` and records how it was called (``venv`` makes one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "#!/bin/bash\n"
        f'if [ "$1" = --version ]; then echo "uv {version} (x86_64-unknown-linux-gnu)"; exit; fi\n'
        f'echo "$0 $*" >> {calls}\n'
        'if [ "$1" = venv ]; then mkdir -p "${@: -1}/bin" && touch "${@: -1}/bin/python" && '
        'chmod +x "${@: -1}/bin/python"; fi\n'
    )
    path.chmod(0o755)


def run_bootstrap(checkout: Path, path_uv_version: str) -> list[str]:
    """Run the real bootstrap.sh in ``checkout`` with a uv of ``path_uv_version`` on PATH and
    the pinned one in ``.tools/``; return the uv commands it ran."""
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(BOOTSTRAP, checkout / "scripts")
    (checkout / "rasa_project").mkdir()
    shutil.copy(RASA_LOCK, checkout / "rasa_project")
    calls = checkout / "calls"
    fake_uv(checkout / "path" / "uv", path_uv_version, calls)
    fake_uv(checkout / ".tools" / "bin" / "uv", pinned_uv_version(), calls)
    subprocess.run(
        ["bash", "scripts/bootstrap.sh"],
        cwd=checkout,
        env={
            "PATH": f"{checkout / 'path'}:/usr/bin:/bin",
            "PYTHON311": sys.executable,
            "PYTHON310": sys.executable,
        },
        check=True,
        capture_output=True,
    )
    return calls.read_text().splitlines()


def test_a_uv_of_another_version_on_path_is_not_used(tmp_path: Path) -> None:
    commands = run_bootstrap(tmp_path, path_uv_version="0.4.0")
    assert [command.split()[0] for command in commands] == [".tools/bin/uv"] * 3
    sync = commands[-1].split()
    assert sync[1:3] == ["pip", "sync"] and "--require-hashes" in sync
    assert sync[-1] == "rasa_project/requirements.lock"


def test_the_pinned_uv_on_path_is_used(tmp_path: Path) -> None:
    commands = run_bootstrap(tmp_path, path_uv_version=pinned_uv_version())
    assert {command.split()[0] for command in commands} == {str(tmp_path / "path" / "uv")}


def test_the_image_copies_the_pinned_uv() -> None:
    dockerfile = (REPO_ROOT / "deploy" / "Dockerfile").read_text()
    assert f"ghcr.io/astral-sh/uv:{pinned_uv_version()} " in dockerfile

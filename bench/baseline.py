"""The baseline the bench compares against: an earlier revision in a temporary git worktree,
with its own virtualenv built from that revision's ``uv.lock``."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.botside import Checkout
from bot.settings import REPO_ROOT

logger = logging.getLogger(__name__)

DEFAULT_BASELINE = "afbfa27"
"""Today's code before issue #20's rework: the parent of 01a6bd4, the first commit of stop 18."""


@contextmanager
def baseline_checkout(revision: str) -> Iterator[Checkout]:
    """``revision`` checked out beside this one, ready to run; removed on exit."""
    commit = _git("rev-parse", "--short", f"{revision}^{{commit}}")
    parent = Path(tempfile.mkdtemp(prefix="tanya-baseline-"))
    root = parent / "checkout"
    try:
        _git("worktree", "add", "--detach", str(root), commit)
        logger.info("Baseline %s: building its virtualenv (uv sync --frozen)", commit)
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
        }
        synced = subprocess.run(
            [_uv(), "sync", "--frozen", "--no-dev", "--python", sys.executable],
            cwd=root,
            env=environment,
            capture_output=True,
            text=True,
        )
        if synced.returncode != 0:
            raise RuntimeError(f"uv sync failed for the baseline {commit}:\n{synced.stderr}")
        yield Checkout("baseline", commit, root, root / ".venv" / "bin" / "python")
    finally:
        if root.exists():
            _git("worktree", "remove", "--force", str(root))
        shutil.rmtree(parent, ignore_errors=True)


def _git(*args: str) -> str:
    completed = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {completed.stderr.strip()}")
    return completed.stdout.strip()


def _uv() -> str:
    bundled = REPO_ROOT / ".tools" / "bin" / "uv"
    found = str(bundled) if bundled.is_file() else shutil.which("uv")
    if found is None:
        raise RuntimeError("uv not found: run `make setup` (it installs uv into .tools/)")
    return found

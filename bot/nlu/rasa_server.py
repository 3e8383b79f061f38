"""Start, wait for and stop a local Rasa server. No Rasa process outlives its owner."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.nlu.client import NluClient
from bot.nlu.training import RASA_PROJECT, rasa_environment, rasa_executable
from bot.settings import REPO_ROOT

logger = logging.getLogger(__name__)

LOG_DIR = REPO_ROOT / "data" / "logs"
# Starts ``rasa run --enable-api`` with the token from TOKEN_VARIABLE: Rasa reads its token only
# from its arguments, which every local user can read; its environment only the same user.
LAUNCHER = RASA_PROJECT / "serve.py"
TOKEN_VARIABLE = "RASA_AUTH_TOKEN"


class RasaStartupError(Exception):
    """The local Rasa server exited or did not become ready in time."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now (the kernel's pick for a bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: ask Linux to send SIGTERM when the parent dies (no orphans)."""
    os.setsid()
    with contextlib.suppress(OSError):  # not Linux: rely on stop() alone
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class RasaProcess:
    """A ``rasa run --enable-api`` child process bound to loopback.

    ``port`` 0 (the default, ``rasa.port``) picks a free port when the process is created, so
    that several bots on one machine each run their own Rasa; ``port`` and ``url`` tell which.
    The child's environment is ``rasa_environment()`` (an allow-list) plus its token; the token
    is not on its command line.
    """

    def __init__(self, model: Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        if not model.is_file():
            raise RasaStartupError(f"No trained model at {model}; run `python -m bot train`")
        self.model = model.resolve()
        self.host = host
        self.port = port if port else free_port(host)
        self.auth_token = secrets.token_hex(24)  # never starts with '-' (argparse)
        self.log_path = LOG_DIR / f"rasa-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def command(self) -> list[str]:
        """The launcher's command line: ``rasa run``'s arguments but the token."""
        return [
            str(rasa_executable(program="python")),
            str(LAUNCHER),
            "--interface",
            self.host,
            "--port",
            str(self.port),
            "--model",
            str(self.model),
        ]

    def environment(self) -> dict[str, str]:
        """The child's environment: the allow-listed one and the token, nothing else."""
        return {**rasa_environment(), TOKEN_VARIABLE: self.auth_token}

    def start(self) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        command = self.command()
        logger.info("Starting Rasa on %s with %s", self.url, self.model.name)
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command,
                cwd=RASA_PROJECT,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    async def wait_ready(self, timeout: float) -> None:
        """Poll ``/status`` until the model is loaded; raise with the log tail on failure."""
        deadline = time.monotonic() + timeout
        async with NluClient(self.url, auth_token=self.auth_token, timeout_seconds=2.0) as client:
            while time.monotonic() < deadline:
                if self._process is None or self._process.poll() is not None:
                    raise RasaStartupError(f"Rasa exited during start-up:\n{self.log_tail()}")
                if await client.is_ready():
                    return
                await asyncio.sleep(0.25)
        self.stop()
        raise RasaStartupError(f"Rasa not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, grace_seconds: float = 10.0) -> None:
        """Terminate the server's process group; kill it if it does not stop in time."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass
        logger.info("Rasa on %s stopped", self.url)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@asynccontextmanager
async def local_rasa_server(
    model: Path, *, host: str = "127.0.0.1", port: int = 0, timeout: float = 180.0
) -> AsyncIterator[RasaProcess]:
    """Run a local Rasa server for the duration of the block, stopping it on any exit."""
    server = RasaProcess(model, host=host, port=port)
    server.start()
    try:
        await server.wait_ready(timeout)
        yield server
    finally:
        server.stop()

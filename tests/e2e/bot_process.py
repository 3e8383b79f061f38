"""Run the real bot (`python -m bot run`) as a child process for end-to-end tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.settings import REPO_ROOT
from tests.telegram_standin import BotApiStandIn

TOKEN = "123456789:not-a-real-token-test-only"  # deliberately not token-shaped


class BotProcess:
    """The bot as users run it, configured only through environment variables."""

    def __init__(self, standin: BotApiStandIn, log_path: Path, **env: str) -> None:
        self.standin = standin
        self.log_path = log_path
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": standin.base_url,
            **env,
        }
        self._process: subprocess.Popen[bytes] | None = None

    async def start(self, ready_method: str = "getUpdates", timeout: float = 120.0) -> None:
        """Start the bot and wait until it polls (or registers its webhook)."""
        already = len([c for c in self.standin.calls if c.method == ready_method])
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=REPO_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        ready = asyncio.ensure_future(
            self.standin.wait_for_call(ready_method, count=already + 1, timeout=timeout)
        )
        while not ready.done():  # a bot that exits at start fails now, not at the timeout
            if not self.running:
                ready.cancel()
                raise AssertionError(f"bot exited at start:\n{self.log_tail()}")
            await asyncio.wait({ready}, timeout=0.5)
        try:
            ready.result()
        except AssertionError as error:
            raise AssertionError(f"bot did not start:\n{self.log_tail()}") from error

    def stop(self, timeout: float = 30.0) -> int:
        """Stop the bot as a service manager would (SIGTERM); return its exit code."""
        process, self._process = self._process, None
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                return process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise AssertionError(f"bot ignored SIGTERM:\n{self.log_tail()}") from None
        return process.returncode

    def kill(self) -> None:
        """Kill the bot and every process it started (its Rasa) with SIGKILL: no code of theirs
        runs, as in a power cut or an out-of-memory kill."""
        process, self._process = self._process, None
        if process is None:
            return
        for pid in [*_descendants(process.pid), process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, read from /proc (deepest last)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found.extend(children)
        frontier = children
    return found

"""The bot's full path: Bot API stand-in → real bot process (webhook) → reply recorded."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.nlu.rasa_server import RasaProcess, free_port
from bot.settings import REPO_ROOT
from handlers.questions import NLU_UNAVAILABLE_LOG
from tests.e2e.bot_process import TOKEN
from tests.telegram_standin import BotApiStandIn

_PROBLEM = re.compile(r" (ERROR|CRITICAL) |^Traceback ")


@dataclass(frozen=True)
class Checkout:
    """The code a bench bot runs: a checkout and the Python of its virtualenv."""

    name: str  # "new" or "baseline"
    revision: str
    root: Path
    python: Path

    @property
    def label(self) -> str:
        return f"{self.name} {self.revision}" if self.name == "baseline" else self.name


WORKING_TREE = Checkout("new", "the working tree", REPO_ROOT, Path(sys.executable))


class ReplyWatch:
    """Resolve a waiter when the stand-in records the bot's first message to a chat."""

    def __init__(self, standin: BotApiStandIn) -> None:
        self._standin = standin
        self._seen = len(standin.sent)
        self._waiting: dict[int, asyncio.Future[float]] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def expect(self, chat_id: int) -> asyncio.Future[float]:
        future = asyncio.get_running_loop().create_future()
        self._waiting[chat_id] = future
        return future

    async def _follow(self) -> None:
        while True:
            sent = self._standin.sent
            if len(sent) < self._seen:  # the stand-in was reset
                self._seen = 0
            for record in sent[self._seen :]:
                future = self._waiting.pop(record.chat_id, None)
                if future is not None and not future.done():
                    future.set_result(record.timestamp)
            self._seen = len(sent)
            await self._standin.state.changed.wait(1.0)


class BotUnderLoad:
    """The real bot (``python -m bot run``, webhook mode) and the stand-in it talks to."""

    def __init__(self, standin: BotApiStandIn, watch: ReplyWatch, *, reply_timeout: float) -> None:
        self.standin = standin
        self.watch = watch
        self.reply_timeout = reply_timeout

    async def ask(self, question: str, user_id: int) -> float:
        """Deliver one message over the webhook; return seconds until the reply was recorded."""
        answered = self.watch.expect(user_id)
        started = time.time()
        await self.standin.send_text(user_id, question)
        return await asyncio.wait_for(answered, self.reply_timeout) - started


def bot_environment(
    rasa: RasaProcess, database_url: str, *, send_limit: bool = True
) -> dict[str, str]:
    """Environment of a bench bot: webhook on loopback, the bench's Rasa, its own database.

    ``send_limit=False`` sets ``TELEGRAM_MAX_SENDS_PER_SECOND=0``: no send budget (the baseline:
    no AIORateLimiter), so that throughput against an instant stand-in measures the bot, not
    Telegram's limit. Both the code under test and the baseline read the same variables.
    """
    port = free_port()
    env = {
        "BOT_MODE": "webhook",
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "WEBHOOK_SECRET": secrets.token_urlsafe(24),
        "RASA_URL": rasa.url,
        "RASA_AUTH_TOKEN": rasa.auth_token,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
    }
    if not send_limit:
        env["TELEGRAM_MAX_SENDS_PER_SECOND"] = "0"
    return env


class BenchBot:
    """``python -m bot run`` of one checkout as a child process, configured by environment."""

    def __init__(
        self, standin: BotApiStandIn, env: dict[str, str], log_path: Path, checkout: Checkout
    ) -> None:
        self.standin, self.log_path, self.checkout = standin, log_path, checkout
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": standin.base_url,
            **env,
        }
        self.env.pop("VIRTUAL_ENV", None)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def start(self, timeout: float = 180.0) -> None:
        """Start the bot and wait until it has registered its webhook."""
        process = self._spawn()
        deadline = time.monotonic() + timeout
        while not any(call.method == "setWebhook" for call in self.standin.calls):
            if process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.checkout.name} bot did not start:\n{self.log_tail()}")
            await asyncio.sleep(0.2)

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [str(self.checkout.python), "-m", "bot", "run"],
                cwd=self.checkout.root,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self._process

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, as a service manager stops it; SIGKILL if it does not exit in time."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def peak_memory_mb(self) -> float:
        return peak_memory_mb(self.pid)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def log_problems(self) -> list[str]:
        """The log's ERROR and CRITICAL lines and tracebacks."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if _PROBLEM.search(line)]


async def start_bot(
    standin: BotApiStandIn, env: dict[str, str], log_path: Path, checkout: Checkout = WORKING_TREE
) -> BenchBot:
    bot = BenchBot(standin, env, log_path, checkout)
    await bot.start()
    return bot


def nlu_unavailable(log_path: Path) -> list[str]:
    """The bot's log lines for questions escalated because the NLU was unavailable, with why."""
    lines = log_path.read_text(errors="replace").splitlines()
    return [line for line in lines if NLU_UNAVAILABLE_LOG in line]


def peak_memory_mb(pid: int | None) -> float:
    """VmHWM (peak resident set) of a process and its children, in MB."""
    if pid is None:
        return float("nan")
    total_kb = 0
    for status in _proc_files(pid, "status"):
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def cpu_seconds(pid: int | None) -> float:
    """User and system CPU time of a process and its live children, in seconds."""
    if pid is None:
        return float("nan")
    ticks = 0
    for stat in _proc_files(pid, "stat"):
        fields = stat.rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _proc_files(pid: int, name: str) -> Iterator[str]:
    """``/proc/<pid>/<name>`` of a process and of each live child (those gone are skipped)."""
    for each in [pid, *_children(pid)]:
        try:
            yield Path(f"/proc/{each}/{name}").read_text()
        except OSError:
            continue


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in path.read_text().split()]
        except OSError:
            continue
    return found + [grandchild for child in found for grandchild in _children(child)]

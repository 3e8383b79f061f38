"""One bench run: time training, start Rasa, then at each concurrency load it raw and through the
real bot in front of it."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.botside import (
    BotUnderLoad,
    ReplyWatch,
    bot_environment,
    bot_pid,
    cpu_seconds,
    nlu_unavailable,
    peak_memory_mb,
    start_bot,
)
from bench.load import LoadResult, Request, closed_loop, open_loop_burst
from bench.questions import mixed_questions, unique_questions
from bench.report import BenchFigures, render
from bot.nlu.client import NluClient
from bot.nlu.rasa_server import RasaProcess
from bot.nlu.training import train_model
from bot.nlu.understanding import Understanding
from bot.settings import REPO_ROOT, PolicySettings, load_settings
from tests.e2e.bot_process import TOKEN, BotProcess
from tests.telegram_standin import BotApiStandIn

logger = logging.getLogger(__name__)
WARM_UP_MESSAGES = 24


@dataclass(frozen=True)
class BenchOptions:
    levels: tuple[int, ...]
    seconds: float
    mix_seconds: float
    burst_rate: int
    burst_seconds: float
    time_training: bool
    database_url: str | None


async def run_bench(options: BenchOptions, *, command: str, machine: str) -> str:
    figures = BenchFigures(command=command, machine=machine)
    if options.time_training:
        logger.info("Timing a full training (empty model directory and Rasa cache)")
        figures.training_seconds = await asyncio.to_thread(_time_fresh_training)
    model = (await asyncio.to_thread(train_model)).model_path
    rasa = RasaProcess(model)
    started = time.perf_counter()
    rasa.start()
    try:
        await rasa.wait_ready(300.0)
        figures.rasa_ready_seconds = time.perf_counter() - started
        logger.info("Rasa ready in %.1f s", figures.rasa_ready_seconds)
        async with NluClient(
            rasa.url,
            auth_token=rasa.auth_token,
            timeout_seconds=30.0,
            parses_in_flight=max(options.levels),  # raw: every request straight to Rasa
        ) as client:
            raw = RawParse(rasa, client, options, figures)
            await raw.warm_up()
            with tempfile.TemporaryDirectory(prefix="tanya-bench-") as workdir:
                await _measure_bot(rasa, raw, options, figures, Path(workdir))
        figures.rasa_memory_mb = peak_memory_mb(rasa.pid)
    finally:
        rasa.stop()
    return render(figures)


def _time_fresh_training() -> float:
    """A full training as on a fresh clone: new model directory and an empty Rasa cache.

    Rasa caches component outputs in ``rasa_project/.rasa/cache``; with it, a retraining of
    unchanged data took 26 s, far less than a full training.
    """
    with (
        tempfile.TemporaryDirectory(prefix="tanya-bench-models-") as models,
        tempfile.TemporaryDirectory(prefix="tanya-bench-rasa-cache-") as rasa_cache,
    ):
        code = "from bot.nlu.training import train_model; print(train_model(force=True).seconds)"
        environment = {"TANYA_NETRAL_MODELS": models, "RASA_CACHE_DIRECTORY": rasa_cache}
        completed = subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO_ROOT,
            env={**os.environ, **environment},
            capture_output=True,
            text=True,
            check=True,
        )
    return float(completed.stdout.strip().splitlines()[-1])


_questions: Iterator[str] = unique_questions()
_users: Iterator[int] = itertools.count(100_000_000 + int(time.time()) % 1000 * 1_000_000)


class RawParse:
    """Rasa's ``/model/parse`` loaded straight, for the ratios' denominators.

    Each concurrency is measured right before the bot at that concurrency (the bot process
    idle meanwhile), so that both sides of a ratio see the machine in the same minutes: its
    speed moves within a run. Measured minutes apart, raw parse first, one run had Rasa at
    17.1 ms of CPU per raw parse and 12.6 ms per parse behind the bot. Side by side the two
    still differ on some runs (19.5 against 14.7 ms; 16.2 against 16.6 on another).
    """

    def __init__(
        self, rasa: RasaProcess, client: NluClient, options: BenchOptions, figures: BenchFigures
    ) -> None:
        self.rasa, self.client, self.options, self.figures = rasa, client, options, figures

    async def parse(self, question: str, user_id: int) -> float:
        started = time.perf_counter()
        await self.client.parse(question)
        return time.perf_counter() - started

    async def warm_up(self) -> None:
        await closed_loop(
            self.parse, _questions, _users, concurrency=4, seconds=60, max_requests=WARM_UP_MESSAGES
        )

    async def measure(self, level: int) -> None:
        rasa_cpu = cpu_seconds(self.rasa.pid)
        result = await closed_loop(
            self.parse, _questions, _users, concurrency=level, seconds=self.options.seconds
        )
        if level == max(self.options.levels):
            cpu = cpu_seconds(self.rasa.pid) - rasa_cpu
            self.figures.raw_rasa_cpu_ms = _per_message(cpu, result)
        self.figures.raw[level] = result
        logger.info(
            "raw c=%d: %.1f req/s, p50 %.1f ms", level, result.throughput, result.p50 * 1000
        )

    async def measure_nlu_step(self, level: int) -> None:
        """The bot's ``Understanding.read`` alone (parse cache, Rasa on a miss) on the mix,
        with the bot's client settings."""
        client = NluClient.from_settings(
            load_settings().rasa, url=self.rasa.url, auth_token=self.rasa.auth_token
        )
        async with client:
            understanding = Understanding(client, PolicySettings())
            self.figures.nlu_mix_cached = await closed_loop(
                self._timed(understanding),
                mixed_questions(),
                _users,
                concurrency=level,
                seconds=self.options.seconds,
            )
        logger.info("NLU step on the mix, cache on: %.0f/s", self.figures.nlu_mix_cached.throughput)

    @staticmethod
    def _timed(understanding: Understanding) -> Request:
        async def read(question: str, user_id: int) -> float:
            started = time.perf_counter()
            await understanding.read(question)
            return time.perf_counter() - started

        return read


async def _measure_bot(
    rasa: RasaProcess, raw: RawParse, options: BenchOptions, figures: BenchFigures, workdir: Path
) -> None:
    """Three bot processes: cache on and off without the send limiter, then as deployed; raw
    parse at each concurrency right before the bot's."""
    database_url = options.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    top = max(options.levels)
    async with BotApiStandIn(TOKEN) as standin:
        watch = ReplyWatch(standin)
        watch.start()
        load = BotUnderLoad(standin, watch, reply_timeout=60.0)
        memory: list[float] = []
        try:
            env = bot_environment(rasa, database_url, workdir, send_limit=False)
            log_path = workdir / "bot-cache.log"
            async with _running_bot(load, env, log_path, memory) as bot:
                for level in options.levels:
                    await raw.measure(level)
                    bot_cpu, rasa_cpu = cpu_seconds(bot_pid(bot)), cpu_seconds(rasa.pid)
                    result = await closed_loop(
                        load.ask, _questions, _users, concurrency=level, seconds=options.seconds
                    )
                    if level == top:
                        bot_cpu = cpu_seconds(bot_pid(bot)) - bot_cpu
                        figures.bot_cpu_ms = _per_message(bot_cpu, result)
                        rasa_cpu = cpu_seconds(rasa.pid) - rasa_cpu
                        figures.bot_rasa_cpu_ms = _per_message(rasa_cpu, result)
                    figures.bot[level] = result
                    logger.info(
                        "bot c=%d: %.1f msg/s, p50 %.1f ms",
                        level,
                        result.throughput,
                        result.p50 * 1000,
                    )
                await raw.measure_nlu_step(top)
                figures.mix_cached = await closed_loop(
                    load.ask,
                    mixed_questions(),
                    _users,
                    concurrency=top,
                    seconds=options.mix_seconds,
                )
                logger.info("mix with cache: %.1f msg/s", figures.mix_cached.throughput)
            escalated = len(nlu_unavailable(log_path))
            figures.nlu_unavailable["concurrency levels and mix with cache"] = escalated
            env = bot_environment(rasa, database_url, workdir, parse_cache_size=0, send_limit=False)
            log_path = workdir / "bot-nocache.log"
            async with _running_bot(load, env, log_path, memory):
                figures.mix_uncached = await closed_loop(
                    load.ask,
                    mixed_questions(),
                    _users,
                    concurrency=top,
                    seconds=options.mix_seconds,
                )
                logger.info("mix without cache: %.1f msg/s", figures.mix_uncached.throughput)
            if "NLU parse cache: off" not in log_path.read_text(errors="replace"):
                figures.mix_uncached_note = "NOT honoured: this build ignores parse_cache_size"
            figures.nlu_unavailable["mix, cache off"] = len(nlu_unavailable(log_path))
            env = bot_environment(rasa, database_url, workdir)
            log_path = workdir / "bot-burst.log"
            async with _running_bot(load, env, log_path, memory):
                await _burst(load, options, figures)
            figures.nlu_unavailable["burst"] = len(nlu_unavailable(log_path))
            figures.bot_memory_mb = max(memory)
        finally:
            await watch.stop()


def _per_message(cpu: float, result: LoadResult) -> float:
    """Milliseconds of CPU per completed request."""
    return 1000 * cpu / result.completed if result.completed else float("nan")


@asynccontextmanager
async def _running_bot(
    load: BotUnderLoad, env: dict[str, str], log_path: Path, memory: list[float]
) -> AsyncIterator[BotProcess]:
    """Start a bot, warm it up, yield it, record its peak memory, stop it."""
    bot = await start_bot(load.standin, env, log_path)
    try:
        await _warm_up(load)
        yield bot
        memory.append(peak_memory_mb(bot_pid(bot)))
    finally:
        bot.stop()


async def _warm_up(load: BotUnderLoad) -> None:
    await closed_loop(
        load.ask, _questions, _users, concurrency=4, seconds=60, max_requests=WARM_UP_MESSAGES
    )


async def _burst(load: BotUnderLoad, options: BenchOptions, figures: BenchFigures) -> None:
    standin = load.standin
    standin.reset()
    standin.enable_flood_control(global_per_second=30)
    load.reply_timeout = options.burst_rate * options.burst_seconds / 20 + 120
    logger.info("Burst: %d msg/s for %.0f s", options.burst_rate, options.burst_seconds)
    figures.burst = await open_loop_burst(
        load.ask, _questions, _users, rate=options.burst_rate, seconds=options.burst_seconds
    )
    figures.burst_peak_rate = standin.peak_rate("sendMessage")
    figures.burst_rejected_429 = sum(1 for call in standin.calls if call.status == 429)
    logger.info("Burst: %d/%d answered", figures.burst.answered, figures.burst.sent)
    standin.reset()
    load.reply_timeout = 60.0

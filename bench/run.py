"""One bench run: start Rasa, then for each database and each code (the working tree and the
baseline) run a bot process under closed-loop load and a steady rate, with raw parse beside it."""

from __future__ import annotations

import asyncio
import itertools
import logging
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

from bench.baseline import baseline_checkout
from bench.botside import (
    WORKING_TREE,
    BenchBot,
    BotUnderLoad,
    Checkout,
    ReplyWatch,
    bot_environment,
    nlu_unavailable,
    start_bot,
)
from bench.load import BurstResult, LoadResult, Request, closed_loop, open_loop_burst
from bench.postgres import fresh_database
from bench.questions import unique_questions
from bench.raw import RawParse
from bench.report import BenchFigures, BotRun
from bot.nlu.rasa_server import RasaProcess
from bot.nlu.training import train_model
from bot.settings import REPO_ROOT
from tests.e2e.bot_process import TOKEN
from tests.telegram_standin import BotApiStandIn

logger = logging.getLogger(__name__)
WARM_UP_MESSAGES = 24
LOG_DIR = REPO_ROOT / "reports" / "bench-logs"
BASELINE_ENVIRONMENT = {"RASA_PARSE_CACHE_SIZE": "0"}
"""Today's code caches parses; every bench question is new, so its cache could only grow."""

_questions = unique_questions()
_users = itertools.count(100_000_000 + int(time.time()) % 1000 * 1_000_000)


@dataclass(frozen=True)
class BenchOptions:
    levels: tuple[int, ...]
    seconds: float  # per concurrency level
    steady_rate: int
    steady_seconds: float
    baseline: str | None  # a git revision; None: the working tree only
    postgres_url: str | None  # None: SQLite only


async def run_bench(options: BenchOptions, figures: BenchFigures) -> None:
    model = (await asyncio.to_thread(train_model)).model_path
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tanya-bench-")))
        codes = [WORKING_TREE]
        if options.baseline is not None:
            codes.append(stack.enter_context(baseline_checkout(options.baseline)))
        rasa = RasaProcess(model)
        started = time.perf_counter()
        rasa.start()
        stack.callback(rasa.stop)
        await rasa.wait_ready(300.0)
        figures.rasa_ready_seconds = time.perf_counter() - started
        logger.info("Rasa ready in %.1f s", figures.rasa_ready_seconds)
        raw = RawParse(rasa)
        try:
            await _warm_up(raw.parse)
            databases = ["SQLite"] + (["PostgreSQL"] if options.postgres_url else [])
            for index, database in enumerate(databases):
                for code in codes if index % 2 == 0 else codes[::-1]:  # ABBA: no side first
                    run = BotRun(database, code.label)
                    figures.runs.append(run)
                    async with _database(database, code, options, workdir) as url:
                        await _measure_bot(rasa, raw, code, url, options, run)
        finally:
            await raw.aclose()


@asynccontextmanager
async def _database(
    database: str, code: Checkout, options: BenchOptions, workdir: Path
) -> AsyncIterator[str]:
    """An empty database of its own for one bot process."""
    if database == "SQLite":
        yield f"sqlite+aiosqlite:///{workdir / f'{code.name}.db'}"
    else:
        assert options.postgres_url is not None
        async with fresh_database(options.postgres_url, code.name) as url:
            yield url


async def _measure_bot(
    rasa: RasaProcess,
    raw: RawParse,
    code: Checkout,
    database_url: str,
    options: BenchOptions,
    run: BotRun,
) -> None:
    """Start the bot, warm it up, then each concurrency and the steady rate."""
    env = bot_environment(rasa, database_url, send_limit=False)
    if code is not WORKING_TREE:
        env |= BASELINE_ENVIRONMENT
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"bot-{run.database}-{code.name}.log".lower()
    log_path.unlink(missing_ok=True)
    logger.info("%s: starting the bot (%s)", run.name, code.root)
    async with BotApiStandIn(TOKEN) as standin:
        watch = ReplyWatch(standin)
        watch.start()
        load = BotUnderLoad(standin, watch, reply_timeout=options.steady_seconds + 60)
        bot = await start_bot(standin, env, log_path, code)
        try:
            await _warm_up(load.ask)
            for level in options.levels:
                closed = partial(
                    closed_loop,
                    questions=_questions,
                    users=_users,
                    concurrency=level,
                    seconds=options.seconds,
                )
                run.raw[level], run.bot[level], run.cpu_ms[f"c={level}"] = await _side_by_side(
                    closed, raw, load, bot
                )
                logger.info("%s c=%d: %.1f msg/s", run.name, level, run.bot[level].throughput)
            steady = partial(
                open_loop_burst,
                questions=_questions,
                users=_users,
                rate=options.steady_rate,
                seconds=options.steady_seconds,
            )
            run.raw_steady, run.bot_steady, run.cpu_ms["steady"] = await _side_by_side(
                steady, raw, load, bot
            )
            logger.info("%s steady: p99 %.1f ms", run.name, run.bot_steady.replies.p99 * 1000)
            run.peak_rss_mb = bot.peak_memory_mb()
        finally:
            bot.stop()
            await watch.stop()
    run.escalated = len(nlu_unavailable(log_path))
    run.problems = bot.log_problems()


Result = TypeVar("Result", LoadResult, BurstResult)


async def _side_by_side(
    load: Callable[[Request], Awaitable[Result]],
    raw: RawParse,
    bot_load: BotUnderLoad,
    bot: BenchBot,
) -> tuple[Result, Result, float]:
    """The same load straight to Rasa, then through the bot right after, so that both see the
    machine in the same minute; and the bot's CPU per reply."""
    raw_result = await load(raw.parse)
    cpu = bot.cpu_seconds()
    bot_result = await load(bot_load.ask)
    cpu = bot.cpu_seconds() - cpu
    replies = bot_result.completed if isinstance(bot_result, LoadResult) else bot_result.answered
    return raw_result, bot_result, 1000 * cpu / replies if replies else float("nan")


async def _warm_up(request: Request) -> None:
    await closed_loop(
        request, _questions, _users, concurrency=4, seconds=60, max_requests=WARM_UP_MESSAGES
    )

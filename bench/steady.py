"""``python -m bench.steady``: a steady 30 questions a second, through the bot and straight to Rasa.

Telegram lets one bot send about 30 messages a second, so this is the load that matters in
production. New users ask ``--rate`` new questions a second for ``--seconds`` (open loop:
sent on time whatever the answers do), first straight to Rasa's ``/model/parse``, then through
the real bot process (webhook → NLU → policy → database → reply recorded by the Bot API
stand-in, whose flood control is off so that the bot's own latency is measured). The floor
(issue 20): the reply's p99 at most raw parse's p99 + 100 ms. ``BENCH_DATABASE_URL`` runs the
bot on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.botside import BotUnderLoad, ReplyWatch, bot_environment, start_bot
from bench.load import BurstResult, LoadResult, closed_loop, open_loop_burst
from bench.questions import unique_questions
from bot.nlu.client import NluClient
from bot.nlu.rasa_server import RasaProcess
from bot.nlu.training import train_model
from tests.e2e.bot_process import TOKEN
from tests.telegram_standin import BotApiStandIn

FLOOR_MS = 100.0
_questions = unique_questions()
_users = itertools.count(500_000_000 + int(time.time()) % 1000 * 1_000_000)


def _replies(result: BurstResult) -> LoadResult:
    return LoadResult(0, result.answered, result.lost, result.seconds, result.latencies)


async def raw_parse(rasa: RasaProcess, rate: int, seconds: float) -> BurstResult:
    client = NluClient(rasa.url, auth_token=rasa.auth_token)

    async def parse(question: str, user_id: int) -> float:
        started = time.perf_counter()
        await client.parse(question)
        return time.perf_counter() - started

    try:
        await closed_loop(parse, _questions, _users, concurrency=2, seconds=3.0)  # warm up
        return await open_loop_burst(parse, _questions, _users, rate=rate, seconds=seconds)
    finally:
        await client.aclose()


async def through_bot(rasa: RasaProcess, workdir: Path, rate: int, seconds: float) -> BurstResult:
    database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite+aiosqlite:///{workdir}/s.db"
    env = bot_environment(rasa, database_url, workdir, send_limit=False)
    async with BotApiStandIn(TOKEN) as standin:
        watch = ReplyWatch(standin)
        watch.start()
        load = BotUnderLoad(standin, watch, reply_timeout=seconds + 60)
        bot = await start_bot(standin, env, workdir / "bot-steady.log")
        try:
            await closed_loop(load.ask, _questions, _users, concurrency=2, seconds=3.0)
            return await open_loop_burst(load.ask, _questions, _users, rate=rate, seconds=seconds)
        finally:
            bot.stop()
            await watch.stop()


async def run(rate: int, seconds: float) -> list[str]:
    rasa = RasaProcess((await asyncio.to_thread(train_model)).model_path)
    rasa.start()
    try:
        await rasa.wait_ready(300.0)
        raw = _replies(await raw_parse(rasa, rate, seconds))
        with tempfile.TemporaryDirectory(prefix="tanya-steady-") as workdir:
            bot_run = await through_bot(rasa, Path(workdir), rate, seconds)
        bot = _replies(bot_run)
    finally:
        rasa.stop()
    margin = (bot.p99 - raw.p99) * 1000
    verdict = "kept" if margin <= FLOOR_MS and bot_run.lost == 0 else "MISSED"
    return [
        "| path | questions | answered | p50 ms | p99 ms | slowest ms |",
        "|---|---:|---:|---:|---:|---:|",
        f"| raw parse | {raw.completed + raw.failed} | {raw.completed} | {raw.p50 * 1000:.1f}"
        f" | {raw.p99 * 1000:.1f} | {raw.slowest * 1000:.1f} |",
        f"| through the bot | {bot_run.sent} | {bot_run.answered} | {bot.p50 * 1000:.1f}"
        f" | {bot.p99 * 1000:.1f} | {bot.slowest * 1000:.1f} |",
        "",
        f"Reply p99 − raw parse p99: {margin:.1f} ms"
        f" (floor ≤ {FLOOR_MS:g} ms, none lost): {verdict}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.steady", description=__doc__)
    parser.add_argument("--rate", type=int, default=30, help="questions a second (default 30)")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds (default 30)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    lines = asyncio.run(run(args.rate, args.seconds))
    print(f"{args.rate} new questions a second for {args.seconds:g} s:")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

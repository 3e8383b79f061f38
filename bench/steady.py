"""``python -m bench.steady``: a steady 30 questions a second, through the bot and straight to Rasa.

Telegram lets one bot send about 30 messages a second, so this is the load that matters in
production. New users ask ``--rate`` new questions a second for ``--seconds`` (open loop:
sent on time whatever the answers do), first straight to Rasa's ``/model/parse``, then through
the real bot process (webhook → NLU → policy → database → reply recorded by the Bot API
stand-in; the send budget off, so that the bot's own latency is measured). The floor
(issue 20): the reply's p99 at most raw parse's p99 + 100 ms, none lost.
``BENCH_DATABASE_URL`` runs the bot on PostgreSQL. ``python -m bench`` runs the same
measurement for each database and against the baseline code.
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
from bench.load import BurstResult, Request, closed_loop, open_loop_burst
from bench.questions import unique_questions
from bench.raw import RawParse
from bot.nlu.rasa_server import RasaProcess
from bot.nlu.training import train_model
from tests.e2e.bot_process import TOKEN
from tests.telegram_standin import BotApiStandIn

FLOOR_MS = 100.0
_questions = unique_questions()
_users = itertools.count(500_000_000 + int(time.time()) % 1000 * 1_000_000)


def p99_margin_ms(bot: BurstResult, raw: BurstResult) -> float:
    """How much later the bot's p99 reply came than raw parse's p99, in ms."""
    return (bot.replies.p99 - raw.replies.p99) * 1000


def floor_kept(bot: BurstResult, raw: BurstResult) -> bool:
    return p99_margin_ms(bot, raw) <= FLOOR_MS and bot.lost == 0


async def steady(request: Request, rate: int, seconds: float) -> BurstResult:
    """``rate`` new questions a second from new users for ``seconds``, each sent on time."""
    return await open_loop_burst(request, _questions, _users, rate=rate, seconds=seconds)


async def through_bot(rasa: RasaProcess, workdir: Path, rate: int, seconds: float) -> BurstResult:
    database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite+aiosqlite:///{workdir}/s.db"
    env = bot_environment(rasa, database_url, send_limit=False)
    async with BotApiStandIn(TOKEN) as standin:
        watch = ReplyWatch(standin)
        watch.start()
        load = BotUnderLoad(standin, watch, reply_timeout=seconds + 60)
        bot = await start_bot(standin, env, workdir / "bot-steady.log")
        try:
            await closed_loop(load.ask, _questions, _users, concurrency=2, seconds=3.0)
            return await steady(load.ask, rate, seconds)
        finally:
            bot.stop()
            await watch.stop()


async def run(rate: int, seconds: float) -> list[str]:
    rasa = RasaProcess((await asyncio.to_thread(train_model)).model_path)
    rasa.start()
    try:
        await rasa.wait_ready(300.0)
        raw_parse = RawParse(rasa)
        try:
            await closed_loop(raw_parse.parse, _questions, _users, concurrency=2, seconds=3.0)
            raw = await steady(raw_parse.parse, rate, seconds)
        finally:
            await raw_parse.aclose()
        with tempfile.TemporaryDirectory(prefix="tanya-steady-") as workdir:
            bot = await through_bot(rasa, Path(workdir), rate, seconds)
    finally:
        rasa.stop()
    verdict = "kept" if floor_kept(bot, raw) else "MISSED"
    rows = [(name, result, result.replies) for name, result in (("raw parse", raw), ("bot", bot))]
    return [
        "| path | questions | answered | p50 ms | p99 ms | slowest ms |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {name} | {result.sent} | {result.answered} | {replies.p50 * 1000:.1f}"
            f" | {replies.p99 * 1000:.1f} | {replies.slowest * 1000:.1f} |"
            for name, result, replies in rows
        ),
        "",
        f"Reply p99 − raw parse p99: {p99_margin_ms(bot, raw):.1f} ms"
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

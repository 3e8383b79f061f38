"""``python -m bench.outage``: questions arriving while Rasa hangs, with and without the breaker.

Rasa is stopped (SIGSTOP: it still accepts connections, it never answers) while new users ask
``--rate`` questions a second for ``--seconds``, through the real bot process; then it is
resumed. The bot runs twice: as configured (``rasa.breaker_failures``, default 3), and with
the breaker out of reach (a million failures), which is how every question waited before.
Each question is escalated to a consultant; what differs is how long the user waits for the
reply, and whether the question was sent to the hung Rasa, gave up waiting for a turn, or
skipped Rasa while the breaker paused it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.botside import (
    BotUnderLoad,
    ReplyWatch,
    bot_environment,
    nlu_unavailable,
    start_bot,
)
from bench.load import BurstResult, LoadResult, closed_loop, open_loop_burst
from bench.questions import unique_questions
from bot.nlu.rasa_server import RasaProcess
from bot.nlu.training import train_model
from bot.settings import load_settings
from tests.e2e.bot_process import TOKEN
from tests.telegram_standin import BotApiStandIn

BREAKER_OUT_OF_REACH = 1_000_000
_questions = unique_questions()
_users = itertools.count(300_000_000 + int(time.time()) % 1000 * 1_000_000)


@dataclass(frozen=True)
class Escalations:
    """Why questions went to a consultant, from the bot's log."""

    timed_out: int  # sent to the hung Rasa
    waited: int  # gave up waiting for a turn (queue timeout), never sent
    skipped: int  # Rasa paused by the breaker, never sent


async def hung_rasa(
    rasa: RasaProcess, workdir: Path, breaker_failures: int, rate: int, seconds: float
) -> tuple[BurstResult, Escalations]:
    """Questions while Rasa is stopped, and why each was escalated."""
    config = workdir / f"config-breaker-{breaker_failures}.yml"
    config.write_text(yaml.safe_dump({"rasa": {"breaker_failures": breaker_failures}}))
    database_url = f"sqlite+aiosqlite:///{workdir / f'outage-{breaker_failures}.db'}"
    env = {**bot_environment(rasa, database_url), "TANYA_NETRAL_CONFIG": str(config)}
    log_path = workdir / f"bot-breaker-{breaker_failures}.log"
    async with BotApiStandIn(TOKEN) as standin:
        watch = ReplyWatch(standin)
        watch.start()
        load = BotUnderLoad(standin, watch, reply_timeout=seconds + 120)
        bot = await start_bot(standin, env, log_path)
        try:
            await closed_loop(load.ask, _questions, _users, concurrency=2, seconds=3.0)
            assert rasa.pid is not None
            os.killpg(rasa.pid, signal.SIGSTOP)
            try:
                result = await open_loop_burst(
                    load.ask, _questions, _users, rate=rate, seconds=seconds
                )
            finally:
                os.killpg(rasa.pid, signal.SIGCONT)
        finally:
            bot.stop()
            await watch.stop()
    unavailable = nlu_unavailable(log_path)
    skipped = sum("Rasa paused" in line for line in unavailable)
    waited = sum("Rasa busy" in line for line in unavailable)
    return result, Escalations(len(unavailable) - skipped - waited, waited, skipped)


async def run(rate: int, seconds: float) -> list[str]:
    settings = load_settings().rasa
    rasa = RasaProcess((await asyncio.to_thread(train_model)).model_path)
    rasa.start()
    lines = [
        "| breaker | questions | answered | sent to Rasa (timed out) | gave up waiting for a turn"
        " | skipped Rasa (paused) | reply p50 s | p90 s | slowest s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    try:
        await rasa.wait_ready(300.0)
        with tempfile.TemporaryDirectory(prefix="tanya-outage-") as workdir:
            for failures in (settings.breaker_failures, BREAKER_OUT_OF_REACH):
                result, why = await hung_rasa(rasa, Path(workdir), failures, rate, seconds)
                label = (
                    f"after {failures} failures, {settings.breaker_pause_seconds:g} s pause"
                    if failures != BREAKER_OUT_OF_REACH
                    else "none"
                )
                replies = LoadResult(0, result.answered, result.lost, seconds, result.latencies)
                lines.append(
                    f"| {label} | {result.sent} | {result.answered} | {why.timed_out}"
                    f" | {why.waited} | {why.skipped}"
                    f" | {replies.p50:.2f} | {replies.percentile(0.9):.2f}"
                    f" | {replies.slowest:.2f} |"
                )
    finally:
        rasa.stop()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.outage", description=__doc__)
    parser.add_argument("--rate", type=int, default=4, help="questions a second (default 4)")
    parser.add_argument("--seconds", type=float, default=40.0, help="seconds (default 40)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    lines = asyncio.run(run(args.rate, args.seconds))
    timeouts = load_settings().rasa
    print(
        f"Rasa stopped while {args.rate} new users a second ask for {args.seconds:g} s"
        f" (parse timeout {timeouts.timeout_seconds:g} s, {timeouts.parses_in_flight} in flight,"
        f" queue timeout {timeouts.queue_timeout_seconds:g} s):"
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

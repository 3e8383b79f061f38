"""``python -m bench.ramp``: questions arriving one after another up to 32 at once, against Rasa.

Each of ``--concurrency`` senders starts ``--stagger`` ms after the one before (as questions
reach the bot one by one), then asks again as soon as it has an answer. The same load goes to
Rasa through an ``NluClient`` that sends every question at once (one connection each) and
through one with the bot's limit (``rasa.parses_in_flight``), which queues the rest in
arrival order. Each is run twice: the first run opens its connections while Rasa is busy (the
start of a burst), the second finds them open. This is why ``NluClient`` queues parses:
requests on connections opened while Rasa was busy waited seconds while the others were
served.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from bench.load import LoadResult
from bench.questions import unique_questions
from bot.nlu.client import NluClient
from bot.nlu.rasa_server import RasaProcess
from bot.nlu.training import train_model
from bot.settings import load_settings

_questions = unique_questions()


async def ramp(client: NluClient, concurrency: int, stagger: float, seconds: float) -> LoadResult:
    """Senders start ``stagger`` seconds apart and ask in a closed loop for ``seconds``."""
    latencies: list[float] = []
    started = time.perf_counter()

    async def sender(index: int) -> None:
        await asyncio.sleep(index * stagger)
        while time.perf_counter() - started < seconds:
            asked = time.perf_counter()
            await client.parse(next(_questions))
            latencies.append(time.perf_counter() - asked)

    await asyncio.gather(*(sender(index) for index in range(concurrency)))
    return LoadResult(concurrency, len(latencies), 0, seconds, tuple(latencies))


async def run(concurrency: int, stagger: float, seconds: float) -> list[str]:
    limit = load_settings().rasa.parses_in_flight
    rasa = RasaProcess((await asyncio.to_thread(train_model)).model_path)
    rasa.start()
    lines = [
        "| parses sent at once | connections | questions/s | p50 ms | p99 ms | slowest ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    try:
        await rasa.wait_ready(300.0)
        for in_flight in (concurrency, limit):
            label = f"{in_flight} ({'every question' if in_flight == concurrency else 'the bot'})"
            async with NluClient(
                rasa.url,
                auth_token=rasa.auth_token,
                timeout_seconds=30.0,
                parses_in_flight=in_flight,
            ) as client:
                await ramp(client, 1, 0.0, 1.0)  # one connection open, as after a quiet spell
                for state in ("opened during the ramp", "already open"):
                    result = await ramp(client, concurrency, stagger, seconds)
                    lines.append(
                        f"| {label} | {state} | {result.throughput:.0f}"
                        f" | {result.p50 * 1000:.0f} | {result.p99 * 1000:.0f}"
                        f" | {result.slowest * 1000:.0f} |"
                    )
    finally:
        rasa.stop()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ramp", description=__doc__)
    parser.add_argument("--concurrency", type=int, default=32, help="senders (default 32)")
    parser.add_argument("--stagger", type=float, default=1.5, help="ms between senders' starts")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds per run (default 8)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    lines = asyncio.run(run(args.concurrency, args.stagger / 1000, args.seconds))
    print(f"Ramp to {args.concurrency} at once against one Rasa, {args.stagger:g} ms apart:")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m bench``: raw Rasa against the bot's full path, on this machine, in one run."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import sys
import time

from bench.run import BenchOptions, run_bench
from bot.settings import REPO_ROOT

REPORT_PATH = REPO_ROOT / "reports" / "bench.md"


def parse_options(argv: list[str]) -> BenchOptions:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short run (about 2 minutes)")
    parser.add_argument("--seconds", type=float, help="seconds per concurrency level (default 10)")
    parser.add_argument("--mix-seconds", type=float, help="seconds per repeated-question run")
    parser.add_argument("--burst-rate", type=int, default=100, help="messages a second")
    parser.add_argument("--burst-seconds", type=float, help="burst length (default 30)")
    parser.add_argument(
        "--concurrency", default="1,8,32", help="comma-separated levels (default 1,8,32)"
    )
    parser.add_argument("--no-train", action="store_true", help="do not time a fresh training")
    args = parser.parse_args(argv)
    quick = args.quick
    return BenchOptions(
        levels=tuple(int(level) for level in args.concurrency.split(",")),
        seconds=args.seconds or (3.0 if quick else 10.0),
        mix_seconds=args.mix_seconds or (4.0 if quick else 15.0),
        burst_rate=args.burst_rate,
        burst_seconds=args.burst_seconds or (5.0 if quick else 30.0),
        time_training=not (args.no_train or quick),
        database_url=os.environ.get("BENCH_DATABASE_URL"),
    )


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bench").setLevel(logging.INFO)
    argv = sys.argv[1:] if argv is None else argv
    options = parse_options(argv)
    command = " ".join([".venv/bin/python -m bench", *argv])
    machine = f"{platform.node()}, {os.cpu_count()} CPU, Python {platform.python_version()}"
    started = time.perf_counter()
    table = asyncio.run(run_bench(options, command=command, machine=machine))
    REPORT_PATH.parent.mkdir(parents=True, exist_ok=True)
    REPORT_PATH.write_text(table, encoding="utf-8")
    print(table)
    print(f"Written to {REPORT_PATH} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

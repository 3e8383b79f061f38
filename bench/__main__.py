"""``python -m bench`` (``make bench``): the bot's throughput, steady-rate latency, memory and CPU
on SQLite and PostgreSQL, the working tree against the baseline code in the same run, and the
floors of issue 20 (point 6). Writes ``reports/bench.md``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import sys
import time

from bench.baseline import DEFAULT_BASELINE
from bench.postgres import DEFAULT_URL, reachable
from bench.report import BenchFigures, render
from bench.run import BASELINE_ENVIRONMENT, LOG_DIR, BenchOptions, run_bench
from bot.settings import REPO_ROOT

REPORT_PATH = REPO_ROOT / "reports" / "bench.md"


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short run (about 4 minutes)")
    parser.add_argument("--seconds", type=float, help="seconds per concurrency (default 15)")
    parser.add_argument("--concurrency", default="8,32", help="levels (default 8,32)")
    parser.add_argument("--rate", type=int, default=30, help="steady rate, msg/s (default 30)")
    parser.add_argument("--steady-seconds", type=float, help="steady run length (default 30)")
    parser.add_argument(
        "--baseline",
        default=DEFAULT_BASELINE,
        metavar="REV",
        help=f"revision to compare against (default {DEFAULT_BASELINE}: before issue 20)",
    )
    parser.add_argument("--no-baseline", action="store_true", help="the working tree only")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    return parser.parse_args(argv)


async def postgres_url(args: argparse.Namespace, notes: list[str]) -> str | None:
    """``BENCH_DATABASE_URL`` (which must answer), else the local default if it answers."""
    if args.no_postgres:
        return None
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        if not await reachable(url):
            raise SystemExit(f"BENCH_DATABASE_URL does not answer: {url}")
        return url
    if await reachable(DEFAULT_URL):
        return DEFAULT_URL
    notes.append(f"PostgreSQL skipped: BENCH_DATABASE_URL unset and {DEFAULT_URL} unreachable.")
    return None


async def bench(argv: list[str]) -> BenchFigures:
    args = parse_arguments(argv)
    levels = tuple(int(level) for level in args.concurrency.split(","))
    figures = BenchFigures(
        command=" ".join([".venv/bin/python -m bench", *argv]),
        machine=f"{platform.node()}, {os.cpu_count()} CPU, Python {platform.python_version()}",
        levels=levels,
        steady_rate=args.rate,
    )
    options = BenchOptions(
        levels=levels,
        seconds=args.seconds or (4.0 if args.quick else 15.0),
        steady_rate=args.rate,
        steady_seconds=args.steady_seconds or (10.0 if args.quick else 30.0),
        baseline=None if args.no_baseline else args.baseline,
        postgres_url=await postgres_url(args, figures.notes),
    )
    if options.postgres_url:
        figures.notes.append(f"PostgreSQL: fresh databases on the server of {options.postgres_url}")
    if options.baseline:
        settings = " ".join(f"{name}={value}" for name, value in BASELINE_ENVIRONMENT.items())
        figures.notes.append(f"Baseline: {options.baseline}, run with {settings}")
    figures.notes.append(f"The bots' logs: {LOG_DIR.relative_to(REPO_ROOT)}/")
    started = time.time()
    await run_bench(options, figures)
    figures.window = (
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime(started))}–"
        f"{time.strftime('%H:%M UTC', time.gmtime())}"
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bench").setLevel(logging.INFO)
    started = time.perf_counter()
    table = render(asyncio.run(bench(sys.argv[1:] if argv is None else argv)))
    REPORT_PATH.parent.mkdir(parents=True, exist_ok=True)
    REPORT_PATH.write_text(table, encoding="utf-8")
    print(table)
    print(f"Written to {REPORT_PATH} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

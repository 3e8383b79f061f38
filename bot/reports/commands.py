"""``python -m bot report``: the coordinators' report as files, for an office that files its
reports by hand: one PNG per chart and the XLSX workbook."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.knowledge import load_knowledge_base
from bot.reports.figures import report_for_period
from bot.reports.periods import Period, PeriodError, parse_period, period_between, report_zone
from bot.settings import Settings, load_settings
from bot.storage import create_engine, create_session_factory, default_database_url
from bot.storage.database import is_transient


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``report --from D --to D | --period TEXT --out DIR``."""
    parser = subparsers.add_parser(
        "report", help="the coordinators' report for a period: charts (PNG) and workbook (XLSX)"
    )
    parser.add_argument("--from", dest="first_day", type=date.fromisoformat, help="YYYY-MM-DD")
    parser.add_argument("--to", dest="last_day", type=date.fromisoformat, help="YYYY-MM-DD")
    parser.add_argument(
        "--period",
        help='as /laporan takes it: "minggu_ini", "minggu_lalu", "bulan_ini", "2026-11", "30"',
    )
    parser.add_argument("--out", type=Path, required=True, help="directory for the files")
    parser.set_defaults(func=run_report)


async def run_report(args: argparse.Namespace) -> int:
    """Write the files of the period's report into ``--out`` and print their paths."""
    settings = load_settings()
    try:
        period = _period(args, settings)
    except PeriodError as error:
        print(f"report: {error}")
        return 2
    engine = create_engine(settings.database_url or default_database_url(), settings.database)
    try:
        report = await report_for_period(
            create_session_factory(engine),
            period,
            settings=settings,
            knowledge=load_knowledge_base(),
        )
    except Exception as error:
        if not is_transient(error):
            raise
        print(f"report: the database is unavailable ({type(error).__name__}); try again later")
        return 1
    finally:
        await engine.dispose()
    # matplotlib and openpyxl (about 35 MB) only here: every `python -m bot` command, the bot
    # itself included, builds the parser that registers this one.
    from bot.reports.charts import render_charts
    from bot.reports.workbook import workbook_bytes

    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"laporan_{period.first_day}_{period.last_day}"
    files = {f"{stem}_{name}.png": png for name, png in render_charts(report).items()}
    files[f"{stem}.xlsx"] = workbook_bytes(report)
    for name, content in files.items():
        (args.out / name).write_bytes(content)
        print(args.out / name)
    return 0


def _period(args: argparse.Namespace, settings: Settings) -> Period:
    zone = report_zone(settings)
    if args.first_day or args.last_day:
        if args.period or not (args.first_day and args.last_day):
            raise PeriodError("give --from and --to together, or --period")
        return period_between(args.first_day, args.last_day, zone)
    return parse_period(args.period or "", zone=zone, now=datetime.now(UTC))

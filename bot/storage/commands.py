"""Command-line subcommands of the storage layer: ``db upgrade``."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.engine import make_url

from bot.settings import load_settings
from bot.storage.database import default_database_url
from bot.storage.migrate import upgrade_database


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``db upgrade``; each leaf parser sets ``func(args) -> int``."""
    db_parser = subparsers.add_parser("db", help="database maintenance")
    db_commands = db_parser.add_subparsers(dest="db_command", required=True)
    upgrade_parser = db_commands.add_parser(
        "upgrade", help="apply migrations (the configured database, or the SQLite file under data/)"
    )
    upgrade_parser.set_defaults(func=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    """Upgrade the configured database to the newest revision and print it."""
    url = load_settings().database_url or default_database_url()
    revision = upgrade_database(url)
    shown = make_url(url).render_as_string(hide_password=True)
    print(f"Database {shown} is at revision {revision}")
    return 0

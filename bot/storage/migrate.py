"""Apply the Alembic migrations shipped inside this package."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.storage.database import create_migration_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """Build an Alembic configuration for ``url`` without any ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.attributes["database_url"] = url
    return config


async def upgrade_database_async(url: str) -> str:
    """Upgrade the database at ``url`` to the newest revision and return that revision.

    Safe to call on every start. Concurrent calls wait for each other: an advisory lock on
    PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite.
    """
    engine = create_migration_engine(url)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(_upgrade, alembic_config(url))
    finally:
        await engine.dispose()


def upgrade_database(url: str) -> str:
    """Upgrade the database from synchronous code (a CLI, or ``main()`` before the bot's loop)."""
    return asyncio.run(upgrade_database_async(url))


def _upgrade(connection: Connection, config: Config) -> str:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is None:
        raise RuntimeError("database has no revision after upgrading")
    return revision

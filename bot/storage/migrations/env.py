"""Alembic environment; run through ``bot.storage.migrate`` rather than the alembic CLI."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.settings import load_settings
from bot.storage import models  # noqa: F401  (registers the tables on Base.metadata)
from bot.storage.base import Base
from bot.storage.database import (
    create_migration_engine,
    default_database_url,
    normalize_database_url,
)

# Held for the migration's transaction, so concurrent upgrades on PostgreSQL run one by one.
POSTGRES_MIGRATION_LOCK_KEY = 0x54_4E_4D_49_47  # "TNMIG"

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    url = config.attributes.get("database_url") or load_settings().database_url
    return str(url or default_database_url())


def _run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_MIGRATION_LOCK_KEY}
            )
        context.run_migrations()


async def _run_async_migrations() -> None:
    engine = create_migration_engine(_database_url())
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run_migrations)
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=normalize_database_url(_database_url()).render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_migrations(connection)
    else:
        asyncio.run(_run_async_migrations())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

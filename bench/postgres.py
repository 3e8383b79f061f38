"""PostgreSQL for the bench: a fresh database for each bot process, on the server of one URL.

The URL is ``BENCH_DATABASE_URL``; unset, the local server's ``DEFAULT_URL`` when it answers.
Each bot gets ``<database>_<name>`` (``tanya_bench_new``, ``tanya_bench_baseline``), created
empty before it starts and dropped after it stops: the two codes have different schemas
(migrations), and each starts from empty tables as on SQLite. The role needs CREATEDB.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/tanya_bench"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


async def reachable(url: str, timeout: float = 5.0) -> bool:
    """Whether the server answers (its ``postgres`` database, which every server has)."""
    try:
        await asyncio.wait_for(_execute(url, "SELECT 1"), timeout)
    except (OSError, TimeoutError, SQLAlchemyError):
        return False
    return True


@asynccontextmanager
async def fresh_database(url: str, name: str) -> AsyncIterator[str]:
    """An empty database ``<database>_<name>`` beside ``url``'s for the block; its URL."""
    base = make_url(url)
    database = f"{base.database or 'tanya_bench'}_{name}"
    if not _NAME.fullmatch(database):
        raise ValueError(f"not a plain database name: {database!r}")
    await _execute(url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    await _execute(url, f'CREATE DATABASE "{database}"')
    try:
        yield base.set(database=database).render_as_string(hide_password=False)
    finally:
        await _execute(url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


async def _execute(url: str, statement: str) -> None:
    """Run one statement outside a transaction, connected to the server's ``postgres``."""
    engine = create_async_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()

"""Engine and session factory for SQLite (default) and PostgreSQL, both through asyncio drivers."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

REPO_ROOT = Path(__file__).resolve().parents[2]
SQLITE_BUSY_TIMEOUT_MS = 15_000
WAL_SWITCH_RETRY_SECONDS = 0.05

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def default_database_url() -> str:
    """Return the default database: an SQLite file under the repository's ``data/``."""
    return f"sqlite+aiosqlite:///{REPO_ROOT / 'data' / 'tanya_netral.db'}"


def normalize_database_url(url: str) -> URL:
    """Parse ``url``, choosing the asyncio driver when none is given (``postgres://`` too)."""
    parsed = make_url(url)
    backend = "postgresql" if parsed.get_backend_name() == "postgres" else parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")
    if parsed.drivername in ("sqlite", "postgresql", "postgres"):
        parsed = parsed.set(drivername=_ASYNC_DRIVERS[backend])
    return parsed


class DatabaseUnavailable(Exception):
    """The database stayed locked or unreachable through every retry."""


def is_transient(error: DBAPIError) -> bool:
    """A locked or unreachable database (worth retrying), not a refusal of the statement."""
    return isinstance(error, OperationalError) or error.connection_invalidated


def create_engine(url: str) -> AsyncEngine:
    """Create the application's engine; SQLite connections get WAL, busy_timeout, foreign keys.

    SQLite gets one connection: SQLite takes one writer at a time, and concurrent writers on
    several connections slept in its busy handler (seconds at the 99th percentile under load)
    instead of queueing in order for the connection.
    """
    parsed = normalize_database_url(url)
    if parsed.get_backend_name() != "sqlite":
        # No pre-ping (a round trip per checkout): a connection lost since its last use fails
        # its transaction, which the retry policy runs again on a new one.
        return _create_async_engine(parsed, pool_size=20, max_overflow=10)
    _ensure_sqlite_directory(parsed)
    engine = _create_async_engine(parsed, pool_size=1, max_overflow=0)
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    return engine


def create_migration_engine(url: str) -> AsyncEngine:
    """Create an engine for Alembic that serialises concurrent upgrades.

    On SQLite every transaction starts with ``BEGIN IMMEDIATE``, so a second process waits for
    the first one's whole upgrade (DDL is transactional in SQLite). Foreign keys stay off, as
    Alembic's batch mode (copy and rename tables) requires. PostgreSQL takes an advisory lock
    in ``env.py`` instead.
    """
    parsed = normalize_database_url(url)
    if parsed.get_backend_name() != "sqlite":
        return _create_async_engine(parsed)
    _ensure_sqlite_directory(parsed)
    engine = _create_async_engine(parsed)

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves instead of the driver's deferred, DML-only BEGIN.
        dbapi_connection.isolation_level = None
        _run_pragmas(dbapi_connection, foreign_keys=False)

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Create the session factory; open one session per unit of work."""
    return async_sessionmaker(engine, expire_on_commit=False)


def _ensure_sqlite_directory(url: URL) -> None:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    _run_pragmas(dbapi_connection, foreign_keys=True)


def _run_pragmas(dbapi_connection: Any, *, foreign_keys: bool) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
    finally:
        cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL (it stays so). The switch needs an exclusive lock, for which
    SQLite does not wait on busy_timeout: a process starting beside another one's migration
    got "database is locked" at connect. It retries until the busy timeout instead.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        cursor.execute("PRAGMA journal_mode")
        if str(cursor.fetchone()[0]).lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(WAL_SWITCH_RETRY_SECONDS)

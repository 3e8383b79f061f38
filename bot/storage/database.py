"""Engine and session factory for SQLite (default) and PostgreSQL, both through asyncio drivers."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from bot.settings import DatabaseSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
SQLITE_BUSY_TIMEOUT_MS = 15_000
WAL_SWITCH_RETRY_SECONDS = 0.05
POSTGRES_POOL_SIZE, POSTGRES_MAX_OVERFLOW = 20, 10
QUERY_CANCELED = "57014"
"""PostgreSQL's SQLSTATE for a statement cancelled by ``statement_timeout`` (or an operator)."""

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
    """The database stayed locked, unreachable, too slow or out of connections through every
    retry (``is_transient``)."""


def is_transient(error: BaseException) -> bool:
    """A database that is locked, unreachable, too slow (a statement cancelled by its timeout)
    or out of free connections for now: worth retrying, unlike a refusal of the statement."""
    if isinstance(error, PoolTimeout):
        return True
    if isinstance(error, DBAPIError):
        cancelled = getattr(error.orig, "sqlstate", None) == QUERY_CANCELED
        return isinstance(error, OperationalError) or error.connection_invalidated or cancelled
    return isinstance(error, OSError)  # no connection could be opened


def create_engine(url: str, limits: DatabaseSettings | None = None) -> AsyncEngine:
    """Create the application's engine; SQLite connections get WAL, busy_timeout, foreign keys.

    SQLite gets one connection: SQLite takes one writer at a time, and concurrent writers on
    several connections slept in its busy handler (seconds at the 99th percentile under load)
    instead of queueing in order for the connection.

    ``limits``: how long a checkout waits for a connection, and (PostgreSQL) how long a
    statement may run. Bound values (users' texts) never appear in SQLAlchemy's errors.
    """
    limits = limits or DatabaseSettings()
    parsed = normalize_database_url(url)
    if parsed.get_backend_name() != "sqlite":
        # No pre-ping (a round trip per checkout): a connection lost since its last use fails
        # its transaction, which the retry policy runs again on a new one.
        timeout_ms = round(limits.statement_timeout_seconds * 1000)
        return _create_async_engine(
            parsed,
            pool_size=POSTGRES_POOL_SIZE,
            max_overflow=POSTGRES_MAX_OVERFLOW,
            pool_timeout=limits.pool_timeout_seconds,
            hide_parameters=True,
            connect_args={"server_settings": {"statement_timeout": str(timeout_ms)}},
        )
    _ensure_sqlite_directory(parsed)
    engine = _create_async_engine(
        parsed,
        pool_size=1,
        max_overflow=0,
        pool_timeout=limits.pool_timeout_seconds,
        hide_parameters=True,
    )
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
        # No statement timeout: DDL and the advisory lock may take long.
        return _create_async_engine(parsed, hide_parameters=True)
    _ensure_sqlite_directory(parsed)
    engine = _create_async_engine(parsed, hide_parameters=True)

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

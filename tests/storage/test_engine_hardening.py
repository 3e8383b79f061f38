"""The bot's engine under abuse (SQLite and PostgreSQL): users' texts never show in database
errors, a statement cannot hold a connection for ever (PostgreSQL), and a pool with no free
connection is the database being unavailable after the retry policy's tries, not a hang."""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from bot import retrying
from bot.settings import DatabaseSettings
from bot.storage import Message, MessageDirection, create_engine, create_session_factory
from bot.storage.database import POSTGRES_MAX_OVERFLOW, POSTGRES_POOL_SIZE, DatabaseUnavailable
from bot.storage.messages import log_message
from bot.storage.transaction import in_transaction

USERS_TEXT = "saya dilaporkan ke Bawaslu karena foto dengan caleg, nomor saya 0812-5550-1234"
RETRY_WAITS = retrying.DATABASE_FIRST_WAIT_SECONDS * (1 + 2)  # 0.5 s, then 1 s
NO_HANG = 10.0  # seconds: far beyond what the policy's tries take with these timeouts


@asynccontextmanager
async def bot_engine(url: str, **limits: float) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(url, DatabaseSettings(**limits))
    try:
        yield engine
    finally:
        await engine.dispose()


def _tries(engine: AsyncEngine) -> list[float]:
    """When each transaction (each try) began."""
    began: list[float] = []
    event.listen(engine.sync_engine, "begin", lambda _c: began.append(time.monotonic()))
    return began


async def _log_users_text(session: AsyncSession, user_id: int | None = None) -> int:
    return await log_message(
        session, chat_id=7, user_id=user_id, direction=MessageDirection.IN, text=USERS_TEXT
    )


def _everything_shown(error: BaseException) -> str:
    """What a log line with its traceback would show: the error and every error behind it."""
    return "".join(traceback.format_exception(error))


async def test_a_refused_statement_does_not_show_the_users_text(migrated_url: str) -> None:
    async with bot_engine(migrated_url) as engine:
        with pytest.raises(IntegrityError) as refused:  # user 999999 does not exist
            await in_transaction(
                create_session_factory(engine), lambda s: _log_users_text(s, user_id=999_999)
            )
    shown = _everything_shown(refused.value)
    assert "INSERT INTO messages" in shown  # the statement is there, for the operator
    assert "parameters hidden" in shown
    assert USERS_TEXT not in shown and "0812" not in shown


async def test_an_exhausted_pool_is_the_database_unavailable_not_a_hang(
    migrated_url: str,
) -> None:
    """Every connection held elsewhere: each try waits pool_timeout, then the unit gets
    DatabaseUnavailable; once connections are free again, the next unit goes through."""
    pool_timeout = 0.2
    async with bot_engine(migrated_url, pool_timeout_seconds=pool_timeout) as engine:
        held: list[AsyncConnection] = []
        with pytest.raises(PoolTimeout):
            while True:  # take every connection the pool gives
                held.append(await engine.connect())
        sqlite = engine.dialect.name == "sqlite"
        assert len(held) == (1 if sqlite else POSTGRES_POOL_SIZE + POSTGRES_MAX_OVERFLOW)
        sessions = create_session_factory(engine)
        started = time.monotonic()
        async with asyncio.timeout(NO_HANG):
            with pytest.raises(DatabaseUnavailable):
                await in_transaction(sessions, _log_users_text)
        waited = time.monotonic() - started
        assert waited >= retrying.DATABASE_ATTEMPTS * pool_timeout + RETRY_WAITS
        for connection in held:
            await connection.close()
        await in_transaction(sessions, _log_users_text)
        async with sessions() as session:
            assert list(await session.scalars(select(Message.text))) == [USERS_TEXT]


async def test_postgresql_runs_each_statement_under_the_statement_timeout(
    migrated_url: str,
) -> None:
    if not migrated_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no statement timeout")
    async with bot_engine(migrated_url) as engine, engine.connect() as connection:
        assert await connection.scalar(text("SHOW statement_timeout")) == "15s"  # the default
    async with (
        bot_engine(migrated_url, statement_timeout_seconds=0.25) as engine,
        engine.connect() as connection,
    ):
        assert await connection.scalar(text("SHOW statement_timeout")) == "250ms"


async def test_a_statement_stuck_behind_a_lock_is_cancelled_and_retried_then_unavailable(
    migrated_url: str,
) -> None:
    """Another session holds the messages table: each try is cancelled by the statement
    timeout, the policy tries again, and the unit gets DatabaseUnavailable, whose text (it is
    logged) does not show the user's text it was writing."""
    if not migrated_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite waits for a lock with busy_timeout instead")
    statement_timeout = 0.3
    async with (
        bot_engine(migrated_url, statement_timeout_seconds=statement_timeout) as engine,
        bot_engine(migrated_url) as other,
        other.connect() as holder,
    ):
        await holder.execute(text("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE"))
        tries = _tries(engine)
        async with asyncio.timeout(NO_HANG):
            with pytest.raises(DatabaseUnavailable) as unavailable:
                await in_transaction(create_session_factory(engine), _log_users_text)
        assert len(tries) == retrying.DATABASE_ATTEMPTS
        assert tries[-1] - tries[0] >= RETRY_WAITS + statement_timeout * 2
        assert "statement timeout" in str(unavailable.value)
        assert USERS_TEXT not in _everything_shown(unavailable.value)
        await holder.rollback()
        await in_transaction(create_session_factory(engine), _log_users_text)

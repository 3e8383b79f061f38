"""One transaction under the one retry policy: a locked database is tried again a bounded
number of times, then reported unavailable; a statement the database refuses is not retried."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot import retrying
from bot.storage import Message, MessageDirection, log_message, upgrade_database_async
from bot.storage.database import DatabaseUnavailable
from bot.storage.transaction import in_transaction


@pytest.fixture
async def database(tmp_path: Path) -> Path:
    path = tmp_path / "locked.db"
    await upgrade_database_async(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
async def impatient_engine(database: Path) -> AsyncIterator[AsyncEngine]:
    """An engine that gives up on a lock after 50 ms, so that the retries are what is tested
    (foreign keys on, as in the bot's engine)."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}", connect_args={"timeout": 0.05})

    @event.listens_for(engine.sync_engine, "connect")
    def _foreign_keys(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    yield engine
    await engine.dispose()


@pytest.fixture
def impatient_sessions(impatient_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(impatient_engine, expire_on_commit=False)


@pytest.fixture
def attempts(impatient_engine: AsyncEngine) -> list[float]:
    """When each transaction (each try) began."""
    began: list[float] = []
    event.listen(impatient_engine.sync_engine, "begin", lambda _c: began.append(time.monotonic()))
    return began


@pytest.fixture
def lock(database: Path) -> Iterator[sqlite3.Connection]:
    """Another process's exclusive transaction on the same file."""
    connection = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    connection.execute("BEGIN EXCLUSIVE")
    yield connection
    if connection.in_transaction:
        connection.rollback()
    connection.close()


async def _log(session: AsyncSession, user_id: int | None = None, text: str = "halo") -> int:
    return await log_message(
        session, chat_id=7, user_id=user_id, direction=MessageDirection.IN, text=text
    )


async def _texts(sessions: async_sessionmaker[AsyncSession]) -> list[str | None]:
    async with sessions() as session:
        return list(await session.scalars(select(Message.text).order_by(Message.id)))


async def test_a_brief_lock_is_retried_until_the_transaction_commits(
    impatient_sessions: async_sessionmaker[AsyncSession],
    attempts: list[float],
    lock: sqlite3.Connection,
) -> None:
    asyncio.get_running_loop().call_later(0.3, lock.rollback)
    await in_transaction(impatient_sessions, _log)
    assert 2 <= len(attempts) <= retrying.DATABASE_ATTEMPTS
    assert await _texts(impatient_sessions) == ["halo"]


async def test_a_lasting_lock_gives_up_after_the_policy_s_tries_with_growing_waits(
    impatient_sessions: async_sessionmaker[AsyncSession],
    attempts: list[float],
    lock: sqlite3.Connection,
) -> None:
    with pytest.raises(DatabaseUnavailable):
        await in_transaction(impatient_sessions, _log)
    assert len(attempts) == retrying.DATABASE_ATTEMPTS
    first_wait, second_wait = attempts[1] - attempts[0], attempts[2] - attempts[1]
    assert first_wait >= retrying.DATABASE_FIRST_WAIT_SECONDS
    assert second_wait >= 2 * retrying.DATABASE_FIRST_WAIT_SECONDS
    lock.rollback()  # the next transaction goes through once the database is back
    await in_transaction(impatient_sessions, lambda session: _log(session, text="lagi"))
    assert await _texts(impatient_sessions) == ["lagi"]


async def test_a_refused_statement_is_not_retried(
    impatient_sessions: async_sessionmaker[AsyncSession], attempts: list[float]
) -> None:
    """A message of a user who does not exist breaks a foreign key: no second try."""
    with pytest.raises(IntegrityError):
        await in_transaction(impatient_sessions, lambda session: _log(session, user_id=999_999))
    assert len(attempts) == 1
    assert await _texts(impatient_sessions) == []


async def test_an_unreachable_database_is_reported_unavailable() -> None:
    engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    try:
        with pytest.raises(DatabaseUnavailable):
            await in_transaction(async_sessionmaker(engine), _log)
    finally:
        await engine.dispose()

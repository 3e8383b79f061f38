"""A locked database is retried a bounded number of times, then reported as unavailable."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from bot.storage import ProcessedUpdate, mark_update_processed, upgrade_database_async
from handlers.updates import DatabaseUnavailable, with_db_retry


@pytest.fixture
async def database(tmp_path: Path) -> Path:
    path = tmp_path / "locked.db"
    await upgrade_database_async(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
async def impatient_sessions(database: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions that give up on a lock after 50 ms, so that the retries are what is tested."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}", connect_args={"timeout": 0.05})
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


@pytest.fixture
def lock(database: Path) -> Iterator[sqlite3.Connection]:
    """Another process's exclusive transaction on the same file."""
    connection = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    connection.execute("BEGIN EXCLUSIVE")
    yield connection
    if connection.in_transaction:
        connection.rollback()
    connection.close()


async def test_a_brief_lock_is_retried_until_the_work_is_committed(
    impatient_sessions: async_sessionmaker[AsyncSession], lock: sqlite3.Connection
) -> None:
    attempts = 0

    async def remember_update(session: AsyncSession) -> bool:
        nonlocal attempts
        attempts += 1
        return await mark_update_processed(session, update_id=42)

    asyncio.get_running_loop().call_later(0.3, lock.rollback)
    assert await with_db_retry(impatient_sessions, remember_update, backoff=0.2) is True
    assert attempts >= 2
    async with impatient_sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1


async def test_a_lasting_lock_gives_up_after_three_tries(
    impatient_sessions: async_sessionmaker[AsyncSession], lock: sqlite3.Connection
) -> None:
    attempts = 0

    async def remember_update(session: AsyncSession) -> bool:
        nonlocal attempts
        attempts += 1
        return await mark_update_processed(session, update_id=43)

    with pytest.raises(DatabaseUnavailable):
        await with_db_retry(impatient_sessions, remember_update, backoff=0.01)
    assert attempts == 3


async def test_other_database_errors_are_not_retried(
    impatient_sessions: async_sessionmaker[AsyncSession],
) -> None:
    attempts = 0

    async def break_a_constraint(session: AsyncSession) -> None:
        nonlocal attempts
        attempts += 1
        session.add(ProcessedUpdate(update_id=1))
        session.add(ProcessedUpdate(update_id=1))
        await session.flush()

    with pytest.raises(IntegrityError):
        await with_db_retry(impatient_sessions, break_a_constraint, backoff=0.01)
    assert attempts == 1

"""The arrival log retries a locked database a bounded number of times, then reports it
unavailable; a statement the database refuses is not retried."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.storage import Message, ProcessedUpdate, upgrade_database_async
from bot.storage.arrivals import Admission, Arrival, ArrivalLog, InboundMessage, Sender
from bot.storage.database import DatabaseUnavailable
from tests.storage.conftest import CountingJudge


def _question(update_id: int, user_id: int = 7, judge: CountingJudge | None = None) -> Arrival:
    return Arrival(
        update_id=update_id,
        sender=Sender(user_id=user_id, chat_id=user_id, first_name="Sari", username=None),
        message=InboundMessage(
            chat_id=user_id,
            user_id=user_id,
            text=f"pertanyaan {update_id}",
            kind="text",
            telegram_message_id=1000 + update_id,
            is_question=True,
        ),
        judge=judge,
    )


def _orphan(update_id: int) -> Arrival:
    """A refused message of a user who does not exist: its row breaks a foreign key."""
    return Arrival(
        update_id=update_id,
        message=InboundMessage(
            chat_id=999_999,
            user_id=999_999,
            text="tanpa pengguna",
            kind="text",
            telegram_message_id=1000 + update_id,
            is_question=True,
        ),
        judge=CountingJudge("rate_limited"),
    )


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
    """When each transaction (each try of a batch) began."""
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


async def _stored(sessions: async_sessionmaker[AsyncSession]) -> tuple[list[int], list[str]]:
    """The remembered update ids and the logged messages' texts."""
    async with sessions() as session:
        updates = sorted(await session.scalars(select(ProcessedUpdate.update_id)))
        texts = list(await session.scalars(select(Message.text).order_by(Message.id)))
    return updates, [text or "" for text in texts]


async def test_a_brief_lock_is_retried_until_the_arrival_is_committed(
    impatient_sessions: async_sessionmaker[AsyncSession],
    attempts: list[float],
    lock: sqlite3.Connection,
) -> None:
    judge = CountingJudge()
    asyncio.get_running_loop().call_later(0.3, lock.rollback)
    log = ArrivalLog(impatient_sessions, backoff=0.2)
    try:
        admission = await log.record(_question(42, judge=judge))
    finally:
        await log.close()
    assert admission.new and admission.question is not None
    assert 2 <= len(attempts) <= 3
    assert log.transactions == 1
    assert judge.calls == 1
    assert await _stored(impatient_sessions) == ([42], ["pertanyaan 42"])
    async with impatient_sessions() as session:
        count = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
    assert count == 1


async def test_a_lock_met_after_the_judgement_does_not_judge_again(
    impatient_engine: AsyncEngine,
    impatient_sessions: async_sessionmaker[AsyncSession],
    attempts: list[float],
) -> None:
    failures = 2

    def lock_the_message_insert(
        _conn: Any, _cursor: Any, statement: str, *_args: Any
    ) -> None:  # the batch's last statement: by then the judge has spoken
        nonlocal failures
        if statement.startswith("INSERT INTO messages") and failures:
            failures -= 1
            locked = sqlite3.OperationalError("database is locked")
            raise OperationalError(statement, None, locked)

    event.listen(impatient_engine.sync_engine, "before_cursor_execute", lock_the_message_insert)
    judges = [CountingJudge(), CountingJudge("rate_limited")]
    log = ArrivalLog(impatient_sessions, backoff=0.01)
    try:
        admitted, refused = await asyncio.gather(
            log.record(_question(1, user_id=7, judge=judges[0])),
            log.record(_question(2, user_id=8, judge=judges[1])),
        )
    finally:
        await log.close()
    assert len(attempts) == 3 and failures == 0
    assert [judge.calls for judge in judges] == [1, 1]
    assert admitted.question is not None
    assert refused == Admission(new=True, comment_requested=False)
    assert await _stored(impatient_sessions) == ([1, 2], ["pertanyaan 1", "pertanyaan 2"])


@pytest.mark.parametrize("tries", [1, 3])
async def test_a_lasting_lock_gives_up_after_the_given_tries(
    impatient_sessions: async_sessionmaker[AsyncSession],
    attempts: list[float],
    lock: sqlite3.Connection,
    tries: int,
) -> None:
    log = ArrivalLog(impatient_sessions, attempts=tries, backoff=0.1)
    try:
        results = await asyncio.gather(
            *(log.record(_question(43 + n, user_id=7 + n)) for n in range(3)),
            return_exceptions=True,
        )
        assert all(isinstance(result, DatabaseUnavailable) for result in results), results
        assert len(attempts) == tries  # the three arrivals were one batch
        gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
        assert all(gap >= 0.1 * 2**n for n, gap in enumerate(gaps)), gaps  # doubling backoff
        assert log.transactions == 0

        lock.rollback()  # the log goes on once the database is back
        admission = await log.record(_question(50))
    finally:
        await log.close()
    assert admission.new and admission.question is not None
    assert log.transactions == 1
    assert await _stored(impatient_sessions) == ([50], ["pertanyaan 50"])


async def test_stopping_while_the_database_is_locked_tells_the_waiting_arrivals(
    impatient_engine: AsyncEngine,
    impatient_sessions: async_sessionmaker[AsyncSession],
    attempts: list[float],
    lock: sqlite3.Connection,
) -> None:
    failed = asyncio.Event()
    event.listen(impatient_engine.sync_engine, "handle_error", lambda _context: failed.set())
    log = ArrivalLog(impatient_sessions, attempts=10, backoff=5)
    waiting = asyncio.create_task(log.record(_question(44)))
    await asyncio.wait_for(failed.wait(), timeout=5)
    await asyncio.sleep(0.05)  # now backing off for 5 s
    await log.close()
    with pytest.raises(DatabaseUnavailable):
        await asyncio.wait_for(waiting, timeout=5)  # told at once, not after the backoff
    assert len(attempts) == 1
    lock.rollback()
    assert await _stored(impatient_sessions) == ([], [])


async def test_a_refused_statement_is_not_retried(
    impatient_sessions: async_sessionmaker[AsyncSession], attempts: list[float]
) -> None:
    log = ArrivalLog(impatient_sessions, backoff=0.01)
    try:
        with pytest.raises(IntegrityError):
            await log.record(_orphan(1))
    finally:
        await log.close()
    assert len(attempts) == 1
    assert log.transactions == 0
    assert await _stored(impatient_sessions) == ([], [])


async def test_a_refused_statement_in_a_batch_is_tried_once_more_alone(
    impatient_sessions: async_sessionmaker[AsyncSession], attempts: list[float]
) -> None:
    log = ArrivalLog(impatient_sessions, backoff=0.01)
    try:
        results = await asyncio.gather(
            log.record(_question(1, user_id=7)),
            log.record(_orphan(2)),
            log.record(_question(3, user_id=8)),
            return_exceptions=True,
        )
    finally:
        await log.close()
    first, failed, third = results
    assert isinstance(failed, IntegrityError)
    assert isinstance(first, Admission) and first.question is not None
    assert isinstance(third, Admission) and third.question is not None
    assert len(attempts) == 4  # the batch, then each arrival alone, none again
    assert log.transactions == 2
    assert await _stored(impatient_sessions) == ([1, 3], ["pertanyaan 1", "pertanyaan 3"])

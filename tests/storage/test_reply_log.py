"""The reply log writes sent replies and readings in batches, and loses none of them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as create_plain_async_engine

from bot.storage import Message, MessageDirection, upgrade_database_async
from bot.storage.messages import Reading, log_question
from bot.storage.reply_log import ReplyLog, SentReply
from tests.storage.conftest import MakeUser


def _reply(number: int, *, user_id: int = 42, ticket_id: int | None = None) -> SentReply:
    return SentReply(
        chat_id=user_id,
        user_id=user_id,
        text=f"<b>Jawaban</b> {number}",
        telegram_message_id=1000 + number,
        intent="media_sosial",
        action="answer",
        ticket_id=ticket_id,
    )


async def _outbound(session: AsyncSession) -> list[Message]:
    rows = await session.scalars(
        select(Message).where(Message.direction == MessageDirection.OUT).order_by(Message.id)
    )
    return list(rows)


async def test_replies_and_readings_are_stored_in_order_in_few_transactions(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], make_user: MakeUser
) -> None:
    await make_user(42)
    async with session_factory() as session:
        questions = [
            await log_question(session, chat_id=42, user_id=42, text=f"pertanyaan {n}")
            for n in range(150)
        ]
        await session.commit()
    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda _connection: commits.append(1))
    log = ReplyLog(session_factory)
    for number, question in enumerate(questions):
        log.add(_reply(number), Reading(question.message_id, "media_sosial", 0.9, "answer"))
    assert log.backlog == 150
    assert await log.flush(timeout=10)
    assert log.backlog == 0
    assert len(commits) == 1  # all 150, queued before the writer ran, in one transaction
    async with session_factory() as session:
        sent = await _outbound(session)
        inbound = list(
            await session.scalars(select(Message).where(Message.direction == MessageDirection.IN))
        )
    assert [m.telegram_message_id for m in sent] == [1000 + n for n in range(150)]
    assert {(m.user_id, m.intent, m.action) for m in sent} == {(42, "media_sosial", "answer")}
    assert all(m.intent == "media_sosial" and m.confidence == 0.9 for m in inbound)
    await log.close()


async def test_an_entry_the_database_refuses_does_not_hold_back_the_others(
    session_factory: async_sessionmaker[AsyncSession],
    make_user: MakeUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await make_user(42)
    log = ReplyLog(session_factory)
    log.add(_reply(1))
    log.add(_reply(2, ticket_id=999_999))  # no such ticket: a foreign key violation
    log.add(_reply(3))
    assert await log.flush(timeout=10)
    async with session_factory() as session:
        sent = await _outbound(session)
    assert [m.telegram_message_id for m in sent] == [1001, 1003]
    assert "entry not stored" in caplog.text
    await log.close()


async def test_close_writes_what_is_queued(
    session_factory: async_sessionmaker[AsyncSession], make_user: MakeUser
) -> None:
    await make_user(42)
    log = ReplyLog(session_factory)
    for number in range(5):
        log.add(_reply(number))
    await log.close()
    async with session_factory() as session:
        assert len(await _outbound(session)) == 5


async def test_a_locked_database_delays_the_log_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    await upgrade_database_async(f"sqlite+aiosqlite:///{path}")
    engine = create_plain_async_engine(
        f"sqlite+aiosqlite:///{path}", connect_args={"timeout": 0.05}
    )
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    lock = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    lock.execute("BEGIN EXCLUSIVE")
    log = ReplyLog(sessions, retry_seconds=0.05)
    try:
        for number in range(10):
            log.add(_reply(number, user_id=7))
        assert not await log.flush(timeout=0.5)  # the writer is retrying
        log.add(_reply(10, user_id=7))
        assert log.backlog == 11
        lock.rollback()
        assert await log.flush(timeout=10)
        async with sessions() as session:
            sent = await _outbound(session)
        assert [m.telegram_message_id for m in sent] == [1000 + n for n in range(11)]
    finally:
        lock.close()
        await log.close()
        await engine.dispose()

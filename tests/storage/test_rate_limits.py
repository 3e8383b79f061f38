"""The per-user message count of the update gate, on SQLite and PostgreSQL: what two workers
count for one user adds up, minute by minute."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.rate_limits import count_user_message

MINUTE_START = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


async def _count(sessions: async_sessionmaker[AsyncSession], user_id: int, at: datetime) -> int:
    async with sessions() as session:
        sent = await count_user_message(session, user_id=user_id, now=at)
        await session.commit()
    return sent


async def test_messages_are_counted_per_user_and_minute(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    counts = [
        await _count(session_factory, 7, MINUTE_START + timedelta(seconds=s)) for s in (0, 20, 59)
    ]
    assert counts == [1, 2, 3]
    assert await _count(session_factory, 8, MINUTE_START) == 1  # another user
    assert (
        await _count(session_factory, 7, MINUTE_START + timedelta(seconds=60)) == 1
    )  # next minute


async def test_two_workers_counting_one_user_at_once_add_up(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Two engines on one database, as two workers: no count is lost, none repeated."""
    counts = await asyncio.gather(*(_count(session_factory, 9, MINUTE_START) for _ in range(20)))
    assert sorted(counts) == list(range(1, 21))

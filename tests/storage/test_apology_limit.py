"""The error handler's apology, on SQLite and PostgreSQL: a user hears of a technical problem
once in five minutes however often it strikes, also when two workers hit it at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.rate_limits import APOLOGY_WINDOW_SECONDS, apology_due

WINDOW_START = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


async def _due(sessions: async_sessionmaker[AsyncSession], user_id: int, at: datetime) -> bool:
    async with sessions() as session:
        due = await apology_due(session, user_id=user_id, now=at)
        await session.commit()
    return due


async def test_one_apology_per_user_and_window(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    times = [WINDOW_START + timedelta(seconds=s) for s in (0, 1, 120, APOLOGY_WINDOW_SECONDS - 1)]
    assert [await _due(session_factory, 5, at) for at in times] == [True, False, False, False]
    assert await _due(session_factory, 6, WINDOW_START)  # another user
    assert await _due(session_factory, 5, WINDOW_START + timedelta(seconds=APOLOGY_WINDOW_SECONDS))


async def test_errors_at_once_on_two_workers_give_one_apology(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    due = await asyncio.gather(*(_due(session_factory, 7, WINDOW_START) for _ in range(30)))
    assert due.count(True) == 1

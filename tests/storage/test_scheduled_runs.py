"""A scheduled run is claimed once, however many workers try at once."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.scheduled_runs import claim_run


async def test_of_workers_claiming_one_run_at_once_exactly_one_wins(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async def claim(name: str) -> bool:
        async with session_factory() as session:
            won = await claim_run(session, name)
            await session.commit()
            return won

    week = "ringkasan_mingguan:2026-12-07"
    assert sorted(await asyncio.gather(*(claim(week) for _ in range(4)))) == [False] * 3 + [True]
    assert not await claim(week)
    assert await claim("ringkasan_mingguan:2026-12-14")

"""What a delivery of an update is: new, handled before, in hand, or interrupted and resumed.

On SQLite and PostgreSQL: ``begin_update`` claims a delivery, ``finish_update`` marks it
handled; a redelivery is told apart by those two facts and by the claim's age.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import (
    ProcessedUpdate,
    create_engine,
    create_session_factory,
    upgrade_database_async,
)
from bot.storage.base import utcnow
from bot.storage.update_claims import (
    UpdateState,
    begin_update,
    finish_update,
    polled_unfinished,
    release_update,
    store_polled_updates,
)
from tests.storage.conftest import database_at_revision
from tests.storage.test_migrations import HEAD_REVISION

LEASE = timedelta(seconds=120)


async def _begin(
    sessions: async_sessionmaker[AsyncSession], update_id: int, *, one_poller: bool = False
) -> UpdateState:
    async with sessions() as session:
        state = await begin_update(
            session, update_id=update_id, stale_before=None if one_poller else utcnow() - LEASE
        )
        await session.commit()
    return state


async def _finish(sessions: async_sessionmaker[AsyncSession], update_id: int) -> None:
    async with sessions() as session:
        await finish_update(session, update_id=update_id)
        await session.commit()


async def _age(sessions: async_sessionmaker[AsyncSession], update_id: int, by: timedelta) -> None:
    async with sessions() as session:
        await session.execute(
            update(ProcessedUpdate)
            .where(ProcessedUpdate.update_id == update_id)
            .values(created_at=utcnow() - by)
        )
        await session.commit()


async def test_a_new_update_is_claimed_then_acknowledged_again_once_handled(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    assert await _begin(session_factory, 1) is UpdateState.NEW
    await _finish(session_factory, 1)
    assert await _begin(session_factory, 1) is UpdateState.HANDLED
    assert await _begin(session_factory, 1, one_poller=True) is UpdateState.HANDLED


async def test_an_unfinished_update_is_in_hand_until_its_lease_runs_out_then_resumed(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    assert await _begin(session_factory, 2) is UpdateState.NEW
    # Telegram sent it again while a worker is still at it: not handled twice.
    assert await _begin(session_factory, 2) is UpdateState.IN_HAND
    # The worker died long enough ago: handled again, under a new claim...
    await _age(session_factory, 2, LEASE + timedelta(seconds=1))
    assert await _begin(session_factory, 2) is UpdateState.RESUMED
    # ...which is in hand in its turn.
    assert await _begin(session_factory, 2) is UpdateState.IN_HAND
    await _finish(session_factory, 2)
    assert await _begin(session_factory, 2) is UpdateState.HANDLED


async def test_the_one_poller_resumes_an_unfinished_update_at_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    assert await _begin(session_factory, 3, one_poller=True) is UpdateState.NEW
    assert await _begin(session_factory, 3, one_poller=True) is UpdateState.RESUMED
    async with session_factory() as session:
        claim = await session.get(ProcessedUpdate, 3)
    assert claim is not None and claim.completed_at is None


async def test_two_workers_given_a_new_update_at_once_only_one_takes_it(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    states = await asyncio.gather(_begin(session_factory, 4), _begin(session_factory, 4))
    assert sorted(state.value for state in states) == ["in_hand", "new"]


async def test_two_workers_resuming_the_same_update_only_one_takes_it(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    assert await _begin(session_factory, 5) is UpdateState.NEW
    await _age(session_factory, 5, LEASE * 2)
    states = await asyncio.gather(_begin(session_factory, 5), _begin(session_factory, 5))
    assert sorted(state.value for state in states) == ["in_hand", "resumed"]


async def test_finishing_an_update_never_stored_changes_nothing(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await _finish(session_factory, 6)
    async with session_factory() as session:
        assert list(await session.scalars(select(ProcessedUpdate))) == []
    assert await _begin(session_factory, 6) is UpdateState.NEW


async def test_polled_updates_stay_in_the_inbox_until_handled(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        assert await store_polled_updates(session, {7: '{"update_id": 7}', 6: "{}"}) == {6, 7}
        await session.commit()
    async with session_factory() as session:  # Telegram sent 7 again, and 8 is new
        assert await store_polled_updates(session, {7: '{"update_id": 7}', 8: "{}"}) == {8}
        await session.commit()
    await _finish(session_factory, 6)
    async with session_factory() as session:
        assert await polled_unfinished(session) == ['{"update_id": 7}', "{}"]  # 7, then 8


async def test_migration_0003_counts_updates_stored_before_it_as_handled(database_url: str) -> None:
    """A 0002 database: its stored updates were handled by the code of their time."""

    await database_at_revision(
        database_url,
        "0002",
        "INSERT INTO processed_updates (update_id, created_at) VALUES (9, CURRENT_TIMESTAMP)",
    )
    assert await upgrade_database_async(database_url) == HEAD_REVISION
    engine = create_engine(database_url)
    try:
        sessions = create_session_factory(engine)
        assert await _begin(sessions, 9, one_poller=True) is UpdateState.HANDLED
    finally:
        await engine.dispose()


async def test_a_released_claim_is_new_at_once_and_a_handled_update_stays_handled(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    sessions = session_factory
    """Left unhandled (the database was unavailable), an update is claimed again by its next
    delivery without waiting out the lease; releasing a handled update changes nothing."""
    assert await _begin(sessions, 41) is UpdateState.NEW
    assert await _begin(sessions, 41) is UpdateState.IN_HAND
    async with sessions() as session:
        await release_update(session, update_id=41)
        await session.commit()
    assert await _begin(sessions, 41) is UpdateState.NEW
    await _finish(sessions, 41)
    async with sessions() as session:
        await release_update(session, update_id=41)
        await session.commit()
    assert await _begin(sessions, 41) is UpdateState.HANDLED

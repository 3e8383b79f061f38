"""Error notes for the staff chat, on SQLite and PostgreSQL: one note per kind of error every
few minutes, with a count that loses nothing, also when two workers count at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.error_notes import NOTE_WINDOW, count_error
from bot.storage.models import StaffNotice
from bot.storage.outbox import NoticeKind, claim_notices, enqueue_notice, mark_notices_sent

KEY = "galat:OverflowError"


def render(occurrences: int) -> str:
    return f"galat ({occurrences}x)"


async def occur(
    sessions: async_sessionmaker[AsyncSession], at: datetime | None = None, key: str = KEY
) -> dict[str, Any] | None:
    """One occurrence, as the error handler counts it: a new note queued when one is due.
    Notes are stamped with the real clock, so ``at`` defaults to it."""
    async with sessions() as session:
        now = at or datetime.now(UTC)
        payload = await count_error(session, key=key, render=render, now=now)
        if payload is not None:
            await enqueue_notice(session, NoticeKind.ERROR_NOTE, payload, coalesce_key=key)
        await session.commit()
    return payload


async def notes(sessions: async_sessionmaker[AsyncSession]) -> list[StaffNotice]:
    async with sessions() as session:
        return list(await session.scalars(select(StaffNotice).order_by(StaffNotice.id)))


async def settle_all(sessions: async_sessionmaker[AsyncSession], at: datetime) -> None:
    """The drainer took every due note and sent it at ``at``."""
    async with sessions() as session:
        claimed = await claim_notices(session, now=at, lease_until=at, limit=100)
        await mark_notices_sent(session, [n.id for n in claimed], at=at)
        await session.commit()


async def test_a_waiting_note_counts_repeats_and_the_next_comes_after_the_window(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    assert await occur(session_factory) == {"html": render(1), "occurrences": 1, "held": 0}
    for _ in range(4):
        assert await occur(session_factory) is None
    [note] = await notes(session_factory)
    assert note.content == {"html": render(5), "occurrences": 5, "held": 0}
    assert note.coalesce_key == KEY and note.kind == NoticeKind.ERROR_NOTE

    # Sent: repeats within the window are held, none makes a note.
    now = datetime.now(UTC)
    await settle_all(session_factory, now)
    for seconds in (1, 60, 299):
        assert await occur(session_factory, now + timedelta(seconds=seconds)) is None
    [note] = await notes(session_factory)
    assert note.content["held"] == 3 and note.content["html"] == render(5)

    # After the window, the next note reports the held ones and this one.
    later = now + NOTE_WINDOW + timedelta(seconds=1)
    assert await occur(session_factory, later) == {"html": render(4), "occurrences": 4, "held": 0}
    old, new = await notes(session_factory)
    assert old.content["held"] == 0  # reported: not counted again by a later note
    assert new.content["occurrences"] == 4 and new.sent_at is None


async def test_a_note_in_a_workers_hands_holds_repeats_and_a_due_one_takes_them_back(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await occur(session_factory)
    now = datetime.now(UTC)
    async with session_factory() as session:  # a worker leases it to send it
        [leased] = await claim_notices(
            session, now=now, lease_until=now + timedelta(seconds=60), limit=10
        )
        await session.commit()
    # While leased (or waiting out a failure) its text is not touched: the worker has read it.
    assert await occur(session_factory, now + timedelta(seconds=1)) is None
    assert await occur(session_factory, now + timedelta(seconds=2)) is None
    [note] = await notes(session_factory)
    assert note.content == {"html": render(1), "occurrences": 1, "held": 2}
    # The send failed and the lease ran out: the note is due again and counts all of them.
    assert await occur(session_factory, now + timedelta(seconds=61)) is None
    [note] = await notes(session_factory)
    assert note.content == {"html": render(4), "occurrences": 4, "held": 0}
    assert note.id == leased.id


async def test_each_kind_of_error_has_its_own_note(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await occur(session_factory, key="galat:DataError")
    await occur(session_factory, key="galat:BadRequest")
    await occur(session_factory, key="galat:BadRequest")
    first, second = await notes(session_factory)
    assert (first.coalesce_key, first.content["occurrences"]) == ("galat:DataError", 1)
    assert (second.coalesce_key, second.content["occurrences"]) == ("galat:BadRequest", 2)


async def test_two_workers_counting_at_once_lose_no_occurrence(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await occur(session_factory)
    made = await asyncio.gather(*(occur(session_factory) for _ in range(20)))
    assert made == [None] * 20
    [note] = await notes(session_factory)
    assert note.content["occurrences"] == 21

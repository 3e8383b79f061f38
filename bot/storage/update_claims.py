"""Which updates were handled to the end: what lets an update be acknowledged to Telegram.

The arrival log stores each update it sees (``processed_updates``); ``finish_update`` marks it
handled once every handler has run. A delivery of an update that is stored but not finished
comes from a crash (or, on the webhook, from a worker still at it): ``begin_update`` tells the
two apart by how long ago its handling began, and forgets an interrupted one so that it is
handled again from the start. Polling keeps what it took in ``inbox_updates`` until then.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import InsertIgnoringConflicts, execute_counting
from bot.storage.base import utcnow
from bot.storage.models import InboxUpdate, ProcessedUpdate

_STORE = InsertIgnoringConflicts(cast(Table, InboxUpdate.__table__)).returning(
    InboxUpdate.update_id
)


class UpdateState(Enum):
    """What a delivery of an update is, seen from the database."""

    NEW = "new"
    """Never stored: handle it."""
    HANDLED = "handled"
    """Handled to the end before: acknowledge it again, do nothing."""
    IN_HAND = "in_hand"
    """Its handling began a moment ago and has not finished: ask for it again later."""
    RESUMED = "resumed"
    """Its handling began and never finished (the worker died): handle it again."""


async def begin_update(
    session: AsyncSession, *, update_id: int, stale_before: datetime | None
) -> UpdateState:
    """Tell what a delivery of ``update_id`` is; the caller commits.

    Handling that began before ``stale_before`` was interrupted; with None, any unfinished
    handling was (one poller: nothing else can be handling it). A RESUMED update is forgotten
    here, so that the arrival log stores it as new.
    """
    row = (
        await session.execute(
            select(ProcessedUpdate.created_at, ProcessedUpdate.completed_at).where(
                ProcessedUpdate.update_id == update_id
            )
        )
    ).first()
    if row is None:
        return UpdateState.NEW
    began, completed = row
    if completed is not None:
        return UpdateState.HANDLED
    if stale_before is not None and began >= stale_before:
        return UpdateState.IN_HAND
    forgotten = await execute_counting(
        session,
        delete(ProcessedUpdate).where(
            ProcessedUpdate.update_id == update_id,
            ProcessedUpdate.completed_at.is_(None),
            ProcessedUpdate.created_at == began,
        ),
    )
    return UpdateState.RESUMED if forgotten else UpdateState.IN_HAND  # another worker won


async def finish_update(session: AsyncSession, *, update_id: int) -> None:
    """Mark ``update_id`` handled to the end and drop it from the inbox; the caller commits."""
    await execute_counting(
        session,
        update(ProcessedUpdate)
        .where(ProcessedUpdate.update_id == update_id, ProcessedUpdate.completed_at.is_(None))
        .values(completed_at=utcnow()),
    )
    await execute_counting(session, delete(InboxUpdate).where(InboxUpdate.update_id == update_id))


async def store_polled_updates(session: AsyncSession, updates: dict[int, str]) -> set[int]:
    """Keep polled updates (id → JSON) until handled; return the ids not stored before."""
    if not updates:
        return set()
    rows = [
        {"update_id": update_id, "payload": payload, "received_at": utcnow()}
        for update_id, payload in updates.items()
    ]
    return set((await session.execute(_STORE, rows)).scalars())


async def polled_unfinished(session: AsyncSession) -> list[str]:
    """The stored updates not yet handled to the end, oldest first (JSON)."""
    return list(await session.scalars(select(InboxUpdate.payload).order_by(InboxUpdate.update_id)))

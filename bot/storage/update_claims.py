"""Which updates were claimed and which handled to the end: what lets an update be acknowledged.

``begin_update`` claims a delivered update (a row in ``processed_updates``) before any handler
runs; ``finish_update`` marks it handled once every handler has. A delivery of an update that
is claimed but not finished comes from a crash (or, on the webhook, from a worker still at it):
``begin_update`` tells the two apart by how long ago the claim was taken, and takes over an
interrupted one so that it is handled again from the start. Polling keeps what it took in
``inbox_updates`` until then.
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

_CLAIM = InsertIgnoringConflicts(cast(Table, ProcessedUpdate.__table__)).returning(
    ProcessedUpdate.update_id
)
_STORE = InsertIgnoringConflicts(cast(Table, InboxUpdate.__table__)).returning(
    InboxUpdate.update_id
)


class UpdateState(Enum):
    """What a delivery of an update is, seen from the database."""

    NEW = "new"
    """Never seen: claimed now, handle it."""
    HANDLED = "handled"
    """Handled to the end before: acknowledge it again, do nothing."""
    IN_HAND = "in_hand"
    """Its handling began a moment ago and has not finished: ask for it again later."""
    RESUMED = "resumed"
    """Its handling began and never finished (the worker died): claimed now, handle it again."""


async def begin_update(
    session: AsyncSession, *, update_id: int, stale_before: datetime | None
) -> UpdateState:
    """Claim a delivery of ``update_id`` and tell what it is; the caller commits.

    A claim taken before ``stale_before`` was interrupted; with None, any unfinished claim was
    (one poller: nothing else can be handling it). A NEW or RESUMED update is claimed by this
    call: of two workers given the same update at once, only one gets it.
    """
    now = utcnow()
    if (await session.execute(_CLAIM, {"update_id": update_id, "created_at": now})).first():
        return UpdateState.NEW
    row = (
        await session.execute(
            select(ProcessedUpdate.created_at, ProcessedUpdate.completed_at).where(
                ProcessedUpdate.update_id == update_id
            )
        )
    ).first()
    if row is None:  # forgotten by the retention job in between: a new claim next time
        return UpdateState.IN_HAND
    began, completed = row
    if completed is not None:
        return UpdateState.HANDLED
    if stale_before is not None and began >= stale_before:
        return UpdateState.IN_HAND
    taken_over = await execute_counting(
        session,
        update(ProcessedUpdate)
        .where(
            ProcessedUpdate.update_id == update_id,
            ProcessedUpdate.completed_at.is_(None),
            ProcessedUpdate.created_at == began,
        )
        .values(created_at=now),
    )
    return UpdateState.RESUMED if taken_over else UpdateState.IN_HAND  # another worker won


async def finish_update(session: AsyncSession, *, update_id: int, polled: bool = True) -> None:
    """Mark ``update_id`` handled to the end and drop it from the polling inbox (``polled``;
    a webhook's update is never there); the caller commits."""
    await execute_counting(
        session,
        update(ProcessedUpdate)
        .where(ProcessedUpdate.update_id == update_id, ProcessedUpdate.completed_at.is_(None))
        .values(completed_at=utcnow()),
    )
    if polled:
        await execute_counting(
            session, delete(InboxUpdate).where(InboxUpdate.update_id == update_id)
        )


async def release_update(session: AsyncSession, *, update_id: int) -> None:
    """Give up the claim on ``update_id`` unless it was handled: it is left to be handled
    again, and its next delivery must not wait out the claim's lease; the caller commits."""
    await execute_counting(
        session,
        delete(ProcessedUpdate).where(
            ProcessedUpdate.update_id == update_id, ProcessedUpdate.completed_at.is_(None)
        ),
    )


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

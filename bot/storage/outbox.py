"""The staff outbox in the database: notices for the staff chat, claimed in order, settled once.

Data functions flush; the caller commits. A notice is pending until it is sent or given up.

Claiming takes the oldest pending notices in order, as long as they are due, and leases them
(``due_at`` moves forward) so that no other worker takes them meanwhile. The first pending
notice that is not due — waiting out a failed send, or leased by another worker — ends the
claim: the staff chat gets its notices in the order they were made (a ticket's card before the
messages relayed under it), whichever worker sends them, and a failed send holds back the rest.
The rows are locked while claiming (``FOR UPDATE``, waited for, not skipped: skipping the head a
worker is claiming would let a second worker start on the notices after it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from itertools import takewhile
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import execute_counting
from bot.storage.audit import record_audit_event
from bot.storage.models import StaffNotice, Ticket

NOTICE_ADDED = "staff_notice_added"
"""Set in a connection's ``info`` by ``enqueue_notice``: its commit wakes the drainer."""
GIVEN_UP_ACTION = "pesan_staf_gagal"
"""The audit action of a notice given up."""

_PENDING = (StaffNotice.sent_at.is_(None), StaffNotice.given_up_at.is_(None))


class NoticeKind(StrEnum):
    """What a notice asks the drainer to do in the staff chat."""

    NEW_TICKET = "card"
    """Post a new ticket's card (in its own topic in a forum); many at once become a digest."""
    CARD_UPDATE = "card_update"
    """Show the card as the ticket stands now: edit it, or post it if the ticket has none."""
    RELAY = "relay"
    """Copy the ASN's message (``chat_id``, ``message_id``) under the ticket's card."""
    NOTE = "note"
    """Post ``html``, under the ticket's card when there is one; merged: the newest only."""
    PRIVATE_REMINDER = "private_reminder"
    """Send ``html``, a reminder of a ticket, to its consultant's private chat (``chat_id``);
    refused there (they blocked the bot), post ``fallback_html`` as a note; merged: the newest."""
    ERROR_NOTE = "error_note"
    """Post ``html`` about an error; merged: once, with a count."""
    WEEKLY_DIGEST = "weekly_digest"
    """Send the coordinators, privately, the report of the week ``first_day`` – ``last_day``
    (``handlers.coordinator_reports``); needs no staff chat."""
    ERASE = "erase"
    """Remove what the staff chat holds about the ``tickets`` of an ASN who deleted their data
    (each ``{"id", "messages"}``: the staff-chat ids of its logged messages), ``closed`` the one
    this closed; ids only (``handlers.staff_erasure``)."""


async def enqueue_notice(
    session: AsyncSession,
    kind: NoticeKind,
    payload: dict[str, Any] | None = None,
    *,
    ticket_id: int | None = None,
    coalesce_key: str | None = None,
) -> StaffNotice:
    """Add a notice for the staff chat in the caller's transaction; due at once."""
    notice = StaffNotice(
        kind=kind.value,
        payload=json.dumps(payload or {}),
        ticket_id=ticket_id,
        coalesce_key=coalesce_key,
    )
    session.add(notice)
    await session.flush()
    (await session.connection()).info[NOTICE_ADDED] = True
    return notice


async def claim_notices(
    session: AsyncSession, *, now: datetime, lease_until: datetime, limit: int
) -> list[StaffNotice]:
    """Lease the oldest pending notices that are due, in order, up to the first one that is not;
    they stay pending, hidden from other workers until ``lease_until``."""
    oldest = (
        select(StaffNotice)
        .where(*_PENDING)
        .order_by(StaffNotice.id)
        .limit(limit)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    due = list(takewhile(lambda notice: notice.due_at <= now, await session.scalars(oldest)))
    for notice in due:
        notice.due_at = lease_until
    await session.flush()
    return due


async def postpone_notices(session: AsyncSession, ids: Sequence[int], *, until: datetime) -> None:
    """Move the pending notices among ``ids`` to ``until``: a lease renewed, or released."""
    await execute_counting(
        session,
        update(StaffNotice).where(StaffNotice.id.in_(ids), *_PENDING).values(due_at=until),
    )


async def mark_notices_sent(session: AsyncSession, ids: Sequence[int], *, at: datetime) -> None:
    """Settle the notices: sent (merged ones included, or no longer needed)."""
    await execute_counting(
        session, update(StaffNotice).where(StaffNotice.id.in_(ids), *_PENDING).values(sent_at=at)
    )


async def retry_notice_later(
    session: AsyncSession, notice_id: int, *, error: str, due_at: datetime
) -> None:
    """Count a failed send of the notice; it is tried again at ``due_at``."""
    await execute_counting(
        session,
        update(StaffNotice)
        .where(StaffNotice.id == notice_id)
        .values(attempts=StaffNotice.attempts + 1, last_error=error, due_at=due_at),
    )


async def give_up_notices(
    session: AsyncSession, notices: Sequence[StaffNotice], *, error: str, at: datetime
) -> None:
    """Stop trying the notices, with an audit event each: what was never delivered, and why."""
    await execute_counting(
        session,
        update(StaffNotice)
        .where(StaffNotice.id.in_([notice.id for notice in notices]), *_PENDING)
        .values(attempts=StaffNotice.attempts + 1, last_error=error, given_up_at=at),
    )
    for notice in notices:
        await record_audit_event(
            session,
            actor_id=None,
            action=GIVEN_UP_ACTION,
            ticket_id=await _existing_ticket(session, notice.ticket_id),
            detail=f"{notice.kind} #{notice.id}: {error}"[:500],
        )


async def _existing_ticket(session: AsyncSession, ticket_id: int | None) -> int | None:
    if ticket_id is None:
        return None
    return await session.scalar(select(Ticket.id).where(Ticket.id == ticket_id))


async def forget_settled_notices(session: AsyncSession, *, before: datetime) -> int:
    """Delete notices sent or given up before ``before``; return how many."""
    return await execute_counting(
        session,
        delete(StaffNotice).where(
            or_(StaffNotice.sent_at < before, StaffNotice.given_up_at < before)
        ),
    )


async def record_notice_message(
    session: AsyncSession, ids: Sequence[int], *, staff_message_id: int
) -> None:
    """Remember the staff-chat message the notices became (a note about a ticket)."""
    await execute_counting(
        session,
        update(StaffNotice)
        .where(StaffNotice.id.in_(ids))
        .values(staff_message_id=staff_message_id),
    )


async def ticket_note_messages(session: AsyncSession, *, ticket_id: int) -> list[int]:
    """The staff-chat messages the notes about the ticket became, oldest first (those settled
    within ``bot.staff_outbox.KEEP_SETTLED``: older rows are forgotten)."""
    statement = (
        select(StaffNotice.staff_message_id)
        .where(StaffNotice.ticket_id == ticket_id, StaffNotice.staff_message_id.is_not(None))
        .order_by(StaffNotice.id)
    )
    return [message_id for message_id in await session.scalars(statement) if message_id]


async def blank_ticket_notices(session: AsyncSession, ticket_ids: Sequence[int]) -> int:
    """Empty the payload of every notice about these tickets, pending or settled, when their
    ASN deletes their data: a note may quote the ASN (a correction), a relay names their
    message. A blank pending note is not posted, and a relay of an ASN who deleted their data
    is dropped (``handlers.staff_card``). Return how many were blanked."""
    return await execute_counting(
        session,
        update(StaffNotice)
        .where(StaffNotice.ticket_id.in_(ticket_ids), StaffNotice.payload != "{}")
        .values(payload="{}"),
    )


async def remember_ticket_topic(session: AsyncSession, *, ticket_id: int, thread_id: int) -> None:
    """Keep the forum topic opened for a ticket's card before the card is posted: a card
    whose send fails is posted into the same topic on the next try, not into a second one."""
    await execute_counting(
        session, update(Ticket).where(Ticket.id == ticket_id).values(staff_thread_id=thread_id)
    )

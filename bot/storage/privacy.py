"""Deleting a user's data on request, and keeping only anonymous counts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import execute_counting
from bot.storage.audit import record_audit_event
from bot.storage.base import utcnow
from bot.storage.enums import AuditAction, ClosedBy
from bot.storage.models import Feedback, Message, Ticket, User
from bot.storage.outbox import blank_ticket_notices
from bot.storage.ticket_notes import delete_notes_of_tickets
from bot.storage.ticket_queries import get_open_ticket
from bot.storage.tickets import close_ticket


@dataclass(frozen=True, slots=True)
class StaffTrace:
    """One of the user's tickets and the staff-chat ids of the messages logged under it (the
    ASN's relayed copies, the consultants' replies), read before those rows are deleted. Its
    card and forum topic stay on the ticket row."""

    ticket_id: int
    staff_message_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DeletionSummary:
    user_found: bool
    messages_deleted: int
    feedback_anonymised: int
    tickets_anonymised: int
    # The ticket that was open and is now closed: tell its consultant.
    closed_ticket: Ticket | None
    # Every ticket of the user, for erasing what the staff chat holds about it.
    staff_traces: tuple[StaffTrace, ...] = ()


async def delete_user_data(session: AsyncSession, *, user_id: int) -> DeletionSummary:
    """Delete what the user wrote and said about themselves, keeping anonymous counts.

    Closes an open ticket (closed by ``pengguna``), deletes every message of the user's private
    chat, of the user and of their tickets (consultants' replies too), detaches their answer
    feedback, removes ticket questions and rating comments (status, topic, times and rating
    stay for statistics) and the consultants' internal notes on their tickets, empties the
    staff outbox's notices about their tickets, clears the name fields and records a
    ``hapus_data`` audit event. Returns with it what the staff chat holds about each ticket
    (``staff_traces``), for the caller to queue its erasure in this transaction. The pseudonym
    and Telegram id stay so that the bot can still talk to the user.
    """
    user = await session.get(User, user_id)
    if user is None:
        return DeletionSummary(False, 0, 0, 0, None)

    closed_ticket = None
    open_ticket = await get_open_ticket(session, user_id=user_id)
    if open_ticket is not None:
        closed_ticket = await close_ticket(
            session, ticket_id=open_ticket.id, closed_by=ClosedBy.PENGGUNA, actor_id=user_id
        )

    ticket_ids = list(
        await session.scalars(
            select(Ticket.id).where(Ticket.user_id == user_id).order_by(Ticket.id)
        )
    )
    theirs = or_(
        Message.user_id == user_id,
        # A private chat's id is the user's id.
        Message.chat_id == user_id,
        Message.ticket_id.in_(ticket_ids),
    )
    staff_traces = await _staff_traces(session, ticket_ids, theirs)
    messages_deleted = await execute_counting(session, delete(Message).where(theirs))
    await delete_notes_of_tickets(session, ticket_ids)  # notes are about the person too
    feedback_anonymised = await execute_counting(
        session,
        update(Feedback)
        .where(Feedback.user_id == user_id)
        .values(user_id=None, answer_message_id=None),
    )
    tickets_anonymised = await execute_counting(
        session,
        update(Ticket)
        .where(Ticket.user_id == user_id)
        .values(question=None, rating_comment=None, comment_requested_at=None, agency=None),
    )
    await blank_ticket_notices(session, ticket_ids)
    # Refresh tickets already loaded in this session, the closed one included.
    await session.scalars(
        select(Ticket).where(Ticket.user_id == user_id).execution_options(populate_existing=True)
    )

    user.first_name = None
    user.username = None
    user.share_name = False
    user.data_deleted_at = utcnow()
    await record_audit_event(
        session,
        actor_id=user_id,
        action=AuditAction.HAPUS_DATA,
        detail=(
            f"messages={messages_deleted} feedback={feedback_anonymised} "
            f"tickets={tickets_anonymised}"
        ),
    )
    return DeletionSummary(
        user_found=True,
        messages_deleted=messages_deleted,
        feedback_anonymised=feedback_anonymised,
        tickets_anonymised=tickets_anonymised,
        closed_ticket=closed_ticket,
        staff_traces=staff_traces,
    )


async def _staff_traces(
    session: AsyncSession, ticket_ids: list[int], theirs: ColumnElement[bool]
) -> tuple[StaffTrace, ...]:
    """Each ticket with the staff-chat ids of the user's logged messages filed under it."""
    copies: defaultdict[int, list[int]] = defaultdict(list)
    rows = await session.execute(
        select(Message.ticket_id, Message.staff_message_id)
        .where(theirs, Message.ticket_id.is_not(None), Message.staff_message_id.is_not(None))
        .order_by(Message.id)
    )
    for ticket_id, staff_message_id in rows:
        copies[ticket_id].append(staff_message_id)
    return tuple(StaffTrace(ticket_id, tuple(copies[ticket_id])) for ticket_id in ticket_ids)

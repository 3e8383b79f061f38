"""Deleting a user's data on request, and keeping only anonymous counts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import execute_counting
from bot.storage.audit import record_audit_event
from bot.storage.base import utcnow
from bot.storage.enums import AuditAction, ClosedBy
from bot.storage.models import Feedback, Message, Ticket, User
from bot.storage.ticket_queries import get_open_ticket
from bot.storage.tickets import close_ticket


@dataclass(frozen=True, slots=True)
class DeletionSummary:
    user_found: bool
    messages_deleted: int
    feedback_anonymised: int
    tickets_anonymised: int
    # The ticket that was open and is now closed: tell its consultant.
    closed_ticket: Ticket | None


async def delete_user_data(session: AsyncSession, *, user_id: int) -> DeletionSummary:
    """Delete what the user wrote and said about themselves, keeping anonymous counts.

    Closes an open ticket (closed by ``pengguna``), deletes every message of the user's private
    chat, of the user and of their tickets (consultants' replies too), detaches their answer
    feedback, removes ticket questions and rating comments (status, topic, times and rating
    stay for statistics), clears the name fields and records a ``hapus_data`` audit event.
    The pseudonym and Telegram id stay so that the bot can still talk to the user.
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

    their_tickets = select(Ticket.id).where(Ticket.user_id == user_id).scalar_subquery()
    messages_deleted = await execute_counting(
        session,
        delete(Message).where(
            or_(
                Message.user_id == user_id,
                # A private chat's id is the user's id.
                Message.chat_id == user_id,
                Message.ticket_id.in_(their_tickets),
            )
        ),
    )
    feedback_anonymised = await execute_counting(
        session,
        update(Feedback)
        .where(Feedback.user_id == user_id)
        .values(user_id=None, answer_message_id=None),
    )
    tickets_anonymised = await execute_counting(
        session,
        update(Ticket).where(Ticket.user_id == user_id).values(question=None, rating_comment=None),
    )
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
    )

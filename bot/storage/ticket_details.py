"""Ticket details recorded along the way: first reply, rating, activity, card, reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import execute_counting
from bot.storage.base import utcnow
from bot.storage.enums import TicketStatus
from bot.storage.models import Ticket
from bot.storage.ticket_queries import get_ticket


async def record_first_reply(
    session: AsyncSession, *, ticket_id: int, at: datetime | None = None
) -> bool:
    """Set the time of the consultant's first reply; False if it was already set."""
    recorded = await execute_counting(
        session,
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.first_reply_at.is_(None))
        .values(first_reply_at=at or utcnow()),
    )
    await get_ticket(session, ticket_id=ticket_id)
    return recorded == 1


async def rate_ticket(
    session: AsyncSession,
    *,
    ticket_id: int,
    user_id: int,
    rating: int,
    comment: str | None = None,
) -> bool:
    """Store the user's 1–5 rating (and comment, if given) of their closed ticket.

    Returns False when the ticket is unknown, not closed, or not this user's.
    """
    if isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ValueError(f"rating must be 1 to 5, not {rating!r}")
    values: dict[str, object] = {"rating": rating}
    if comment is not None:
        values["rating_comment"] = comment
    rated = await execute_counting(
        session,
        update(Ticket)
        .where(
            Ticket.id == ticket_id,
            Ticket.user_id == user_id,
            Ticket.status == TicketStatus.SELESAI,
        )
        .values(**values),
    )
    await get_ticket(session, ticket_id=ticket_id)
    return rated == 1


async def touch_ticket_user_activity(
    session: AsyncSession, *, ticket_id: int, at: datetime | None = None
) -> None:
    """Record that the user just wrote in the ticket's conversation."""
    ticket = await session.get(Ticket, ticket_id)
    if ticket is not None:
        ticket.last_user_message_at = at or utcnow()
        await session.flush()


async def set_ticket_staff_message(
    session: AsyncSession,
    *,
    ticket_id: int,
    staff_message_id: int,
    staff_thread_id: int | None = None,
) -> None:
    """Remember the ticket's card in the staff chat (and its forum topic, if any)."""
    ticket = await session.get(Ticket, ticket_id)
    if ticket is not None:
        ticket.staff_message_id = staff_message_id
        ticket.staff_thread_id = staff_thread_id
        await session.flush()


async def mark_ticket_reminded(
    session: AsyncSession, *, ticket_id: int, at: datetime, remind_every: timedelta
) -> bool:
    """Record a reminder of the ticket at ``at`` unless one was recorded within
    ``remind_every``; True if this call recorded it (the caller then posts it, once across
    workers: a concurrent second call finds the first one's time and records nothing).
    The caller has judged the period in office time; by the wall clock it is never shorter."""
    recorded = await execute_counting(
        session,
        update(Ticket)
        .where(
            Ticket.id == ticket_id,
            or_(Ticket.last_reminder_at.is_(None), Ticket.last_reminder_at <= at - remind_every),
        )
        .values(last_reminder_at=at),
    )
    return recorded == 1

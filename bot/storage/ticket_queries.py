"""Read-only ticket queries: lookups, the open queue, reminders and idle tickets."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.enums import TicketStatus
from bot.storage.models import Message, Ticket


async def get_ticket(session: AsyncSession, *, ticket_id: int) -> Ticket | None:
    """Return the ticket as stored now, or None."""
    return await session.get(Ticket, ticket_id, populate_existing=True)


async def get_open_ticket(session: AsyncSession, *, user_id: int) -> Ticket | None:
    """Return the user's open ticket (``baru`` or ``diambil``), or None."""
    statement = (
        select(Ticket)
        .where(Ticket.user_id == user_id, Ticket.status != TicketStatus.SELESAI)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(statement)).first()


async def ticket_messages(session: AsyncSession, *, ticket_id: int) -> list[Message]:
    """Return the messages logged with the ticket, in order."""
    statement = (
        select(Message)
        .where(Message.ticket_id == ticket_id)
        .order_by(Message.created_at, Message.id)
    )
    return list(await session.scalars(statement))


async def find_ticket_by_staff_message(
    session: AsyncSession, *, staff_message_id: int
) -> Ticket | None:
    """Find the ticket of a staff-chat message: its card or a relayed copy of a user message."""
    statement = select(Ticket).where(Ticket.staff_message_id == staff_message_id)
    ticket = (await session.scalars(statement)).first()
    if ticket is not None:
        return ticket
    relayed = (
        select(Ticket)
        .join(Message, Message.ticket_id == Ticket.id)
        .where(Message.staff_message_id == staff_message_id)
        .order_by(Message.id.desc())
    )
    return (await session.scalars(relayed)).first()


async def tickets_needing_reminder(
    session: AsyncSession,
    *,
    now: datetime,
    unclaimed_after: timedelta,
    unanswered_after: timedelta,
    remind_every: timedelta,
) -> list[Ticket]:
    """Return open tickets the consultants may be due a reminder of, oldest first: waiting
    by the wall clock, which is necessary for waiting as long in office time (the decision,
    in office time: ``bot.queue.reminders``).

    Unclaimed: ``baru`` since ``unclaimed_after``. Unanswered: ``diambil`` since
    ``unanswered_after`` without a first reply. Either one not reminded of within
    ``remind_every`` (see ``mark_ticket_reminded``).
    """
    unclaimed = and_(Ticket.status == TicketStatus.BARU, Ticket.created_at <= now - unclaimed_after)
    unanswered = and_(
        Ticket.status == TicketStatus.DIAMBIL,
        Ticket.first_reply_at.is_(None),
        Ticket.claimed_at <= now - unanswered_after,
    )
    due = or_(Ticket.last_reminder_at.is_(None), Ticket.last_reminder_at <= now - remind_every)
    statement = (
        select(Ticket)
        .where(or_(unclaimed, unanswered), due)
        .order_by(Ticket.created_at, Ticket.id)
        .execution_options(populate_existing=True)
    )
    return list(await session.scalars(statement))


async def tickets_idle_since(session: AsyncSession, *, before: datetime) -> list[Ticket]:
    """Return answered, claimed tickets with no activity since ``before`` (to close them).

    Activity is the claim, the first reply, the user's last message and any message logged
    with the ticket. Unclaimed or unanswered tickets are never idle: they get reminders.
    """
    recent_message = exists().where(Message.ticket_id == Ticket.id, Message.created_at >= before)
    statement = (
        select(Ticket)
        .where(
            Ticket.status == TicketStatus.DIAMBIL,
            Ticket.claimed_at < before,
            Ticket.first_reply_at < before,
            or_(Ticket.last_user_message_at.is_(None), Ticket.last_user_message_at < before),
            ~recent_message,
        )
        .order_by(Ticket.created_at, Ticket.id)
        .execution_options(populate_existing=True)
    )
    return list(await session.scalars(statement))

"""What the consultants' card and /tiket show beside a ticket's own row: the ASN, the reading
of the question that opened it, the same ASN's earlier tickets and the internal notes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.enums import MessageDirection
from bot.storage.models import Message, Ticket, TicketNote, User
from bot.storage.ticket_notes import notes_of_ticket
from bot.storage.users import get_user

EARLIER_TICKETS = 3
"""The same ASN's earlier tickets a card and /tiket name."""


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What the card and /tiket show beside the ticket's own row."""

    user: User | None
    reading: Message | None
    """The ASN's message that opened the ticket, with what the assistant read in it."""
    earlier: tuple[Ticket, ...]
    """The same ASN's earlier tickets, newest first."""
    notes: tuple[TicketNote, ...]
    """Internal notes, oldest first."""


async def ticket_facts(
    session: AsyncSession, *, ticket: Ticket, newest_notes: int | None = None
) -> TicketFacts:
    """Read what helps decide on ``ticket`` (only its ``newest_notes`` notes when given)."""
    return TicketFacts(
        user=await get_user(session, user_id=ticket.user_id),
        reading=await question_reading(session, ticket=ticket),
        earlier=tuple(await earlier_tickets(session, ticket=ticket)),
        notes=tuple(await notes_of_ticket(session, ticket_id=ticket.id, newest=newest_notes)),
    )


async def question_reading(session: AsyncSession, *, ticket: Ticket) -> Message | None:
    """The logged question that opened the ticket, as the assistant read it: the ASN's newest
    message with that text and a reading, logged before the ticket was opened."""
    if ticket.question is None:
        return None
    statement = (
        select(Message)
        .where(
            Message.user_id == ticket.user_id,
            Message.direction == MessageDirection.IN,
            Message.action.is_not(None),
            Message.text == ticket.question,
            Message.created_at <= ticket.created_at,
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    return (await session.scalars(statement)).first()


async def earlier_tickets(
    session: AsyncSession, *, ticket: Ticket, limit: int = EARLIER_TICKETS
) -> list[Ticket]:
    """The same ASN's tickets opened before ``ticket``, newest first, at most ``limit``."""
    statement = (
        select(Ticket)
        .where(Ticket.user_id == ticket.user_id, Ticket.id < ticket.id)
        .order_by(Ticket.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(statement))

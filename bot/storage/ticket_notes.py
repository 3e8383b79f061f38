"""Internal notes on tickets: consultants' words about a case, never shown to the ASN."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import execute_counting
from bot.storage.models import Ticket, TicketNote


async def add_note(
    session: AsyncSession, *, ticket_id: int, author_id: int, author_name: str | None, text: str
) -> TicketNote:
    """Store a consultant's note on the ticket (flushed; the caller commits)."""
    note = TicketNote(ticket_id=ticket_id, author_id=author_id, author_name=author_name, text=text)
    session.add(note)
    await session.flush()
    return note


async def notes_of_ticket(
    session: AsyncSession, *, ticket_id: int, newest: int | None = None
) -> list[TicketNote]:
    """The ticket's notes, oldest first; only the ``newest`` ones when given."""
    statement = select(TicketNote).where(TicketNote.ticket_id == ticket_id)
    if newest is None:
        return list(await session.scalars(statement.order_by(TicketNote.id)))
    latest = statement.order_by(TicketNote.id.desc()).limit(newest)
    return list(reversed(list(await session.scalars(latest))))


async def delete_notes_of_tickets(session: AsyncSession, ticket_ids: list[int]) -> int:
    """Delete every note on these tickets (an ASN's /hapus_data); return how many."""
    return await execute_counting(
        session, delete(TicketNote).where(TicketNote.ticket_id.in_(ticket_ids))
    )


async def delete_notes_closed_before(session: AsyncSession, *, cutoff: datetime) -> int:
    """Delete the notes on tickets closed before ``cutoff`` (the retention period); return
    how many."""
    closed = select(Ticket.id).where(Ticket.closed_at < cutoff)
    return await execute_counting(
        session, delete(TicketNote).where(TicketNote.ticket_id.in_(closed))
    )

"""Queries the consultants' queue needs beyond the ticket modules (flush; the caller commits)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import execute_counting
from bot.storage.models import Message, Ticket


async def recent_chat_messages(session: AsyncSession, *, chat_id: int, limit: int) -> list[Message]:
    """Return the last ``limit`` messages of a chat, oldest first."""
    if limit <= 0:
        return []
    statement = (
        select(Message)
        .where(Message.chat_id == chat_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return list(reversed(list(await session.scalars(statement))))


async def find_ticket_by_staff_thread(session: AsyncSession, *, thread_id: int) -> Ticket | None:
    """Return the ticket whose forum topic in the staff group is ``thread_id``."""
    statement = (
        select(Ticket)
        .where(Ticket.staff_thread_id == thread_id)
        .order_by(Ticket.id.desc())
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(statement)).first()


async def set_message_staff_copy(
    session: AsyncSession, *, chat_id: int, telegram_message_id: int, staff_message_id: int
) -> bool:
    """Record the staff-chat copy of a logged user message; False if it was not logged."""
    changed = await execute_counting(
        session,
        update(Message)
        .where(Message.chat_id == chat_id, Message.telegram_message_id == telegram_message_id)
        .values(staff_message_id=staff_message_id),
    )
    return changed > 0

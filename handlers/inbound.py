"""Log what a user sends, before any slow work, filed under their open ticket if any."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message as TelegramMessage

from bot.services import AppContext
from bot.storage import Ticket, get_ticket
from bot.storage.messages import LoggedQuestion, log_question
from bot.storage.transaction import in_transaction


@dataclass(frozen=True)
class Inbound:
    """A user's message as logged, and the open ticket it was filed under (if any)."""

    question: LoggedQuestion
    ticket: Ticket | None


async def log_inbound(
    context: AppContext, message: TelegramMessage, text: str | None, kind: str
) -> Inbound:
    """Log the user's message in its own transaction; return it and the user's open ticket."""
    return await in_transaction(
        context.services.sessions, lambda session: record_inbound(session, message, text, kind)
    )


async def record_inbound(
    session: AsyncSession, message: TelegramMessage, text: str | None, kind: str
) -> Inbound:
    """``log_inbound`` in the caller's transaction."""
    assert message.from_user is not None
    question = await log_question(
        session,
        chat_id=message.chat_id,
        user_id=message.from_user.id,
        text=text,
        kind=kind,
        telegram_message_id=message.message_id,
    )
    ticket = None
    if question.ticket_id is not None:
        ticket = await get_ticket(session, ticket_id=question.ticket_id)
    return Inbound(question, ticket)

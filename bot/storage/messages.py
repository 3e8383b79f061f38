"""Conversation log, answer feedback and processed Telegram updates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import execute_counting
from bot.storage.enums import MessageDirection, TicketStatus
from bot.storage.models import Feedback, Message, ProcessedUpdate, Ticket


@dataclass(frozen=True)
class LoggedQuestion:
    """An inbound message just stored, and the user's open ticket it was filed under."""

    message_id: int
    ticket_id: int | None


@dataclass(frozen=True)
class Reading:
    """What the bot made of a logged question; stored with ``store_reading``."""

    message_id: int
    intent: str | None
    confidence: float | None
    action: str


# The statements of the per-message hot path are built once, their values passed at execution:
# SQLAlchemy then derives each cache key once, not on every message (see ``_sql``).
_MESSAGES = cast(Table, Message.__table__)
_INSERT_MESSAGE = insert(_MESSAGES).returning(_MESSAGES.c.id)
_INSERT_QUESTION = (
    insert(_MESSAGES)
    .values(
        chat_id=bindparam("q_chat_id"),
        user_id=bindparam("q_user_id"),
        direction=MessageDirection.IN,
        text=bindparam("q_text"),
        kind=bindparam("q_kind"),
        telegram_message_id=bindparam("q_telegram_message_id"),
        ticket_id=(
            select(Ticket.id)
            .where(Ticket.user_id == bindparam("q_user_id"), Ticket.status != TicketStatus.SELESAI)
            .limit(1)
            .scalar_subquery()
        ),
    )
    .returning(_MESSAGES.c.id, _MESSAGES.c.ticket_id)
)
RECORD_READING = update(_MESSAGES).where(_MESSAGES.c.id == bindparam("r_message_id"))
"""Executed with ``reading_values`` (``store_reading``)."""


async def log_message(
    session: AsyncSession,
    *,
    chat_id: int,
    user_id: int | None,
    direction: MessageDirection | str,
    text: str | None,
    kind: str = "text",
    telegram_message_id: int | None = None,
    staff_message_id: int | None = None,
    intent: str | None = None,
    confidence: float | None = None,
    action: str | None = None,
    ticket_id: int | None = None,
) -> int:
    """Store one incoming or outgoing message; return its id."""
    values = {
        "chat_id": chat_id,
        "user_id": user_id,
        "direction": MessageDirection(direction),
        "text": text,
        "kind": kind,
        "telegram_message_id": telegram_message_id,
        "staff_message_id": staff_message_id,
        "intent": intent,
        "confidence": confidence,
        "action": action,
        "ticket_id": ticket_id,
    }
    return (await session.execute(_INSERT_MESSAGE, values)).scalar_one()


async def log_question(
    session: AsyncSession,
    *,
    chat_id: int,
    user_id: int,
    text: str | None,
    kind: str = "text",
    telegram_message_id: int | None = None,
) -> LoggedQuestion:
    """Store a user's inbound message, filed under their open ticket if any, in one statement."""
    values = {
        "q_chat_id": chat_id,
        "q_user_id": user_id,
        "q_text": text,
        "q_kind": kind,
        "q_telegram_message_id": telegram_message_id,
    }
    message_id, ticket_id = (await session.execute(_INSERT_QUESTION, values)).one()
    return LoggedQuestion(message_id=message_id, ticket_id=ticket_id)


async def record_feedback(
    session: AsyncSession,
    *,
    user_id: int,
    intent: str | None,
    helpful: bool,
    answer_message_id: int | None = None,
) -> Feedback:
    """Store whether an answer was helpful."""
    feedback = Feedback(
        user_id=user_id, intent=intent, helpful=helpful, answer_message_id=answer_message_id
    )
    session.add(feedback)
    await session.flush()
    return feedback


async def recorded_feedback(
    session: AsyncSession, *, user_id: int, answer_message_id: int
) -> bool | None:
    """Whether the user found this answer (the bot's Telegram message id) helpful, as first
    recorded; None when they have not rated it."""
    return await session.scalar(
        select(Feedback.helpful)
        .where(Feedback.user_id == user_id, Feedback.answer_message_id == answer_message_id)
        .order_by(Feedback.id)
        .limit(1)
    )


async def delete_messages_older_than(session: AsyncSession, *, cutoff: datetime) -> int:
    """Delete logged messages created before ``cutoff``; return how many."""
    return await execute_counting(session, delete(Message).where(Message.created_at < cutoff))


async def delete_processed_updates_older_than(session: AsyncSession, *, cutoff: datetime) -> int:
    """Forget processed update ids recorded before ``cutoff``; return how many."""
    return await execute_counting(
        session, delete(ProcessedUpdate).where(ProcessedUpdate.created_at < cutoff)
    )


def reading_values(reading: Reading) -> dict[str, object]:
    """The parameters of ``RECORD_READING`` for one reading."""
    return {
        "r_message_id": reading.message_id,
        "intent": reading.intent,
        "confidence": reading.confidence,
        "action": reading.action,
    }


async def store_reading(session: AsyncSession, reading: Reading) -> None:
    """Store the NLU intent, confidence and action on an already logged inbound message."""
    await session.execute(RECORD_READING, reading_values(reading))


async def last_question(session: AsyncSession, *, chat_id: int) -> Message | None:
    """Return the latest inbound text of a chat that is not a command (the logged message)."""
    statement = (
        select(Message)
        .where(
            Message.chat_id == chat_id,
            Message.direction == MessageDirection.IN,
            Message.kind == "text",
            Message.text.is_not(None),
            ~Message.text.startswith("/"),
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    return (await session.scalars(statement)).first()

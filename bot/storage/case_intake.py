"""Before and after a ticket opens: the question offered to the consultants, and the short
intake (employment, province or agency, deadline) that adds to the ticket step by step.

An intake step is answered once: the UPDATE is conditional on the step the ticket is at, so a
double press or two workers answering together change the ticket once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import execute_counting
from bot.storage.audit import record_audit_event
from bot.storage.enums import IntakeStep, MessageDirection, TicketStatus
from bot.storage.models import AuditEvent, Message, Ticket

INTAKE_AUDIT_ACTION = "isian"
"""Audit action of an intake step; its detail is ``<step>:<what happened>``, never the text."""
ASKED_AGAIN = "ulang"
"""The detail's second part when an answer could not be used and the step was asked again."""
QUESTION_PROMPT_ACTION = "minta_pertanyaan"
"""``messages.action`` of the bot's request to type the question for the consultant."""


async def offered_question(
    session: AsyncSession, *, message_id: int, user_id: int
) -> Message | None:
    """The user's own logged question (an inbound text) with this id, or None."""
    question = await session.get(Message, message_id)
    if question is None or question.user_id != user_id:
        return None
    return question if question.direction == MessageDirection.IN else None


async def file_under_ticket(session: AsyncSession, *, message_id: int, ticket_id: int) -> None:
    """File a logged message under the ticket it was handed to (its history shows it)."""
    await execute_counting(
        session, update(Message).where(Message.id == message_id).values(ticket_id=ticket_id)
    )


async def is_question_prompt(
    session: AsyncSession, *, chat_id: int, telegram_message_id: int
) -> bool:
    """Whether the bot's message in this chat asked the user to type their question."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Message.chat_id == chat_id,
                    Message.telegram_message_id == telegram_message_id,
                    Message.direction == MessageDirection.OUT,
                    Message.action == QUESTION_PROMPT_ACTION,
                )
            )
        )
    )


async def answer_intake_step(
    session: AsyncSession,
    *,
    ticket_id: int,
    step: IntakeStep,
    next_step: IntakeStep | None,
    user_id: int,
    outcome: str,
    **answer: Any,
) -> Ticket | None:
    """Store the answer of ``step`` (``answer``: the ticket's columns) given by the ticket's
    ASN, ``user_id``, and move to ``next_step`` (None: the intake is over), with an audit
    event; None when the ticket is no longer at that step (answered meanwhile, closed)."""
    answered = await execute_counting(
        session,
        update(Ticket)
        .where(
            Ticket.id == ticket_id,
            Ticket.user_id == user_id,
            Ticket.intake_step == step,
            Ticket.status != TicketStatus.SELESAI,
        )
        .values(intake_step=next_step, **answer),
    )
    if not answered:
        return None
    await record_audit_event(
        session,
        actor_id=user_id,
        action=INTAKE_AUDIT_ACTION,
        ticket_id=ticket_id,
        detail=f"{step.value}:{outcome}",
    )
    return await session.get(Ticket, ticket_id, populate_existing=True)


async def was_asked_again(session: AsyncSession, *, ticket_id: int, step: IntakeStep) -> bool:
    """Whether this step was already asked again after an answer that could not be used."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    AuditEvent.ticket_id == ticket_id,
                    AuditEvent.action == INTAKE_AUDIT_ACTION,
                    AuditEvent.detail == f"{step.value}:{ASKED_AGAIN}",
                )
            )
        )
    )


async def record_asked_again(
    session: AsyncSession, *, ticket_id: int, step: IntakeStep, actor_id: int
) -> None:
    await record_audit_event(
        session,
        actor_id=actor_id,
        action=INTAKE_AUDIT_ACTION,
        ticket_id=ticket_id,
        detail=f"{step.value}:{ASKED_AGAIN}",
    )

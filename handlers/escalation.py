"""Hand a question to the LKBH consultants' queue and tell the user what happens next."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot.intents import Action
from bot.services import AppContext
from bot.storage import EscalationReason, Ticket, last_question, open_ticket
from bot.storage.case_intake import file_under_ticket
from bot.storage.messages import Reading, store_reading
from bot.storage.outbox import NoticeKind
from bot.storage.transaction import in_transaction
from handlers.case_intake import FIRST_STEP, acknowledge_ticket, ask_intake_step
from handlers.replies import send_to_user
from handlers.staff_card import NEW_TICKETS, queue_staff_notice

logger = logging.getLogger(__name__)

WITHOUT_INTAKE = frozenset({EscalationReason.NLU_TIDAK_TERSEDIA})
"""Tickets opened without the ASN asking (the NLU is down, the bot cannot answer at all):
acknowledged as today, no intake questions. Every other new ticket gets the intake."""
ACKNOWLEDGEMENTS = {EscalationReason.NLU_TIDAK_TERSEDIA: "nlu_unavailable"}
"""The acknowledgement of a ticket opened without the intake, when not ``escalation_ack``."""


async def escalate(
    context: AppContext,
    *,
    user_id: int,
    chat_id: int,
    reason: EscalationReason,
    question: str | None = None,
    topic: str | None = None,
    reading: Reading | None = None,
    source_message_id: int | None = None,
) -> None:
    """Open a ticket (or reuse the user's open one), then start its intake or acknowledge it.

    One transaction stores the reading (what the bot made of the question), the ticket, its
    card's notice in the staff outbox and, filed under the ticket, the logged question it was
    opened from (``source_message_id``): the user never waits for the staff chat.
    """
    services = context.services
    intake_step = None if reason in WITHOUT_INTAKE else FIRST_STEP

    async def open_and_announce(session: AsyncSession) -> tuple[Ticket, bool]:
        if reading is not None:
            await store_reading(session, reading)
        asked = question
        if asked is None:
            latest = await last_question(session, chat_id=chat_id)
            asked = latest.text if latest is not None else None
        ticket, created = await open_ticket(
            session,
            user_id=user_id,
            reason=reason,
            question=asked,
            topic=topic,
            intake_step=intake_step,
        )
        if created:
            await queue_staff_notice(
                context,
                session,
                NoticeKind.NEW_TICKET,
                ticket_id=ticket.id,
                coalesce_key=NEW_TICKETS,
            )
            if source_message_id is not None:
                await file_under_ticket(session, message_id=source_message_id, ticket_id=ticket.id)
        return ticket, created

    ticket, created = await in_transaction(services.sessions, open_and_announce)
    if not created:
        await send_to_user(
            context,
            chat_id=chat_id,
            user_id=user_id,
            html=services.knowledge.message("ticket_open", ticket_number=ticket.id),
            action=Action.ESCALATE.value,
            ticket_id=ticket.id,
        )
        return
    logger.info("Ticket %s opened (%s)", ticket.id, reason.value)
    if ticket.intake_step is not None:
        await ask_intake_step(context, ticket, chat_id)
    else:
        await acknowledge_ticket(
            context, ticket, chat_id, ACKNOWLEDGEMENTS.get(reason, "escalation_ack")
        )

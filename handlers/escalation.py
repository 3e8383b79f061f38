"""Hand a question to the LKBH consultants' queue and tell the user what happens next."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot.intents import Action
from bot.services import AppContext
from bot.storage import EscalationReason, Ticket, last_question, open_ticket
from bot.storage.messages import Reading, store_reading
from bot.storage.outbox import NoticeKind
from bot.storage.transaction import in_transaction
from handlers.replies import send_to_user
from handlers.staff_card import NEW_TICKETS, queue_staff_notice
from handlers.staff_queue import send_after_hours_notice

logger = logging.getLogger(__name__)


async def escalate(
    context: AppContext,
    *,
    user_id: int,
    chat_id: int,
    reason: EscalationReason,
    question: str | None = None,
    topic: str | None = None,
    reading: Reading | None = None,
) -> None:
    """Open a ticket (or reuse the user's open one) and acknowledge it with its number.

    One transaction stores the reading (what the bot made of the question), the ticket and its
    card's notice in the staff outbox: the user never waits for the staff chat.
    """
    services = context.services

    async def open_and_announce(session: AsyncSession) -> tuple[Ticket, bool]:
        if reading is not None:
            await store_reading(session, reading)
        asked = question if question is not None else await last_question(session, chat_id=chat_id)
        ticket, created = await open_ticket(
            session, user_id=user_id, reason=reason, question=asked, topic=topic
        )
        if created:
            await queue_staff_notice(
                context,
                session,
                NoticeKind.NEW_TICKET,
                ticket_id=ticket.id,
                coalesce_key=NEW_TICKETS,
            )
        return ticket, created

    ticket, created = await in_transaction(services.sessions, open_and_announce)
    if created:
        logger.info("Ticket %s opened (%s)", ticket.id, reason.value)
    if not created:
        key = "ticket_open"
    elif reason is EscalationReason.NLU_TIDAK_TERSEDIA:
        key = "nlu_unavailable"
    else:
        key = "escalation_ack"
    await send_to_user(
        context,
        chat_id=chat_id,
        user_id=user_id,
        html=services.knowledge.message(key, ticket_number=ticket.id),
        action=Action.ESCALATE.value,
        ticket_id=ticket.id,
    )
    if created:
        await send_after_hours_notice(context, ticket)

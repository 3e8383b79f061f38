"""Hand a question to the LKBH consultants' queue and tell the user what happens next."""

from __future__ import annotations

import logging

from bot.intents import Action
from bot.services import AppContext
from bot.storage import EscalationReason, last_question, open_ticket
from bot.storage.messages import Reading, store_reading
from handlers.replies import send_to_user
from handlers.staff_queue import announce_ticket, send_after_hours_notice

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
    """Open a ticket (or reuse the user's open one), post it to the staff, acknowledge it.

    ``reading`` (what the bot made of the question) is stored with the ticket.
    """
    services = context.services
    async with services.sessions() as session:
        if reading is not None:
            await store_reading(session, reading)
        if question is None:
            question = await last_question(session, chat_id=chat_id)
        ticket, created = await open_ticket(
            session, user_id=user_id, reason=reason, question=question, topic=topic
        )
        await session.commit()
    if created:
        logger.info("Ticket %s opened (%s)", ticket.id, reason.value)
        await announce_ticket(context, ticket)
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

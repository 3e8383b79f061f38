"""A question from the ASN, top to bottom: log → read → decide → reply → record.

Before it, ``bot.intake`` claimed the update (de-duplication) and the gate of
``handlers.updates`` registered the user and counted the message. A question the policy would
hand to the consultants is offered to them first (``handlers.case_offer``); while a new
ticket's intake is open, a text answers it (``handlers.case_intake``). A user with an open ticket
talks to the consultant: their messages are relayed; while nobody has claimed the ticket the
bot still answers a topic question beside it, once a consultant has, the bot is silent. A
text the bot asked for as a rating comment is kept as such, unless it reads as a new question.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message as TelegramMessage
from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.intents import TOPIC_INTENTS, Action
from bot.nlu.result import NluUnavailable
from bot.nlu.understanding import Understood
from bot.services import AppContext
from bot.storage import EscalationReason, Ticket, TicketStatus
from bot.storage.database import DatabaseUnavailable
from bot.storage.messages import Reading, store_reading
from bot.storage.models import Message
from bot.storage.nlu_review import ReviewSource, queue_for_review
from bot.storage.transaction import in_transaction
from handlers.case_intake import awaits_intake_answer, take_intake_text
from handlers.case_offer import answers_question_prompt, offer_case
from handlers.escalation import escalate
from handlers.inbound import Inbound, log_inbound, record_inbound
from handlers.replies import (
    answer_html,
    answer_keyboard,
    clarify_keyboard,
    consultant_keyboard,
    send_answer,
    send_to_user,
    topic_menu,
)
from handlers.staff_queue import relay_user_message
from handlers.staff_rating import awaited_rating_comment, take_rating_comment, thank_for_comment
from handlers.updates import kind_of

logger = logging.getLogger(__name__)
NLU_UNAVAILABLE_LOG = "NLU unavailable; escalating the question"

PRIVATE = filters.ChatType.PRIVATE


async def handle_text(update: Update, context: AppContext) -> None:
    """Read a question and answer, clarify, fall back or hand it to a consultant."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    services, text = context.services, message.text or ""

    async def log(session: AsyncSession) -> Ticket | Inbound:
        """The rated ticket awaiting a comment (the text is read first), or the text logged."""
        awaiting = await awaited_rating_comment(session, message)
        return awaiting or await record_inbound(session, message, text, "text")

    logged = await in_transaction(services.sessions, log)
    understood = None
    if isinstance(logged, Ticket):
        understood = await _read_unless_unavailable(context, text)
        logged = await _take_comment_or_log(context, message, understood)
        if isinstance(logged, Ticket):
            await thank_for_comment(context, message, logged)
            return
    if logged.ticket is not None and awaits_intake_answer(logged.ticket):
        await take_intake_text(context, message, logged.ticket)
        return
    if logged.ticket is not None:
        await relay_user_message(context, logged.ticket, message)
        await _answer_beside_waiting_ticket(context, message, logged, understood)
        return
    if not text.strip():
        await send_to_user(
            context,
            chat_id=message.chat_id,
            user_id=user.id,
            html=services.knowledge.message("empty_message"),
        )
        return
    inbound_id = logged.question.message_id
    if await answers_question_prompt(context, message):
        await escalate(
            context,
            user_id=user.id,
            chat_id=message.chat_id,
            reason=EscalationReason.MINTA_KONSULTAN,
            question=text,
            source_message_id=inbound_id,
        )
        return
    try:
        understood = understood or await services.understanding.read(text)
    except NluUnavailable as error:
        logger.warning("%s (%s)", NLU_UNAVAILABLE_LOG, error)
        await escalate(
            context,
            user_id=user.id,
            chat_id=message.chat_id,
            reason=EscalationReason.NLU_TIDAK_TERSEDIA,
            question=text,
            reading=Reading(inbound_id, None, None, Action.ESCALATE.value),
        )
        return
    await _respond(context, message.chat_id, user.id, inbound_id, understood)


async def _answer_beside_waiting_ticket(
    context: AppContext, message: TelegramMessage, logged: Inbound, understood: Understood | None
) -> None:
    """Answer a topic question the ticket need not wait for, then say that the ticket waits."""
    ticket = logged.ticket
    assert ticket is not None and message.from_user is not None
    understood = await _topic_beside_waiting_ticket(context, ticket, message.text, understood)
    if understood is None:
        return
    knowledge, chat_id, user_id = context.services.knowledge, message.chat_id, message.from_user.id
    decision = understood.decision
    intent = decision.intent
    assert intent is not None  # a topic
    reading = Reading(
        logged.question.message_id, intent, understood.result.confidence, decision.action.value
    )
    sent = await send_to_user(
        context,
        chat_id=chat_id,
        user_id=user_id,
        html=await answer_html(context, knowledge, intent),
        markup=answer_keyboard(knowledge, intent, decision.see_also, handoff=False),
        intent=intent,
        action=decision.action.value,
        ticket_id=ticket.id,
        reading=reading,
    )
    if sent is not None:
        await send_to_user(
            context,
            chat_id=chat_id,
            user_id=user_id,
            html=knowledge.message("ticket_waiting_answer", ticket_number=ticket.id),
            ticket_id=ticket.id,
        )


async def _topic_beside_waiting_ticket(
    context: AppContext, ticket: Ticket, text: str | None, understood: Understood | None
) -> Understood | None:
    """The reading of a topic question to answer beside the user's open ticket, or None.

    An unclaimed ticket does not mute the assistant: a question the policy answers with a
    topic is answered. Anything else (clarify, out of scope, a personal case: what the ticket
    is for), a text the NLU cannot read now, and every message once a consultant has claimed
    the ticket are the consultant's alone.
    """
    if ticket.status != TicketStatus.BARU or not (text or "").strip():
        return None
    try:
        understood = understood or await context.services.understanding.read(text or "")
    except NluUnavailable as error:
        logger.info("NLU unavailable; the message is only relayed to its ticket (%s)", error)
        return None
    decision = understood.decision
    answered = decision.action is Action.ANSWER and decision.intent in TOPIC_INTENTS
    return understood if answered else None


async def _read_unless_unavailable(context: AppContext, text: str) -> Understood | None:
    """The reading of a text that may be a rating comment; None when the NLU is unavailable
    (the text is then kept as the comment, as it would have been before it could be read)."""
    try:
        return await context.services.understanding.read(text)
    except NluUnavailable as error:
        logger.info("NLU unavailable; the text is taken as the rating comment (%s)", error)
        return None


async def _take_comment_or_log(
    context: AppContext, message: TelegramMessage, understood: Understood | None
) -> Ticket | Inbound:
    """The rating comment the text is, or the text logged as a question (it reads as one)."""

    async def take_or_log(session: AsyncSession) -> Ticket | Inbound:
        decision = understood.decision if understood is not None else None
        commented = await take_rating_comment(session, message, decision)
        return commented or await record_inbound(session, message, message.text, "text")

    return await in_transaction(context.services.sessions, take_or_log)


async def _respond(
    context: AppContext,
    chat_id: int,
    user_id: int,
    inbound_id: int,
    understood: Understood,
) -> None:
    """The policy's decision, carried out; the reading is recorded with the reply."""
    services = context.services
    decision = understood.decision
    confidence = understood.result.confidence
    reading = Reading(inbound_id, decision.intent, confidence, decision.action.value)
    knowledge = services.knowledge
    if decision.action is Action.ANSWER and decision.intent:
        await send_answer(
            context, chat_id, user_id, decision.intent, reading, see_also=decision.see_also
        )
    elif decision.action is Action.ESCALATE:
        reason = EscalationReason(decision.intent or EscalationReason.MINTA_KONSULTAN)
        await offer_case(context, chat_id, user_id, reason, reading)
    elif decision.action is Action.CLARIFY:
        unrecorded = await _queue_for_review(context, reading, ReviewSource.CLARIFY)
        await send_to_user(
            context,
            chat_id=chat_id,
            user_id=user_id,
            html=knowledge.message("clarify"),
            markup=clarify_keyboard(knowledge, decision.candidates),
            action=decision.action.value,
            reading=unrecorded,
        )
    else:
        unrecorded = await _queue_for_review(context, reading, ReviewSource.FALLBACK)
        await send_to_user(
            context,
            chat_id=chat_id,
            user_id=user_id,
            html=knowledge.message("fallback"),
            markup=topic_menu(knowledge),
            action=decision.action.value,
            reading=unrecorded,
        )


async def _queue_for_review(
    context: AppContext, reading: Reading, source: ReviewSource
) -> Reading | None:
    """Record the reading and queue the question for ``/tinjau_nlu`` in one transaction.

    Returns the reading when the database was unavailable, for the reply to record it.
    """

    async def record(session: AsyncSession) -> None:
        await store_reading(session, reading)
        question = await session.get(Message, reading.message_id, populate_existing=True)
        if question is not None:
            await queue_for_review(session, question, source=source)

    try:
        await in_transaction(context.services.sessions, record)
    except DatabaseUnavailable as error:
        logger.warning("A question was not queued for review: database unavailable (%s)", error)
        return reading
    return None


async def handle_non_text(update: Update, context: AppContext) -> None:
    """Relay media inside a ticket; otherwise say that the bot reads text."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    logged = await log_inbound(context, message, message.caption, kind_of(message))
    if logged.ticket is not None and awaits_intake_answer(logged.ticket):
        await take_intake_text(context, message, logged.ticket)
        return
    if logged.ticket is not None:
        await relay_user_message(context, logged.ticket, message)
        return
    await send_to_user(
        context,
        chat_id=message.chat_id,
        user_id=user.id,
        html=context.services.knowledge.message("text_only"),
        markup=consultant_keyboard(),
    )


def build_handlers() -> list[BaseHandler]:
    """Free text, then any other private message (after commands and buttons)."""
    return [
        MessageHandler(
            PRIVATE & filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, handle_text
        ),
        MessageHandler(PRIVATE & ~filters.TEXT & filters.UpdateType.MESSAGE, handle_non_text),
    ]

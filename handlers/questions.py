"""Free-text questions and other messages from the ASN: log (while Rasa reads), then reply.

A user with an open ticket talks to the consultant: their messages are relayed, never answered
by the bot.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.intents import Action
from bot.nlu.result import NluUnavailable
from bot.nlu.understanding import Reading as Understood
from bot.services import AppContext
from bot.storage import EscalationReason
from bot.storage.messages import Reading
from handlers.escalation import escalate
from handlers.inbound import log_inbound, record_inbound
from handlers.replies import (
    clarify_keyboard,
    consultant_keyboard,
    send_answer,
    send_to_user,
    topic_menu,
)
from handlers.staff_queue import relay_user_message, take_rating_comment, thank_for_comment
from handlers.updates import kind_of

logger = logging.getLogger(__name__)
NLU_UNAVAILABLE_LOG = "NLU unavailable; escalating the question"

PRIVATE = filters.ChatType.PRIVATE


async def handle_text(update: Update, context: AppContext) -> None:
    """Read a question and answer, clarify, fall back or hand it to a consultant.

    The question is logged while Rasa reads it: the parse, started by the update gate
    (``AppContext.read_early``) or here, overlaps the database work, and the reply waits for
    both. The gate logs the question in its own transaction when it can (no rating comment
    awaited); otherwise it is logged here, or taken as a rating comment. A message that turns
    out to be a rating comment or part of an open ticket cancels the parse.
    """
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    services, text = context.services, message.text or ""
    async with services.chat_locks.hold(message.chat_id):
        reading = context.take_reading(text) if text.strip() else None
        logged, commented = context.logged_question, None
        if logged is None:
            try:
                async with services.sessions() as session:  # one transaction
                    commented = await take_rating_comment(
                        session, message, requested=context.comment_requested
                    )
                    if commented is None:
                        logged = await record_inbound(session, message, text, "text")
                    await session.commit()
            except BaseException:
                context.drop_reading(reading)
                raise
        if commented is not None:
            context.drop_reading(reading)
            await thank_for_comment(context, message, commented)
            return
        assert logged is not None
        if logged.ticket is not None:
            context.drop_reading(reading)
            await relay_user_message(context, logged.ticket, message)
            return
        if reading is None:
            await send_to_user(
                context,
                chat_id=message.chat_id,
                user_id=user.id,
                html=services.knowledge.message("empty_message"),
            )
            return
        await _respond(context, message.chat_id, user.id, text, logged.question.message_id, reading)


async def _respond(
    context: AppContext,
    chat_id: int,
    user_id: int,
    text: str,
    inbound_id: int,
    reading_task: Awaitable[Understood],
) -> None:
    services = context.services
    try:
        understood = await reading_task
    except NluUnavailable as error:
        logger.warning("%s (%s)", NLU_UNAVAILABLE_LOG, error)
        await escalate(
            context,
            user_id=user_id,
            chat_id=chat_id,
            reason=EscalationReason.NLU_TIDAK_TERSEDIA,
            question=text,
            reading=Reading(inbound_id, None, None, Action.ESCALATE.value),
        )
        return
    decision = understood.decision
    confidence = understood.result.confidence
    reading = Reading(inbound_id, decision.intent, confidence, decision.action.value)
    knowledge = services.knowledge
    if decision.action is Action.ANSWER and decision.intent:
        await send_answer(context, chat_id, user_id, decision.intent, reading)
    elif decision.action is Action.ESCALATE:
        reason = EscalationReason(decision.intent or EscalationReason.MINTA_KONSULTAN)
        await escalate(
            context,
            user_id=user_id,
            chat_id=chat_id,
            reason=reason,
            question=text,
            topic=decision.intent,
            reading=reading,
        )
    elif decision.action is Action.CLARIFY:
        await send_to_user(
            context,
            chat_id=chat_id,
            user_id=user_id,
            html=knowledge.message("clarify"),
            markup=clarify_keyboard(knowledge, decision.candidates),
            action=decision.action.value,
            reading=reading,
        )
    else:
        await send_to_user(
            context,
            chat_id=chat_id,
            user_id=user_id,
            html=knowledge.message("fallback"),
            markup=topic_menu(knowledge),
            action=decision.action.value,
            reading=reading,
        )


async def handle_non_text(update: Update, context: AppContext) -> None:
    """Relay media inside a ticket; otherwise say that the bot reads text."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    async with context.services.chat_locks.hold(message.chat_id):
        logged = await log_inbound(context, message, message.caption, kind_of(message))
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

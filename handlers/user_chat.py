"""The ASN's private conversation: commands, free-text questions, menu and feedback buttons."""

from __future__ import annotations

import logging

from telegram import Message as TelegramMessage
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.intents import ANSWER_INTENTS, TOPIC_INTENTS, Action
from bot.knowledge import render_answer
from bot.nlu.result import NluUnavailable
from bot.services import AppContext
from bot.storage import (
    EscalationReason,
    MessageDirection,
    Ticket,
    get_ticket,
    get_user,
    log_message,
    record_feedback,
)
from bot.storage.messages import LoggedQuestion, Reading, log_question
from handlers.escalation import escalate
from handlers.replies import (
    answer_keyboard,
    clarify_keyboard,
    consultant_keyboard,
    send_to_user,
    topic_menu,
)
from handlers.staff_queue import relay_user_message
from handlers.updates import kind_of

logger = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE


async def start(update: Update, context: AppContext) -> None:
    """Welcome the user and explain what is logged and how to delete it."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    services = context.services
    async with services.sessions() as session:
        record = await get_user(session, user_id=user.id)
        await log_message(
            session,
            chat_id=chat.id,
            user_id=user.id,
            direction=MessageDirection.IN,
            text="/start",
            telegram_message_id=update.effective_message.message_id
            if update.effective_message
            else None,
        )
        pseudonym = record.pseudonym if record else "-"
        await session.commit()
    html = services.knowledge.message(
        "welcome",
        name=user.first_name or "Sahabat ASN",
        pseudonym=pseudonym,
        retention_days=services.settings.privacy.retention_days,
    )
    await send_to_user(context, chat_id=chat.id, user_id=user.id, html=html)


async def show_menu(update: Update, context: AppContext) -> None:
    """Show the topic menu as inline buttons."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    knowledge = context.services.knowledge
    await send_to_user(
        context,
        chat_id=chat.id,
        user_id=user.id,
        html=knowledge.message("menu"),
        markup=topic_menu(knowledge),
    )


async def show_topic(update: Update, context: AppContext) -> None:
    """Answer the topic whose menu or clarify button was pressed."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    intent = query.data.removeprefix("topik:")
    if intent not in TOPIC_INTENTS:
        await query.answer(context.services.knowledge.message("stale_button"))
        return
    await query.answer()
    await _send_answer(context, update.effective_chat.id, query.from_user.id, intent)


async def record_answer_feedback(update: Update, context: AppContext) -> None:
    """Record a Membantu / Kurang membantu press; offer a consultant when unhelpful."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    _, verdict, intent = query.data.split(":", 2)
    helpful = verdict == "ya"
    async with context.services.sessions() as session:
        await record_feedback(
            session,
            user_id=query.from_user.id,
            intent=intent if intent in ANSWER_INTENTS else None,
            helpful=helpful,
            answer_message_id=query.message.message_id if query.message else None,
        )
        await session.commit()
    await query.answer("Terima kasih!" if helpful else None)
    if not helpful:
        knowledge = context.services.knowledge
        await send_to_user(
            context,
            chat_id=update.effective_chat.id,
            user_id=query.from_user.id,
            html=knowledge.message("feedback_unhelpful"),
            markup=consultant_keyboard(),
        )


async def request_consultant(update: Update, context: AppContext) -> None:
    """Hand the user's last question to a consultant (button or /konsultan)."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    query = update.callback_query
    if query is not None:
        await query.answer()
        reason = (
            EscalationReason.CLARIFY_DITOLAK
            if query.data == "konsultan:klarifikasi"
            else EscalationReason.TOMBOL_KONSULTAN
        )
    else:
        reason = EscalationReason.MINTA_KONSULTAN
    await escalate(context, user_id=user.id, chat_id=chat.id, reason=reason)


async def handle_text(update: Update, context: AppContext) -> None:
    """Read a question and answer, clarify, fall back or hand it to a consultant."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    services, text = context.services, message.text or ""
    async with services.chat_locks.hold(message.chat_id):
        question, ticket = await _log_inbound(context, message, text, "text")
        if ticket is not None:
            await relay_user_message(context, ticket, message)
            return
        if not text.strip():
            await send_to_user(
                context,
                chat_id=message.chat_id,
                user_id=user.id,
                html=services.knowledge.message("empty_message"),
            )
            return
        await _respond(context, message.chat_id, user.id, text, question.message_id)


async def _log_inbound(
    context: AppContext, message: TelegramMessage, text: str | None, kind: str
) -> tuple[LoggedQuestion, Ticket | None]:
    """Log the user's message (before any slow work); return it and the user's open ticket."""
    assert message.from_user is not None
    async with context.services.sessions() as session:
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
        await session.commit()
    return question, ticket


async def _respond(
    context: AppContext, chat_id: int, user_id: int, text: str, inbound_id: int
) -> None:
    services = context.services
    try:
        understood = await services.understanding.read(text)
    except NluUnavailable:
        logger.warning("NLU unavailable; escalating the question")
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
        await _send_answer(context, chat_id, user_id, decision.intent, reading)
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


async def _send_answer(
    context: AppContext, chat_id: int, user_id: int, intent: str, reading: Reading | None = None
) -> None:
    knowledge = context.services.knowledge
    markup = answer_keyboard(intent) if intent in TOPIC_INTENTS else None
    await send_to_user(
        context,
        chat_id=chat_id,
        user_id=user_id,
        html=render_answer(knowledge, intent),
        markup=markup,
        intent=intent,
        action=Action.ANSWER.value,
        reading=reading,
    )


async def handle_non_text(update: Update, context: AppContext) -> None:
    """Relay media inside a ticket; otherwise say that the bot reads text."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    async with context.services.chat_locks.hold(message.chat_id):
        _, ticket = await _log_inbound(context, message, message.caption, kind_of(message))
        if ticket is not None:
            await relay_user_message(context, ticket, message)
            return
        await send_to_user(
            context,
            chat_id=message.chat_id,
            user_id=user.id,
            html=context.services.knowledge.message("text_only"),
            markup=consultant_keyboard(),
        )


def build_handlers() -> list[BaseHandler]:
    """The ASN's handlers, private chats only; order matters (commands before free text)."""
    return [
        CommandHandler("start", start, filters=PRIVATE),
        CommandHandler(["bantuan", "help", "menu"], show_menu, filters=PRIVATE),
        CommandHandler("konsultan", request_consultant, filters=PRIVATE),
        CallbackQueryHandler(show_topic, pattern=r"^topik:"),
        CallbackQueryHandler(record_answer_feedback, pattern=r"^umpan:(ya|tidak):"),
        CallbackQueryHandler(request_consultant, pattern=r"^konsultan:"),
        MessageHandler(
            PRIVATE & filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, handle_text
        ),
        MessageHandler(PRIVATE & ~filters.TEXT & filters.UpdateType.MESSAGE, handle_non_text),
    ]

"""The ASN's commands and buttons: /start, the topic menu, feedback, asking for a consultant
(the offer before a ticket and its intake after: ``handlers.case_offer``, ``case_intake``)."""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, MaybeInaccessibleMessage, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.services import AppContext
from bot.storage import (
    EscalationReason,
    MessageDirection,
    get_user,
    log_message,
    record_feedback,
)
from bot.storage.messages import recorded_feedback
from bot.storage.nlu_review import ReviewSource, question_answered_by, queue_for_review
from bot.storage.transaction import in_transaction
from handlers import case_intake
from handlers.case_offer import ask_for_question, consultant_command, press_case_button
from handlers.escalation import escalate
from handlers.input_bounds import (
    FeedbackButton,
    consultant_button,
    feedback_button,
    refuse_button,
    topic_button,
)
from handlers.replies import (
    FEEDBACK_GIVEN,
    feedback_given_keyboard,
    send_answer,
    send_to_user,
    topic_menu,
)

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
    assert query is not None and update.effective_chat is not None
    intent = topic_button(query.data)
    if intent is None:
        await refuse_button(query, context)
        return
    await query.answer()
    await send_answer(context, update.effective_chat.id, query.from_user.id, intent)


async def record_answer_feedback(update: Update, context: AppContext) -> None:
    """Record a Membantu / Kurang membantu press once; the buttons become a thank-you."""
    query = update.callback_query
    assert query is not None
    knowledge = context.services.knowledge
    if query.data == FEEDBACK_GIVEN:
        await query.answer(knowledge.message("feedback_already_given"))
        return
    button = feedback_button(query.data)
    if button is None:
        await refuse_button(query, context)
        return
    earlier = await _record_once(context, query.from_user.id, button, query.message)
    if earlier is not None:
        await query.answer(knowledge.message("feedback_already_given"))
    else:
        await query.answer(
            knowledge.message("feedback_given" if button.helpful else "feedback_given_unhelpful")
        )
    helpful = button.helpful if earlier is None else earlier
    markup = feedback_given_keyboard(knowledge, helpful=helpful, see_also=_offered_topic(query))
    with contextlib.suppress(BadRequest):  # an earlier press already replaced the buttons
        await query.edit_message_reply_markup(markup)


async def _record_once(
    context: AppContext,
    user_id: int,
    button: FeedbackButton,
    answer: MaybeInaccessibleMessage | None,
) -> bool | None:
    """Record the press unless this answer was rated before; return that earlier rating.

    A 👎 also queues the question that got the answer for review (``/tinjau_nlu``).
    """

    async def record(session: AsyncSession) -> bool | None:
        answer_id = answer.message_id if answer is not None else None
        if answer_id is not None:
            earlier = await recorded_feedback(session, user_id=user_id, answer_message_id=answer_id)
            if earlier is not None:
                return earlier
        await record_feedback(
            session,
            user_id=user_id,
            intent=button.intent,
            helpful=button.helpful,
            answer_message_id=answer_id,
        )
        if not button.helpful and answer is not None:
            question = await question_answered_by(
                session, chat_id=answer.chat.id, answer_telegram_id=answer.message_id
            )
            if question is not None:
                await queue_for_review(session, question, source=ReviewSource.THUMBS_DOWN)
        return None

    return await in_transaction(context.services.sessions, record)


def _offered_topic(query: CallbackQuery) -> str | None:
    """The "Lihat juga" topic the pressed answer offers, read back from its buttons."""
    markup = query.message.reply_markup if isinstance(query.message, Message) else None
    buttons = [button for row in markup.inline_keyboard for button in row] if markup else []
    topics = [topic_button(str(button.callback_data)) for button in buttons]
    return next((topic for topic in topics if topic is not None), None)


async def press_consultant_button(update: Update, context: AppContext) -> None:
    """Hand the user's last question to a consultant ([Tanya konsultan LKBH] under an answer
    or a clarify question: the user's own "yes"), or ask them to type it."""
    user, chat, query = update.effective_user, update.effective_chat, update.callback_query
    assert user is not None and chat is not None and query is not None
    where = consultant_button(query.data)
    if where is None:
        await refuse_button(query, context)
        return
    await query.answer()
    if where == "tulis":
        await ask_for_question(context, chat.id, user.id)
        return
    reason = (
        EscalationReason.CLARIFY_DITOLAK
        if where == "klarifikasi"
        else EscalationReason.TOMBOL_KONSULTAN
    )
    await escalate(context, user_id=user.id, chat_id=chat.id, reason=reason)


def build_handlers() -> list[BaseHandler]:
    """The ASN's commands and buttons (private chats; buttons carry ids only)."""
    return [
        CommandHandler("start", start, filters=PRIVATE),
        CommandHandler(["bantuan", "help", "menu"], show_menu, filters=PRIVATE),
        CommandHandler("konsultan", consultant_command, filters=PRIVATE),
        # Buttons are routed by namespace; handlers.input_bounds checks their exact shape.
        CallbackQueryHandler(show_topic, pattern=r"^topik:"),
        CallbackQueryHandler(record_answer_feedback, pattern=r"^umpan:"),
        CallbackQueryHandler(press_consultant_button, pattern=r"^konsultan:"),
        CallbackQueryHandler(press_case_button, pattern=r"^kasus:"),
        *case_intake.build_handlers(),
    ]

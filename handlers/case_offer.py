"""Ask before opening a case.

Where the policy would hand a question to the consultants (a personal case, a request for a
consultant in words), the ASN is asked first: [Ya, teruskan] opens the ticket from that logged
question, [Tidak] points to the topics. /konsultan is the ASN's own "yes" and opens at once —
unless their last question is old or there is none: then they choose to send it, or type the
question (their reply becomes the ticket's question). The buttons name the logged question
(``kasus:<ya|tidak>:<messages.id>``), so a press works whenever it comes, and opens nothing
twice: the question is filed under the ticket it opened.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram import Message as TelegramMessage
from telegram.error import BadRequest

from bot.intents import ESCALATION_INTENTS, Action
from bot.queue import clock
from bot.services import AppContext
from bot.storage import EscalationReason, Message, get_open_ticket, get_ticket, last_question
from bot.storage.case_intake import QUESTION_PROMPT_ACTION, is_question_prompt, offered_question
from bot.storage.messages import Reading
from bot.storage.transaction import in_transaction
from bot.telegram_text import shorten
from handlers.escalation import escalate
from handlers.input_bounds import case_button, refuse_button
from handlers.replies import send_to_user, topic_menu

FORWARD_BUTTON = "Ya, teruskan"
DECLINE_BUTTON = "Tidak, saya hanya butuh informasi umum"
SEND_LAST_BUTTON = "Kirim pertanyaan ini"
WRITE_NEW_BUTTON = "Tulis pertanyaan baru"
OFFER_KEYS = {
    EscalationReason.KONSULTASI_KASUS: "case_offer",
    EscalationReason.MINTA_KONSULTAN: "consultant_offer",
}
QUESTION_FRESH_FOR = timedelta(minutes=30)
"""/konsultan sends the last question at once when it is this recent; older, it asks."""
QUOTE_LIMIT = 300
"""The old question quoted when /konsultan asks whether to send it."""


def offer_keyboard(message_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(FORWARD_BUTTON, callback_data=f"kasus:ya:{message_id}")],
            [InlineKeyboardButton(DECLINE_BUTTON, callback_data=f"kasus:tidak:{message_id}")],
        ]
    )


async def offer_case(
    context: AppContext, chat_id: int, user_id: int, reason: EscalationReason, reading: Reading
) -> None:
    """Ask whether to hand the logged question to the consultants, saying why."""
    await send_to_user(
        context,
        chat_id=chat_id,
        user_id=user_id,
        html=context.services.knowledge.message(OFFER_KEYS[reason]),
        markup=offer_keyboard(reading.message_id),
        intent=reading.intent,
        action=Action.ESCALATE.value,
        reading=reading,
    )


async def press_case_button(update: Update, context: AppContext) -> None:
    """[Ya, teruskan] opens the ticket from the offered question; [Tidak] shows the topics."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    button = case_button(query.data)
    user_id, chat_id = query.from_user.id, update.effective_chat.id

    async def still_offered(session: AsyncSession) -> Message | None:
        """The question, unless gone or handed already to a ticket now closed."""
        if button is None:
            return None
        question = await offered_question(session, message_id=button.message_id, user_id=user_id)
        if question is None or question.ticket_id is None:
            return question
        ticket = await get_ticket(session, ticket_id=question.ticket_id)
        return question if ticket is not None and ticket.is_open else None

    question = await in_transaction(context.services.sessions, still_offered)
    if button is None or question is None:
        await refuse_button(query, context)
        return
    await query.answer()
    with contextlib.suppress(BadRequest):  # a second press finds the buttons gone already
        await query.edit_message_reply_markup(None)
    if not button.forward:
        knowledge = context.services.knowledge
        await send_to_user(
            context,
            chat_id=chat_id,
            user_id=user_id,
            html=knowledge.message("case_declined"),
            markup=topic_menu(knowledge),
        )
        return
    intent = question.intent
    await escalate(
        context,
        user_id=user_id,
        chat_id=chat_id,
        reason=EscalationReason(intent)
        if intent in ESCALATION_INTENTS
        else EscalationReason.MINTA_KONSULTAN,
        question=question.text,
        topic=intent,
        source_message_id=question.id,
    )


async def consultant_command(update: Update, context: AppContext) -> None:
    """/konsultan: hand over the last question when it is recent; otherwise ask which."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None

    async def latest(session: AsyncSession) -> tuple[Message | None, bool]:
        ticket = await get_open_ticket(session, user_id=user.id)
        return await last_question(session, chat_id=chat.id), ticket is not None

    question, has_ticket = await in_transaction(context.services.sessions, latest)
    fresh = question is not None and clock.now() - question.created_at <= QUESTION_FRESH_FOR
    if fresh or has_ticket:  # with a ticket open, the ASN is told it still is
        await escalate(
            context,
            user_id=user.id,
            chat_id=chat.id,
            reason=EscalationReason.MINTA_KONSULTAN,
            question=question.text if question else None,
            source_message_id=question.id if question else None,
        )
    elif question is not None and question.ticket_id is None:
        await _offer_last_question(context, chat.id, user.id, question)
    else:
        await ask_for_question(context, chat.id, user.id)


async def _offer_last_question(
    context: AppContext, chat_id: int, user_id: int, question: Message
) -> None:
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(SEND_LAST_BUTTON, callback_data=f"kasus:ya:{question.id}")],
            [InlineKeyboardButton(WRITE_NEW_BUTTON, callback_data="konsultan:tulis")],
        ]
    )
    html = context.services.knowledge.message(
        "consultant_which_question", question=shorten(question.text or "", QUOTE_LIMIT)
    )
    await send_to_user(context, chat_id=chat_id, user_id=user_id, html=html, markup=markup)


async def ask_for_question(context: AppContext, chat_id: int, user_id: int) -> None:
    """Ask the ASN to type the question for the consultant, as a reply to this message."""
    await send_to_user(
        context,
        chat_id=chat_id,
        user_id=user_id,
        html=context.services.knowledge.message("consultant_question_prompt"),
        markup=ForceReply(input_field_placeholder="Pertanyaan untuk konsultan"),
        action=QUESTION_PROMPT_ACTION,
    )


async def answers_question_prompt(context: AppContext, message: TelegramMessage) -> bool:
    """Whether the ASN's text replies to the bot's request to type their question."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or not replied.from_user.is_bot:
        return False

    async def prompted(session: AsyncSession) -> bool:
        return await is_question_prompt(
            session, chat_id=message.chat_id, telegram_message_id=replied.message_id
        )

    return await in_transaction(context.services.sessions, prompted)

"""Send messages to users and record them; the keyboards users see."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import Forbidden, TelegramError

from bot.intents import TOPIC_INTENTS, Action
from bot.knowledge import KnowledgeBase
from bot.knowledge.render import carries_draft_notice, render_user_answer
from bot.knowledge.review import is_approved
from bot.services import AppContext
from bot.storage import MessageDirection, log_message, mark_user_inactive
from bot.storage.database import DatabaseUnavailable
from bot.storage.messages import Reading, store_reading
from bot.storage.transaction import in_transaction

logger = logging.getLogger(__name__)

CONSULTANT_BUTTON = "Tanya konsultan LKBH"


async def send_to_user(
    context: AppContext,
    *,
    chat_id: int,
    user_id: int | None,
    html: str,
    markup: InlineKeyboardMarkup | ForceReply | None = None,
    intent: str | None = None,
    action: str | None = None,
    ticket_id: int | None = None,
    reading: Reading | None = None,
) -> Message | None:
    """Send HTML to a user's chat, then record it in one transaction.

    ``reading`` (what the bot made of the question this answers) is recorded with it, and also
    when sending fails; a user who blocked the bot is marked inactive. A failed send is not
    tried again: it may have reached the user, and an answer sent twice is worse.
    """
    try:
        sent = await context.bot.send_message(chat_id, html, reply_markup=markup)
    except Forbidden:
        logger.info("Chat %s blocked the bot; marking the user inactive", chat_id)
        await _record(context, reading, blocked=user_id)
        return None
    except TelegramError:
        await _record(context, reading)
        raise

    async def log_sent(session: AsyncSession) -> None:
        await log_message(
            session,
            chat_id=chat_id,
            user_id=user_id,
            direction=MessageDirection.OUT,
            text=html,
            telegram_message_id=sent.message_id,
            intent=intent,
            action=action,
            ticket_id=ticket_id,
        )

    await _record(context, reading, log_sent)
    return sent


async def _record(
    context: AppContext,
    reading: Reading | None,
    log_sent: Callable[[AsyncSession], Awaitable[None]] | None = None,
    *,
    blocked: int | None = None,
) -> None:
    """One transaction: the question's reading, the message sent, a user who blocked the bot.

    The message has gone (or could not go) whatever happens here: a database outage costs
    the log its line, never the user their reply.
    """

    async def record(session: AsyncSession) -> None:
        if reading is not None:
            await store_reading(session, reading)
        if log_sent is not None:
            await log_sent(session)
        if blocked is not None:
            await mark_user_inactive(session, user_id=blocked)

    if reading is None and log_sent is None and blocked is None:
        return
    try:
        await in_transaction(context.services.sessions, record)
    except DatabaseUnavailable as error:
        logger.warning("A message to a user was not recorded: database unavailable (%s)", error)


FEEDBACK_GIVEN = "umpan:dinilai"
"""Data of the thank-you that replaces the feedback buttons once pressed (a button that does
nothing but say so again)."""


def answer_keyboard(
    knowledge: KnowledgeBase, intent: str, see_also: str | None = None, *, handoff: bool = True
) -> InlineKeyboardMarkup:
    """Feedback, another close topic ("Lihat juga") when there is one, and the hand-off
    (left out, ``handoff=False``, while the user's ticket already waits for a consultant)."""
    rows = [
        [
            InlineKeyboardButton("👍 Membantu", callback_data=f"umpan:ya:{intent}"),
            InlineKeyboardButton("👎 Kurang membantu", callback_data=f"umpan:tidak:{intent}"),
        ],
        *_see_also_row(knowledge, see_also),
    ]
    if handoff:
        rows.append([InlineKeyboardButton(CONSULTANT_BUTTON, callback_data="konsultan:tombol")])
    return InlineKeyboardMarkup(rows)


def feedback_given_keyboard(
    knowledge: KnowledgeBase, *, helpful: bool, see_also: str | None
) -> InlineKeyboardMarkup:
    """An answer's buttons once rated: a thank-you instead of the feedback buttons, the other
    topic still offered, and the hand-off kept when the answer did not help."""
    thanks = knowledge.message("feedback_given_button")
    rows = [
        [InlineKeyboardButton(thanks, callback_data=FEEDBACK_GIVEN)],
        *_see_also_row(knowledge, see_also),
    ]
    if not helpful:
        rows.append([InlineKeyboardButton(CONSULTANT_BUTTON, callback_data="konsultan:tombol")])
    return InlineKeyboardMarkup(rows)


def _see_also_row(knowledge: KnowledgeBase, intent: str | None) -> list[list[InlineKeyboardButton]]:
    if intent is None:
        return []
    label = f"{knowledge.message('see_also_button')} {knowledge.title(intent)}"
    return [[InlineKeyboardButton(label, callback_data=f"topik:{intent}")]]


def topic_menu(
    knowledge: KnowledgeBase, intents: tuple[str, ...] = TOPIC_INTENTS
) -> InlineKeyboardMarkup:
    """The topic menu: two topics per row."""
    buttons = [
        InlineKeyboardButton(knowledge.title(intent), callback_data=f"topik:{intent}")
        for intent in intents
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def clarify_keyboard(knowledge: KnowledgeBase, candidates: tuple[str, ...]) -> InlineKeyboardMarkup:
    """One button per candidate topic, then the consultant."""
    rows = [
        [InlineKeyboardButton(knowledge.title(intent), callback_data=f"topik:{intent}")]
        for intent in candidates
    ]
    rows.append([InlineKeyboardButton(CONSULTANT_BUTTON, callback_data="konsultan:klarifikasi")])
    return InlineKeyboardMarkup(rows)


def consultant_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(CONSULTANT_BUTTON, callback_data="konsultan:tombol")]]
    )


async def send_answer(
    context: AppContext,
    chat_id: int,
    user_id: int,
    intent: str,
    reading: Reading | None = None,
    *,
    see_also: str | None = None,
) -> None:
    """Send the knowledge-base answer for an intent, with feedback buttons under topics and
    ``see_also``, a close second topic, offered."""
    knowledge = context.services.knowledge
    markup = answer_keyboard(knowledge, intent, see_also) if intent in TOPIC_INTENTS else None
    await send_to_user(
        context,
        chat_id=chat_id,
        user_id=user_id,
        html=await answer_html(context, knowledge, intent),
        markup=markup,
        intent=intent,
        action=Action.ANSWER.value,
        reading=reading,
    )


async def answer_html(context: AppContext, knowledge: KnowledgeBase, intent: str) -> str:
    """The answer to ``intent`` as the user receives it: with the line saying no LKBH lawyer
    has approved it yet while none has (``knowledge.show_draft_notice``; the approvals as this
    worker last read them: at once after a decision here, within 30 s of one in another)."""
    services = context.services
    approved = (
        not services.settings.knowledge.show_draft_notice
        or not carries_draft_notice(intent)
        or is_approved(services.approvals, knowledge, intent)
    )
    return render_user_answer(knowledge, intent, approved=approved)

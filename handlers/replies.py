"""Send messages to users and log them; the keyboards users see."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

from bot.intents import TOPIC_INTENTS, Action
from bot.knowledge import KnowledgeBase, render_answer
from bot.services import AppContext
from bot.storage import mark_user_inactive
from bot.storage.messages import Reading, store_reading
from bot.storage.reply_log import SentReply

logger = logging.getLogger(__name__)

CONSULTANT_BUTTON = "Tanya konsultan LKBH"
SEND_ATTEMPTS = 3
SEND_BACKOFF_SECONDS = 0.5


async def send_to_user(
    context: AppContext,
    *,
    chat_id: int,
    user_id: int | None,
    html: str,
    markup: InlineKeyboardMarkup | None = None,
    intent: str | None = None,
    action: str | None = None,
    ticket_id: int | None = None,
    reading: Reading | None = None,
) -> Message | None:
    """Send HTML to a user's chat and log it; a user who blocked the bot is marked inactive.

    ``reading`` (what the bot made of the question this answers) is stored with the log, and
    also when sending fails. A sent message goes to the reply log, written in batches after
    the reply; a failure is stored at once.
    """
    try:
        sent = await _send_with_retry(context, chat_id, html, markup)
    except Forbidden:
        logger.info("Chat %s blocked the bot; marking the user inactive", chat_id)
        inactive = None if user_id is None else partial(mark_user_inactive, user_id=user_id)
        await _store(context, reading, inactive)
        return None
    except TelegramError:
        await _store(context, reading, None)
        raise
    reply = SentReply(
        chat_id=chat_id,
        user_id=user_id,
        text=html,
        telegram_message_id=sent.message_id,
        intent=intent,
        action=action,
        ticket_id=ticket_id,
    )
    context.services.reply_log.add(reply, reading)
    return sent


async def _store(
    context: AppContext,
    reading: Reading | None,
    work: Callable[[AsyncSession], Awaitable[object]] | None,
) -> None:
    """One transaction: the question's reading (if any) and what a failed send changed."""
    if reading is None and work is None:
        return
    async with context.services.sessions() as session:
        if reading is not None:
            await store_reading(session, reading)
        if work is not None:
            await work(session)
        await session.commit()


async def _send_with_retry(
    context: AppContext, chat_id: int, html: str, markup: InlineKeyboardMarkup | None
) -> Message:
    """Send, retrying network errors with backoff (429 is retried by the AIORateLimiter)."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await context.bot.send_message(chat_id, html, reply_markup=markup)
        except NetworkError as error:
            if isinstance(error, BadRequest) or attempt == SEND_ATTEMPTS:
                raise
            logger.warning("Sending to chat %s failed (%s); retrying", chat_id, error)
            await asyncio.sleep(SEND_BACKOFF_SECONDS * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def answer_keyboard(intent: str) -> InlineKeyboardMarkup:
    """Feedback and hand-off buttons under a topic answer."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("👍 Membantu", callback_data=f"umpan:ya:{intent}"),
                InlineKeyboardButton("👎 Kurang membantu", callback_data=f"umpan:tidak:{intent}"),
            ],
            [InlineKeyboardButton(CONSULTANT_BUTTON, callback_data="konsultan:tombol")],
        ]
    )


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
    context: AppContext, chat_id: int, user_id: int, intent: str, reading: Reading | None = None
) -> None:
    """Send the knowledge-base answer for an intent, with feedback buttons under topics."""
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

"""The gate every update passes before any conversation handler (group -1).

It stays silent in groups other than the staff group, registers a private chat's user, and
counts their message, edit or button press against the per-user limit — in one transaction,
shared by every worker (``bot/storage/rate_limits.py``); consultants are exempt. What is over
the limit stops here, and so does an edited command: it is never run a second time.
De-duplication happened before, in ``bot.intake``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message, Update, User
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.queue import clock
from bot.services import AppContext
from bot.settings import Settings
from bot.storage import MessageDirection, log_message
from bot.storage.rate_limits import count_user_message
from bot.storage.transaction import in_transaction
from bot.storage.users import register_user
from handlers.inbound import log_inbound
from handlers.replies import send_to_user

logger = logging.getLogger(__name__)

RATE_LIMITED_ACTION = "rate_limited"
_MEDIA_KINDS = (
    "photo",
    "document",
    "sticker",
    "voice",
    "video",
    "video_note",
    "audio",
    "animation",
    "location",
    "contact",
    "poll",
    "venue",
    "dice",
)


def kind_of(message: Message) -> str:
    """``text``, the kind of media (``photo``, ``voice`` ...), or ``other``."""
    if message.text is not None:
        return "text"
    return next((kind for kind in _MEDIA_KINDS if getattr(message, kind, None)), "other")


def _make_gate(settings: Settings) -> Callable[[Update, AppContext], Coroutine[Any, Any, None]]:
    limit = settings.abuse.messages_per_minute
    consultants = settings.staff.team_ids

    async def admit(update: Update, context: AppContext) -> None:
        """Ignore foreign groups; register the private chat's user; count their message, edit
        or button press; refuse what is over the limit and edited commands."""
        user, chat = update.effective_user, update.effective_chat
        private = chat is not None and chat.type == ChatType.PRIVATE
        if chat is not None and not private and chat.id != settings.staff.chat_id:
            logger.debug("Update %s from chat %s ignored", update.update_id, chat.id)
            raise ApplicationHandlerStop
        if user is None:
            return
        message = update.message or update.edited_message
        counted = user.id not in consultants and (
            update.callback_query is not None or (private and message is not None)
        )

        async def register(session: AsyncSession) -> int:
            if private and chat is not None:
                await register_user(
                    session,
                    user_id=user.id,
                    chat_id=chat.id,
                    first_name=user.first_name,
                    username=user.username,
                )
            if not counted:
                return 0
            sent = await count_user_message(session, user_id=user.id, now=clock.now())
            if sent > limit and message is not None:
                await _log_refused(session, update, message, user)
            return sent

        if private or counted:
            # DatabaseUnavailable goes to the error handler, which leaves the update for later.
            sent = await in_transaction(context.services.sessions, register)
            if sent > limit:
                await _refuse_over_limit(
                    update, context, user, private=private, first=sent == limit + 1
                )
                raise ApplicationHandlerStop
        if update.edited_message is not None and is_command(update.edited_message):
            await _refuse_edited_command(
                context, update.edited_message, private=private, consultant=user.id in consultants
            )
            raise ApplicationHandlerStop

    return admit


def is_command(message: Message) -> bool:
    """Whether the message is a bot command (``/jawab 12 ...``), by its text as Telegram sees it."""
    return bool(message.text and message.text.startswith("/"))


async def _refuse_over_limit(
    update: Update, context: AppContext, user: User, *, private: bool, first: bool
) -> None:
    """Answer a press over the limit (its spinner stops), and say once a minute why nothing
    more happens."""
    logger.info("User %s is over the rate limit; update logged, not processed", user.id)
    knowledge = context.services.knowledge
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(knowledge.message("rate_limited_button"))
        except TelegramError as error:  # a query too old to answer
            logger.info("Press over the limit not answered: %s", error)
    if first and private and update.effective_chat is not None:
        await send_to_user(
            context,
            chat_id=update.effective_chat.id,
            user_id=user.id,
            html=knowledge.message("rate_limited"),
            action=RATE_LIMITED_ACTION,
        )


async def _refuse_edited_command(
    context: AppContext, message: Message, *, private: bool, consultant: bool
) -> None:
    """An edited command is never run again: an edited /jawab must not answer twice.

    In a private chat the edit is logged and the user told. In the staff group only a
    consultant is told, in one reply to their edit: they may think their corrected /jawab went
    out, and one reply per edit of a registered consultant is no flood. Anyone else's edited
    command there is ignored without a word, so nobody can make the bot talk in the group.
    """
    text = context.services.knowledge.message("edited_command_ignored")
    logger.info("Edited command %s not run again", message.message_id)
    if private:
        user_id = message.from_user.id if message.from_user else None
        await log_inbound(context, message, message.text, "edited")
        await send_to_user(context, chat_id=message.chat_id, user_id=user_id, html=text)
    elif consultant:
        await message.reply_text(text)


async def _log_refused(session: AsyncSession, update: Update, message: Message, user: User) -> None:
    await log_message(
        session,
        chat_id=message.chat_id,
        user_id=user.id,
        direction=MessageDirection.IN,
        text=message.text or message.caption,
        kind="edited" if update.edited_message is not None else kind_of(message),
        telegram_message_id=message.message_id,
        action=RATE_LIMITED_ACTION,
    )


def build_handlers(settings: Settings) -> list[BaseHandler]:
    return [TypeHandler(Update, _make_gate(settings))]

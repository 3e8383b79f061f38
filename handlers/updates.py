"""The gate every update passes before any conversation handler (group -1).

It stays silent in groups other than the staff group, registers a private chat's user, and
counts their message against the per-user limit — in one transaction, shared by every worker
(``bot/storage/rate_limits.py``). De-duplication happened before, in ``bot.intake``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message, Update, User
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.queue import clock
from bot.services import AppContext
from bot.settings import Settings
from bot.storage import MessageDirection, log_message
from bot.storage.database import DatabaseUnavailable
from bot.storage.rate_limits import count_user_message
from bot.storage.transaction import in_transaction
from bot.storage.users import register_user
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
    exempt = frozenset(settings.staff.consultant_ids)

    async def admit(update: Update, context: AppContext) -> None:
        """Ignore foreign groups; register the private chat's user and count their message."""
        user, chat, message = update.effective_user, update.effective_chat, update.message
        if chat is None or chat.type != ChatType.PRIVATE:
            if chat is not None and chat.id != settings.staff.chat_id:
                logger.debug("Update %s from chat %s ignored", update.update_id, chat.id)
                raise ApplicationHandlerStop
            return
        if user is None:
            return
        counted = message is not None and user.id not in exempt

        async def register(session: AsyncSession) -> int:
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
                await _log_refused(session, message, user)
            return sent

        try:
            sent = await in_transaction(context.services.sessions, register)
        except DatabaseUnavailable:
            logger.exception("Update %s not processed: database unavailable", update.update_id)
            await context.bot.send_message(
                chat.id, context.services.knowledge.message("temporary_error")
            )
            raise ApplicationHandlerStop from None
        if sent > limit:
            logger.info("User %s is over the rate limit; message logged, not processed", user.id)
            if sent == limit + 1:  # the first message over the limit this minute: say so once
                await send_to_user(
                    context,
                    chat_id=chat.id,
                    user_id=user.id,
                    html=context.services.knowledge.message("rate_limited"),
                    action=RATE_LIMITED_ACTION,
                )
            raise ApplicationHandlerStop

    return admit


async def _log_refused(session: AsyncSession, message: Message, user: User) -> None:
    await log_message(
        session,
        chat_id=message.chat_id,
        user_id=user.id,
        direction=MessageDirection.IN,
        text=message.text or message.caption,
        kind=kind_of(message),
        telegram_message_id=message.message_id,
        action=RATE_LIMITED_ACTION,
    )


def build_handlers(settings: Settings) -> list[BaseHandler]:
    return [TypeHandler(Update, _make_gate(settings))]

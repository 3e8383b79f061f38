"""Checks that run before any conversation handler, once per update."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.services import AppContext
from bot.settings import Settings
from bot.storage import get_or_create_user, mark_update_processed

logger = logging.getLogger(__name__)


async def register_update(update: Update, context: AppContext) -> None:
    """Process each update once (webhook retries) and make sure a private chat's user exists."""
    user, chat = update.effective_user, update.effective_chat
    async with context.services.sessions() as session:
        first_time = await mark_update_processed(session, update_id=update.update_id)
        if first_time and user is not None and chat is not None and chat.type == ChatType.PRIVATE:
            await get_or_create_user(
                session,
                user_id=user.id,
                chat_id=chat.id,
                first_name=user.first_name,
                username=user.username,
            )
        await session.commit()
    if not first_time:
        logger.info("Update %s was already processed; ignored", update.update_id)
        raise ApplicationHandlerStop


def build_handlers(settings: Settings) -> list[BaseHandler]:  # type: ignore[type-arg]
    return [TypeHandler(Update, register_update)]

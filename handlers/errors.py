"""The one error handler: log first, then tell the user briefly and report to the staff chat."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.error import TelegramError

from bot.services import AppContext

logger = logging.getLogger(__name__)


async def report_error(update: object, context: AppContext) -> None:
    """Log an unhandled error; apologise to the user; post a short note to the staff chat."""
    logger.error("Unhandled error while handling an update", exc_info=context.error)
    services = getattr(context.bot_data, "services", None)
    if services is None:
        return
    try:
        if (
            isinstance(update, Update)
            and update.effective_chat
            and update.effective_chat.type == "private"
        ):
            await context.bot.send_message(
                update.effective_chat.id,
                services.knowledge.message("temporary_error"),
            )
        staff_chat = services.settings.staff.chat_id
        if staff_chat is not None:
            name = type(context.error).__name__ if context.error else "Error"
            await context.bot.send_message(
                staff_chat,
                f"⚠️ Galat bot: <code>{html.escape(name)}</code> (detail di log server).",
            )
    except TelegramError:
        logger.exception("Could not report the error")

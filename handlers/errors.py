"""The one error handler: log first, then tell the user briefly and report to the staff chat."""

from __future__ import annotations

import html
import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.error import TelegramError

from bot.services import AppContext
from bot.storage.database import DatabaseUnavailable
from bot.storage.outbox import NoticeKind
from bot.storage.transaction import in_transaction
from handlers.staff_card import queue_staff_notice

logger = logging.getLogger(__name__)


async def report_error(update: object, context: AppContext) -> None:
    """Log an unhandled error; apologise to the user; queue a short note for the staff chat
    (notes about the same error waiting together become one, with a count)."""
    logger.error("Unhandled error while handling an update", exc_info=context.error)
    services = getattr(context.bot_data, "services", None)
    if services is None:
        return
    if (
        isinstance(update, Update)
        and update.effective_chat
        and update.effective_chat.type == "private"
    ):
        try:
            await context.bot.send_message(
                update.effective_chat.id, services.knowledge.message("temporary_error")
            )
        except TelegramError:
            logger.exception("Could not apologise to the user")
    name = type(context.error).__name__ if context.error else "Error"
    note = f"⚠️ Galat bot: <code>{html.escape(name)}</code> (detail di log server)."
    try:
        await in_transaction(
            services.sessions,
            lambda session: queue_staff_notice(
                context,
                session,
                NoticeKind.ERROR_NOTE,
                {"html": note},
                coalesce_key=f"galat:{name}"[:64],
            ),
        )
    except (DatabaseUnavailable, SQLAlchemyError):
        logger.exception("Could not queue the error note for the staff")

"""The one error handler: log first, then tell the user briefly and report to the staff chat.

Both are bounded, in the database that every worker shares: a user hears of a technical problem
at most once in five minutes (``bot.storage.rate_limits.apology_due``), and the staff chat gets
at most one note per kind of error every few minutes, with a count
(``bot.storage.error_notes``). Thirty presses of a broken button are one apology and one note.
"""

from __future__ import annotations

import html
import logging
from functools import partial

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.intake import leave_unhandled
from bot.services import AppContext
from bot.storage import utcnow
from bot.storage.database import DatabaseUnavailable
from bot.storage.error_notes import NOTE_WINDOW, count_error
from bot.storage.outbox import NoticeKind
from bot.storage.rate_limits import apology_due
from bot.storage.transaction import in_transaction
from handlers.staff_card import queue_staff_notice

logger = logging.getLogger(__name__)

HELD_UPDATES_REMEMBERED = 10_000
"""Updates whose user was told their message waits for the database (Telegram sends it again
and again meanwhile); forgotten all at once past this many."""


def error_note(name: str, occurrences: int) -> str:
    """The staff chat's note about an error of type ``name`` that happened ``occurrences`` times."""
    note = f"⚠️ Galat bot: <code>{html.escape(name)}</code> (detail di log server)."
    if occurrences > 1:
        minutes = int(NOTE_WINDOW.total_seconds() // 60)
        note += (
            f"\nTerjadi {occurrences} kali sejak catatan terakhir tentang galat ini "
            f"(paling banyak satu catatan per galat setiap {minutes} menit)."
        )
    return note


async def report_error(update: object, context: AppContext) -> None:
    """Log an unhandled error; apologise to the user (once in a while); count the error for
    the staff chat, whose note about it is queued at most once every few minutes. An update
    the database was unavailable for is left to be handled again instead."""
    services = getattr(context.bot_data, "services", None)
    if isinstance(context.error, DatabaseUnavailable) and isinstance(update, Update):
        await hold_for_the_database(update, context)
        raise ApplicationHandlerStop  # nothing more of this update now: it comes back
    logger.error("Unhandled error while handling an update", exc_info=context.error)
    if services is None:
        return
    chat = update.effective_chat if isinstance(update, Update) else None
    user = update.effective_user if isinstance(update, Update) else None
    private_user = user.id if user and chat and chat.type == ChatType.PRIVATE else None
    name = type(context.error).__name__ if context.error else "Error"
    key = f"galat:{name}"[:64]

    async def record(session: AsyncSession) -> bool:
        """Count the error (queueing a note when one is due); whether to apologise."""
        now = utcnow()
        payload = await count_error(session, key=key, render=partial(error_note, name), now=now)
        if payload is not None:
            await queue_staff_notice(
                context, session, NoticeKind.ERROR_NOTE, payload, coalesce_key=key
            )
        return private_user is not None and await apology_due(
            session, user_id=private_user, now=now
        )

    try:
        apologise = await in_transaction(services.sessions, record)
    except (DatabaseUnavailable, SQLAlchemyError):
        logger.exception("Could not count the error for the staff")
        apologise = private_user is not None  # nothing to count with: tell the user anyway
    if apologise and chat is not None:
        try:
            await context.bot.send_message(chat.id, services.knowledge.message("temporary_error"))
        except TelegramError:
            logger.exception("Could not apologise to the user")


async def hold_for_the_database(update: Update, context: AppContext) -> None:
    """Leave the update to be handled once the database is back (``bot.intake``), and tell a
    user in a private chat, once per update in this worker, that no resending is needed."""
    logger.warning("Update %s waits for the database: %s", update.update_id, context.error)
    leave_unhandled()
    told = context.services.updates_held_for_the_database
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE or update.update_id in told:
        return
    if len(told) >= HELD_UPDATES_REMEMBERED:
        told.clear()
    told.add(update.update_id)
    try:
        await context.bot.send_message(chat.id, context.services.knowledge.message("held_update"))
    except TelegramError:
        logger.exception("Could not tell the user their message waits for the database")

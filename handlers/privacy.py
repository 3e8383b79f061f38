"""Privacy: /nama (show my name to consultants or not), /hapus_data and the retention job."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, JobQueue, filters

from bot.services import AppContext
from bot.settings import Settings
from bot.storage import (
    delete_messages_older_than,
    delete_processed_updates_older_than,
    delete_user_data,
    set_share_name,
    utcnow,
)
from handlers.staff_actions import tell_staff_data_deleted

logger = logging.getLogger(__name__)

RETENTION_JOB = "retensi_data"
RETENTION_FIRST_RUN_SECONDS = 60.0
# Telegram retries an update for at most a day; older update ids need not be remembered.
PROCESSED_UPDATES_KEPT = timedelta(days=2)


def confirm_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Ya, hapus", callback_data="hapus:ya"),
                InlineKeyboardButton("Batal", callback_data="hapus:batal"),
            ]
        ]
    )


def share_name_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Tampilkan nama saya", callback_data="nama:tampilkan")],
            [InlineKeyboardButton("Tetap nama samaran", callback_data="nama:samaran")],
        ]
    )


async def ask_share_name(update: Update, context: AppContext) -> None:
    """Ask whether consultants may see the user's name instead of the pseudonym."""
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(
        chat.id,
        context.services.knowledge.message("share_name_ask"),
        reply_markup=share_name_keyboard(),
    )


async def choose_share_name(update: Update, context: AppContext) -> None:
    """Record the user's choice; cards posted from now on follow it."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    share = query.data == "nama:tampilkan"
    async with context.services.sessions() as session:
        await set_share_name(session, user_id=query.from_user.id, share_name=share)
        await session.commit()
    key = "share_name_on" if share else "share_name_off"
    await query.edit_message_text(context.services.knowledge.message(key))


async def ask_deletion(update: Update, context: AppContext) -> None:
    """Ask the user to confirm deleting their data (not logged: it would be deleted anyway)."""
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(
        chat.id,
        context.services.knowledge.message("delete_confirm"),
        reply_markup=confirm_keyboard(),
    )


async def confirm_deletion(update: Update, context: AppContext) -> None:
    """Delete the user's data on "Ya, hapus"; tell the staff when an open ticket was closed."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    knowledge = context.services.knowledge
    if query.data != "hapus:ya":
        await query.edit_message_text(knowledge.message("delete_cancelled"))
        return
    async with context.services.sessions() as session:
        summary = await delete_user_data(session, user_id=query.from_user.id)
        await session.commit()
    logger.info("User data deleted on request (%s messages)", summary.messages_deleted)
    await query.edit_message_text(
        knowledge.message("delete_done", messages_deleted=summary.messages_deleted),
    )
    if summary.closed_ticket is not None:
        await tell_staff_data_deleted(context, summary.closed_ticket.id)


@dataclass(frozen=True, slots=True)
class RetentionResult:
    messages_deleted: int
    updates_forgotten: int


async def purge_expired_data(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, *, now: datetime | None = None
) -> RetentionResult:
    """Delete messages older than the retention period and forget old update ids."""
    now = now or utcnow()
    async with sessions() as session:
        messages = await delete_messages_older_than(
            session, cutoff=now - timedelta(days=settings.privacy.retention_days)
        )
        updates = await delete_processed_updates_older_than(
            session, cutoff=now - PROCESSED_UPDATES_KEPT
        )
        await session.commit()
    return RetentionResult(messages, updates)


async def run_retention(context: AppContext) -> None:
    """Scheduled job: apply the retention period."""
    services = context.services
    result = await purge_expired_data(services.sessions, services.settings)
    logger.info(
        "Retention: %s messages deleted, %s processed update ids forgotten",
        result.messages_deleted,
        result.updates_forgotten,
    )


def build_handlers(settings: Settings) -> list[BaseHandler]:
    return [
        CommandHandler("nama", ask_share_name, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(choose_share_name, pattern=r"^nama:(tampilkan|samaran)$"),
        CommandHandler("hapus_data", ask_deletion, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(confirm_deletion, pattern=r"^hapus:(ya|batal)$"),
    ]


def schedule_jobs(job_queue: JobQueue, settings: Settings) -> None:
    """Retention: first run shortly after start, then every ``retention_check_hours``."""
    job_queue.run_repeating(
        run_retention,
        interval=timedelta(hours=settings.privacy.retention_check_hours),
        first=RETENTION_FIRST_RUN_SECONDS,
        name=RETENTION_JOB,
    )

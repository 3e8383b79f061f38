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
from bot.storage.outbox import forget_settled_notices
from bot.storage.tickets import clear_ticket_texts_closed_before
from handlers.staff_actions import queue_staff_erasure

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
    """Delete the user's data on "Ya, hapus" and, in the same transaction, queue the erasure of
    their tickets' traces in the staff chat; tell the user what the bot removes there and what
    Telegram may not let it remove."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    knowledge = context.services.knowledge
    if query.data != "hapus:ya":
        await query.edit_message_text(knowledge.message("delete_cancelled"))
        return
    async with context.services.sessions() as session:
        summary = await delete_user_data(session, user_id=query.from_user.id)
        erasing = await queue_staff_erasure(context, session, summary)
        await session.commit()
    logger.info("User data deleted on request (%s messages)", summary.messages_deleted)
    done = knowledge.message("delete_done", messages_deleted=summary.messages_deleted)
    if erasing:
        done += "\n\n" + knowledge.message("delete_done_staff")
    await query.edit_message_text(done)


@dataclass(frozen=True, slots=True)
class RetentionResult:
    messages_deleted: int
    tickets_cleared: int
    notices_forgotten: int
    updates_forgotten: int


async def purge_expired_data(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, *, now: datetime | None = None
) -> RetentionResult:
    """Apply the retention period: delete the messages written before it, clear the question
    and rating comment of tickets closed before it, delete the staff outbox's notices settled
    before it; forget old update ids. Ticket status, topic, times and rating stay."""
    now = now or utcnow()
    cutoff = now - timedelta(days=settings.privacy.retention_days)
    async with sessions() as session:
        messages = await delete_messages_older_than(session, cutoff=cutoff)
        tickets = await clear_ticket_texts_closed_before(session, cutoff=cutoff)
        notices = await forget_settled_notices(session, before=cutoff)
        updates = await delete_processed_updates_older_than(
            session, cutoff=now - PROCESSED_UPDATES_KEPT
        )
        await session.commit()
    return RetentionResult(messages, tickets, notices, updates)


async def run_retention(context: AppContext) -> None:
    """Scheduled job: apply the retention period."""
    services = context.services
    result = await purge_expired_data(services.sessions, services.settings)
    logger.info(
        "Retention: %s messages deleted, texts of %s tickets cleared, %s staff notices and "
        "%s processed update ids forgotten",
        result.messages_deleted,
        result.tickets_cleared,
        result.notices_forgotten,
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

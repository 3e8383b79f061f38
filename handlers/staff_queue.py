"""The LKBH consultants' side of a ticket: the staff card and relaying the user's messages."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram import Message as TelegramMessage
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, JobQueue

from bot.services import AppContext
from bot.settings import Settings
from bot.storage import (
    MessageDirection,
    Ticket,
    get_user,
    log_message,
    set_ticket_staff_message,
    touch_ticket_user_activity,
)

logger = logging.getLogger(__name__)


def ticket_card_keyboard(ticket_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Ambil", callback_data=f"tiket:ambil:{ticket_id}"),
                InlineKeyboardButton("Lepas", callback_data=f"tiket:lepas:{ticket_id}"),
                InlineKeyboardButton("Tutup", callback_data=f"tiket:tutup:{ticket_id}"),
            ]
        ]
    )


async def announce_ticket(context: AppContext, ticket: Ticket) -> None:
    """Post a new ticket's card to the staff group, when one is configured."""
    staff_chat = context.services.settings.staff.chat_id
    if staff_chat is None:
        logger.info("Ticket %s recorded; no STAFF_CHAT_ID to post it to", ticket.id)
        return
    async with context.services.sessions() as session:
        user = await get_user(session, user_id=ticket.user_id)
    who = user.pseudonym if user else "?"
    text = (
        f"🆕 <b>Tiket {ticket.id}</b> · {html.escape(ticket.reason)} · "
        f"topik: {html.escape(ticket.topic or '-')}\n"
        f"Pengguna: {html.escape(who)}\n\n{html.escape(ticket.question or '(tanpa teks)')}"
    )
    card = await context.bot.send_message(
        staff_chat, text, parse_mode=ParseMode.HTML, reply_markup=ticket_card_keyboard(ticket.id)
    )
    async with context.services.sessions() as session:
        await set_ticket_staff_message(
            session, ticket_id=ticket.id, staff_message_id=card.message_id
        )
        await session.commit()


async def relay_user_message(
    context: AppContext, ticket: Ticket, message: TelegramMessage
) -> None:
    """Copy a user's message into the ticket's staff conversation; the bot does not answer."""
    staff_chat = context.services.settings.staff.chat_id
    staff_message_id = None
    if staff_chat is not None:
        copied = await context.bot.copy_message(
            staff_chat, from_chat_id=message.chat_id, message_id=message.message_id,
            reply_to_message_id=ticket.staff_message_id,
        )
        staff_message_id = copied.message_id
    async with context.services.sessions() as session:
        await touch_ticket_user_activity(session, ticket_id=ticket.id)
        if staff_message_id is not None:
            await log_message(
                session, chat_id=staff_chat or message.chat_id, user_id=ticket.user_id,
                direction=MessageDirection.OUT, text=message.text or message.caption,
                telegram_message_id=message.message_id, staff_message_id=staff_message_id,
                ticket_id=ticket.id,
            )
        await session.commit()


def build_handlers(settings: Settings) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Staff-queue handlers (claim, reply, close, commands)."""
    return []


def schedule_jobs(job_queue: JobQueue, settings: Settings) -> None:  # type: ignore[type-arg]
    """Reminders and auto-close."""

"""The ticket's presence in the staff group: its forum topic, its card and notes about it."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.error import BadRequest, TelegramError

from bot.queue import clock
from bot.queue.formatting import ticket_card, user_label
from bot.queue.office_hours import OfficeHours
from bot.services import AppContext
from bot.storage import Ticket, TicketStatus, get_ticket, get_user, set_ticket_staff_message
from bot.storage.queue_extra import recent_chat_messages

logger = logging.getLogger(__name__)


def ticket_card_keyboard(ticket_id: int) -> InlineKeyboardMarkup:
    """[Ambil] [Lepas] [Tutup] under a ticket's card."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Ambil", callback_data=f"tiket:ambil:{ticket_id}"),
                InlineKeyboardButton("Lepas", callback_data=f"tiket:lepas:{ticket_id}"),
                InlineKeyboardButton("Tutup", callback_data=f"tiket:tutup:{ticket_id}"),
            ]
        ]
    )


def topic_label(context: AppContext, topic: str | None) -> str:
    if not topic:
        return "-"
    try:
        return context.services.knowledge.title(topic)
    except KeyError:
        return topic


async def render_card(context: AppContext, ticket: Ticket) -> str:
    """The card's HTML as the ticket stands now, with the conversation's last messages."""
    services = context.services
    async with services.sessions() as session:
        user = await get_user(session, user_id=ticket.user_id)
        limit = services.settings.queue.card_history_messages
        history = (
            await recent_chat_messages(session, chat_id=user.chat_id, limit=limit) if user else []
        )
    return ticket_card(
        ticket,
        who=user_label(user),
        topic=topic_label(context, ticket.topic),
        history=history,
        now=clock.now(),
        zone=OfficeHours.from_settings(services.settings.queue).zone,
    )


async def staff_is_forum(context: AppContext, chat_id: int) -> bool:
    """Whether the staff group is a forum; asked once per process and cached."""
    cache = context.application.chat_data[chat_id]
    if "is_forum" not in cache:
        try:
            cache["is_forum"] = bool((await context.bot.get_chat(chat_id)).is_forum)
        except TelegramError:
            logger.warning("Could not read the staff chat %s; posting without topics", chat_id)
            return False
    return bool(cache["is_forum"])


async def post_card(context: AppContext, ticket: Ticket, staff_chat: int) -> None:
    """Open the ticket's forum topic (in a forum), post its card and remember both."""
    thread_id = None
    if await staff_is_forum(context, staff_chat):
        name = f"Tiket {ticket.id} · {topic_label(context, ticket.topic)}"[:128]
        topic = await context.bot.create_forum_topic(staff_chat, name)
        thread_id = topic.message_thread_id
    card = await context.bot.send_message(
        staff_chat,
        await render_card(context, ticket),
        reply_markup=ticket_card_keyboard(ticket.id),
        message_thread_id=thread_id,
    )
    async with context.services.sessions() as session:
        await set_ticket_staff_message(
            session,
            ticket_id=ticket.id,
            staff_message_id=card.message_id,
            staff_thread_id=thread_id,
        )
        await session.commit()


async def refresh_card(context: AppContext, ticket_id: int) -> Ticket | None:
    """Edit the ticket's card to show its status and owner (no buttons once closed)."""
    staff_chat = context.services.settings.staff.chat_id
    async with context.services.sessions() as session:
        ticket = await get_ticket(session, ticket_id=ticket_id)
    if ticket is None or staff_chat is None or ticket.staff_message_id is None:
        return ticket
    markup = None if ticket.status == TicketStatus.SELESAI else ticket_card_keyboard(ticket.id)
    try:
        await context.bot.edit_message_text(
            await render_card(context, ticket),
            chat_id=staff_chat,
            message_id=ticket.staff_message_id,
            reply_markup=markup,
        )
    except BadRequest as error:
        if "not modified" not in error.message:
            logger.warning("Could not update the card of ticket %s: %s", ticket.id, error.message)
    return ticket


async def post_to_ticket(context: AppContext, ticket: Ticket, html: str) -> None:
    """Post a note about the ticket in the staff group, under its card or in its topic."""
    staff_chat = context.services.settings.staff.chat_id
    if staff_chat is None:
        return
    reply = (
        ReplyParameters(ticket.staff_message_id, allow_sending_without_reply=True)
        if ticket.staff_message_id
        else None
    )
    await context.bot.send_message(
        staff_chat,
        html,
        message_thread_id=ticket.staff_thread_id,
        reply_parameters=reply,
    )

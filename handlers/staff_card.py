"""The ticket's presence in the staff group: its card (in its own forum topic), notes about it
and the ASN's messages relayed under it — all posted from the staff outbox.

Handlers queue a notice (``queue_staff_notice``) in their transaction; the outbox's drainer
(``bot.staff_outbox``) hands it to ``post_notices``, which sends it and records what the staff
chat gave back (the card's message id, its topic, a relayed copy's id, a note's id). After a
/hapus_data, an ``erase`` notice removes all of it again (``handlers.staff_erasure``).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.error import BadRequest, Forbidden

from bot.queue import clock
from bot.queue.formatting import CARD_NOTES, forum_topic_name, ticket_card
from bot.queue.office_hours import OfficeHours
from bot.queue.topics import topic_title
from bot.services import AppContext
from bot.storage import (
    Ticket,
    TicketStatus,
    get_ticket,
    get_user,
    set_message_staff_copy,
    set_ticket_staff_message,
)
from bot.storage.models import StaffNotice
from bot.storage.outbox import (
    NoticeKind,
    enqueue_notice,
    record_notice_message,
    remember_ticket_topic,
)
from bot.storage.queue_extra import recent_chat_messages
from bot.storage.ticket_facts import ticket_facts
from handlers.coordinator_reports import send_weekly_digest
from handlers.nlu_marks import closed_ticket_keyboard
from handlers.staff_erasure import erase_tickets

logger = logging.getLogger(__name__)

NEW_TICKETS = "tiket_baru"
"""The coalesce key of new tickets' cards: many waiting at once become one digest."""


async def queue_staff_notice(
    context: AppContext,
    session: AsyncSession,
    kind: NoticeKind,
    payload: dict[str, Any] | None = None,
    *,
    ticket_id: int | None = None,
    coalesce_key: str | None = None,
) -> None:
    """Queue a notice for the staff chat in the caller's transaction (none without one)."""
    if context.services.settings.staff.chat_id is not None:
        await enqueue_notice(session, kind, payload, ticket_id=ticket_id, coalesce_key=coalesce_key)


async def queue_card_update(context: AppContext, session: AsyncSession, ticket_id: int) -> None:
    """Queue showing the ticket's card as it stands at sending time (one per ticket waits)."""
    await queue_staff_notice(
        context,
        session,
        NoticeKind.CARD_UPDATE,
        ticket_id=ticket_id,
        coalesce_key=f"kartu:{ticket_id}",
    )


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
    """The topic's title as consultants read it (``bot.queue.topics.topic_title``)."""
    return topic_title(context.services.knowledge, topic)


async def render_card(context: AppContext, ticket: Ticket) -> str:
    """The card's HTML as the ticket stands now: what helps decide on it, its newest internal
    notes and the conversation's last messages."""
    services = context.services
    async with services.sessions() as session:
        facts = await ticket_facts(session, ticket=ticket, newest_notes=CARD_NOTES)
        limit = services.settings.queue.card_history_messages
        chat_id = facts.user.chat_id if facts.user else None
        history = (
            await recent_chat_messages(session, chat_id=chat_id, limit=limit)
            if chat_id is not None
            else []
        )
    return ticket_card(
        ticket,
        facts,
        topic_of=lambda topic: topic_label(context, topic),
        history=history,
        now=clock.now(),
        zone=OfficeHours.from_settings(services.settings.queue).zone,
    )


async def post_notices(context: AppContext, notices: Sequence[StaffNotice]) -> None:
    """Post one notice, or several of one kind the outbox merged, to the staff chat."""
    kind, first = NoticeKind(notices[0].kind), notices[0]
    if kind is NoticeKind.WEEKLY_DIGEST:  # to the coordinators, not the staff chat
        await send_weekly_digest(context, first)
        return
    staff_chat = context.services.settings.staff.chat_id
    if staff_chat is None:
        return
    if kind is NoticeKind.NEW_TICKET and len(notices) > 1:
        await post_digest(context, staff_chat, [n.ticket_id for n in notices if n.ticket_id])
    elif kind in (NoticeKind.NEW_TICKET, NoticeKind.CARD_UPDATE) and first.ticket_id:
        await show_card(context, staff_chat, first.ticket_id, new=kind is NoticeKind.NEW_TICKET)
    elif kind is NoticeKind.RELAY and first.ticket_id:
        await post_relay(context, staff_chat, first)
    elif kind is NoticeKind.NOTE:
        await post_ticket_note(context, staff_chat, notices)
    elif kind is NoticeKind.PRIVATE_REMINDER:
        await post_private_reminder(context, staff_chat, notices)
    elif kind is NoticeKind.ERROR_NOTE:
        total = sum(int(notice.content.get("occurrences", 1)) for notice in notices)
        count = f"\n(bersama catatan serupa: {total} kali seluruhnya)" if len(notices) > 1 else ""
        await post_note(context, staff_chat, first.content["html"] + count, None)
    elif kind is NoticeKind.ERASE:
        await erase_tickets(context, staff_chat, first)


async def show_card(context: AppContext, staff_chat: int, ticket_id: int, *, new: bool) -> None:
    """Post the ticket's card if it has none (unless closed by now), else edit it to show its
    status and owner (once closed, only [🤖 Asisten sebenarnya bisa menjawab] when the
    assistant read its question) and bring its forum topic in line; a new ticket's card is
    posted once."""
    async with context.services.sessions() as session:
        ticket = await get_ticket(session, ticket_id=ticket_id)
        after_closing = await closed_ticket_keyboard(session, ticket)
    if ticket is None:
        return
    closed = ticket.status == TicketStatus.SELESAI
    if ticket.staff_message_id is None:
        if not closed:
            await post_card(context, ticket, staff_chat)
        return
    if new:
        return
    try:
        await context.bot.edit_message_text(
            await render_card(context, ticket),
            chat_id=staff_chat,
            message_id=ticket.staff_message_id,
            reply_markup=after_closing if closed else ticket_card_keyboard(ticket.id),
        )
    except BadRequest as error:
        if "not modified" not in error.message:
            raise
    if ticket.staff_thread_id is not None:
        await follow_ticket_in_topic(context, staff_chat, ticket, ticket.staff_thread_id)


async def follow_ticket_in_topic(
    context: AppContext, staff_chat: int, ticket: Ticket, thread_id: int
) -> None:
    """Name the ticket's forum topic after its status, close it with the ticket and reopen it
    if the ticket reopens. Telegram refuses a change that changes nothing, so the topic is
    renamed only when its name changes."""
    bot = context.bot
    rename = bot.edit_forum_topic(staff_chat, thread_id, name=topic_name(context, ticket))
    await change_topic(ticket, rename)
    if not ticket.is_open:
        await change_topic(ticket, bot.close_forum_topic(staff_chat, thread_id))
    elif ticket.closed_at is not None:  # closed once, open again
        await change_topic(ticket, bot.reopen_forum_topic(staff_chat, thread_id))


async def change_topic(ticket: Ticket, change: Awaitable[bool]) -> None:
    """Make one change to the ticket's forum topic; one that changes nothing is done, and one
    refused (no right to manage topics, the topic deleted) is logged and left out."""
    try:
        await change
    except (BadRequest, Forbidden) as refusal:
        if "not modified" not in refusal.message.lower().replace("_", " "):
            logger.warning("Forum topic of ticket %s left as it is: %s", ticket.id, refusal)


def topic_name(context: AppContext, ticket: Ticket) -> str:
    """The ticket's forum topic name as its status stands."""
    return forum_topic_name(ticket, topic_label(context, ticket.topic))


async def staff_is_forum(context: AppContext, chat_id: int) -> bool:
    """Whether the staff group is a forum; asked once per process and cached."""
    cache = context.application.chat_data[chat_id]
    if "is_forum" not in cache:
        cache["is_forum"] = bool((await context.bot.get_chat(chat_id)).is_forum)
    return bool(cache["is_forum"])


async def post_card(context: AppContext, ticket: Ticket, staff_chat: int) -> None:
    """Open the ticket's forum topic (in a forum), post its card and remember both."""
    sessions = context.services.sessions
    thread_id = ticket.staff_thread_id
    if thread_id is None and await staff_is_forum(context, staff_chat):
        name = topic_name(context, ticket)
        thread_id = (await context.bot.create_forum_topic(staff_chat, name)).message_thread_id
        async with sessions() as session:
            await remember_ticket_topic(session, ticket_id=ticket.id, thread_id=thread_id)
            await session.commit()
    card = await context.bot.send_message(
        staff_chat,
        await render_card(context, ticket),
        reply_markup=ticket_card_keyboard(ticket.id),
        message_thread_id=thread_id,
    )
    async with sessions() as session:
        await set_ticket_staff_message(
            session,
            ticket_id=ticket.id,
            staff_message_id=card.message_id,
            staff_thread_id=thread_id,
        )
        await session.commit()


async def post_digest(context: AppContext, staff_chat: int, ticket_ids: list[int]) -> None:
    """One message naming the new tickets still without a card, with an [Ambil] button each;
    a ticket's card follows once it is claimed (a lone ticket gets its card at once)."""
    async with context.services.sessions() as session:
        tickets = [await get_ticket(session, ticket_id=ticket_id) for ticket_id in ticket_ids]
    new = [t for t in tickets if t and t.status != TicketStatus.SELESAI and not t.staff_message_id]
    if len(new) <= 1:
        for ticket in new:
            await post_card(context, ticket, staff_chat)
        return
    lines = [f"🆕 <b>{len(new)} tiket baru</b> masuk bersamaan; kartunya menyusul saat diambil."]
    lines += [f"• Tiket {t.id} · {html.escape(topic_label(context, t.topic))}" for t in new]
    lines.append(
        "Ambil dengan tombol di bawah atau /ambil &lt;nomor&gt;; daftar lengkap: /antrian."
    )
    buttons = [
        InlineKeyboardButton(f"Ambil {t.id}", callback_data=f"tiket:ambil:{t.id}") for t in new
    ]
    rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    await context.bot.send_message(
        staff_chat, "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows)
    )


def _under_card(ticket: Ticket | None) -> dict[str, Any]:
    """Where a message about the ticket goes: its topic, as a reply to its card."""
    if ticket is None:
        return {}
    reply = (
        ReplyParameters(ticket.staff_message_id, allow_sending_without_reply=True)
        if ticket.staff_message_id
        else None
    )
    return {"message_thread_id": ticket.staff_thread_id, "reply_parameters": reply}


async def post_relay(context: AppContext, staff_chat: int, notice: StaffNotice) -> None:
    """Copy the ASN's message under the ticket's card; dropped when the ticket has no card
    (a digest's ticket: its card shows the conversation once claimed) or the ASN has deleted
    their data since."""
    origin = notice.content
    async with context.services.sessions() as session:
        ticket = await get_ticket(session, ticket_id=notice.ticket_id or 0)
        user = await get_user(session, user_id=ticket.user_id) if ticket else None
    deleted = user is not None and user.data_deleted_at and user.data_deleted_at > notice.created_at
    if ticket is None or deleted or (not ticket.staff_message_id and not ticket.staff_thread_id):
        logger.info(
            "Relay of ticket %s dropped: no card, or the data was deleted", notice.ticket_id
        )
        return
    copied = await context.bot.copy_message(
        staff_chat,
        from_chat_id=origin["chat_id"],
        message_id=origin["message_id"],
        **_under_card(ticket),
    )
    async with context.services.sessions() as session:
        recorded = await set_message_staff_copy(
            session,
            chat_id=origin["chat_id"],
            telegram_message_id=origin["message_id"],
            staff_message_id=copied.message_id,
        )
        await session.commit()
    if not recorded:  # its row went with a /hapus_data while the copy was on its way
        await context.bot.delete_message(staff_chat, copied.message_id)


async def post_ticket_note(
    context: AppContext, staff_chat: int, notices: Sequence[StaffNotice]
) -> None:
    """Post the newest of the merged notes and remember its message, for /hapus_data to
    delete; a note blanked by a /hapus_data since it was queued is not posted."""
    newest = notices[-1]
    html_text = newest.content.get("html")
    if not html_text:
        return
    buttons = newest.content.get("buttons")
    posted = await post_note(context, staff_chat, html_text, newest.ticket_id, buttons)
    if newest.ticket_id is not None:
        async with context.services.sessions() as session:
            await record_notice_message(
                session, [notice.id for notice in notices], staff_message_id=posted
            )
            await session.commit()


async def post_private_reminder(
    context: AppContext, staff_chat: int, notices: Sequence[StaffNotice]
) -> None:
    """Send the newest of the merged reminders to the consultant's private chat; refused
    there for good (they blocked the bot), post it in the staff group as a note instead."""
    newest = notices[-1]
    content = newest.content
    if not content.get("html"):  # blanked by a /hapus_data since it was queued
        return
    try:
        await context.bot.send_message(content["chat_id"], content["html"])
    except (Forbidden, BadRequest) as refusal:
        logger.info("Private reminder of ticket %s refused: %s", newest.ticket_id, refusal)
        posted = await post_note(context, staff_chat, content["fallback_html"], newest.ticket_id)
        async with context.services.sessions() as session:
            await record_notice_message(
                session, [notice.id for notice in notices], staff_message_id=posted
            )
            await session.commit()


async def post_note(
    context: AppContext,
    staff_chat: int,
    html_text: str,
    ticket_id: int | None,
    buttons: list[list[str]] | None = None,
) -> int:
    """Post a note in the staff group; about a ticket: under its card or in its topic; with
    one row of ``buttons`` (``[text, callback_data]`` each) when given. Return its message id."""
    ticket = None
    if ticket_id is not None:
        async with context.services.sessions() as session:
            ticket = await get_ticket(session, ticket_id=ticket_id)
    markup = (
        InlineKeyboardMarkup(
            [[InlineKeyboardButton(text, callback_data=data) for text, data in buttons]]
        )
        if buttons
        else None
    )
    sent = await context.bot.send_message(
        staff_chat, html_text, reply_markup=markup, **_under_card(ticket)
    )
    return sent.message_id

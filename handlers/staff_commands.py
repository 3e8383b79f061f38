"""Staff commands: /antrian, /tiket N, /ambil N, /tutup N, /statistik, and the refusal."""

from __future__ import annotations

import html

from telegram import Update

from bot.queue import clock
from bot.queue.formatting import statistics_report, ticket_history
from bot.queue.office_hours import OfficeHours
from bot.services import AppContext
from bot.storage import (
    get_ticket,
    record_audit_event,
    ticket_messages,
    ticket_statistics,
)
from bot.storage.ticket_facts import ticket_facts
from handlers.bot_profile import STAFF_MENU
from handlers.input_bounds import command_id, queue_command
from handlers.nlu_marks import keyboard_after_closing
from handlers.staff_actions import claim, close_as_consultant
from handlers.staff_card import topic_label
from handlers.staff_queue_view import render_queue

STAFF_COMMANDS = tuple(command.command for command in STAFF_MENU)
"""Refused to everyone but consultants: the staff group's menu, declared once."""
QUEUE_COMMAND_FORMAT = "Format: /antrian [saya|baru|menunggu] [halaman], misalnya /antrian baru 2"


def ticket_number(context: AppContext) -> int | None:
    """The ticket number argument of a command, or None when missing or not a valid id."""
    return command_id(context.args)


async def show_queue(update: Update, context: AppContext) -> None:
    """/antrian [saya|baru|menunggu] [halaman]: one page of the open tickets, with buttons."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    view = queue_command(context.args)
    if view is None:
        await message.reply_text(QUEUE_COMMAND_FORMAT)
        return
    listing, keyboard = await render_queue(context, view, user)
    await message.reply_text(listing, reply_markup=keyboard)


async def show_ticket(update: Update, context: AppContext) -> None:
    """/tiket N: the question that opened the ticket and its reading, what helps decide on it,
    then the full history, its internal notes among the messages."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    number = ticket_number(context)
    if number is None:
        await message.reply_text("Format: /tiket &lt;nomor tiket&gt;, misalnya /tiket 12")
        return
    services = context.services
    async with services.sessions() as session:  # no send inside: it may need the connection
        ticket = await get_ticket(session, ticket_id=number)
        if ticket is not None:
            facts = await ticket_facts(session, ticket=ticket)
            messages = await ticket_messages(session, ticket_id=number)
            await record_audit_event(
                session, actor_id=user.id, action="lihat_tiket", ticket_id=number
            )
            await session.commit()
    if ticket is None:
        await message.reply_text(f"Tiket {number} tidak ditemukan.")
        return
    zone = OfficeHours.from_settings(services.settings.queue).zone
    parts = ticket_history(
        ticket,
        facts,
        topic_of=lambda topic: topic_label(context, topic),
        messages=messages,
        now=clock.now(),
        zone=zone,
    )
    for part in parts:
        await message.reply_text(part)


async def claim_command(update: Update, context: AppContext) -> None:
    """/ambil N: claim a ticket, like its [Ambil] button."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    number = ticket_number(context)
    if number is None:
        await message.reply_text("Format: /ambil &lt;nomor tiket&gt;, misalnya /ambil 12")
        return
    await message.reply_text(html.escape((await claim(context, number, user)).text))


async def close_command(update: Update, context: AppContext) -> None:
    """/tutup N: close a ticket, like its [Tutup] button; the confirmation offers to mark the
    question as one the assistant could have answered (``handlers.nlu_marks``)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    number = ticket_number(context)
    if number is None:
        await message.reply_text("Format: /tutup &lt;nomor tiket&gt;, misalnya /tutup 12")
        return
    outcome = await close_as_consultant(context, number, user)
    markup = await keyboard_after_closing(context, number)
    await message.reply_text(html.escape(outcome.text), reply_markup=markup)


async def show_statistics(update: Update, context: AppContext) -> None:
    """/statistik: tickets by status and topic, median time to first reply, average rating."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    async with context.services.sessions() as session:
        stats = await ticket_statistics(session)
        await record_audit_event(session, actor_id=user.id, action="statistik")
        await session.commit()
    await message.reply_text(
        statistics_report(stats, topic_of=lambda topic: topic_label(context, topic))
    )


async def refuse_staff_command(update: Update, context: AppContext) -> None:
    """Tell someone who is not a consultant that staff commands are not for them."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(context.services.knowledge.message("staff_only"))

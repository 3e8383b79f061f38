"""The LKBH consultants' queue: new ticket cards, relaying, staff actions and queue checks.

The work is split over handlers/staff_*.py; this module is the queue's public face
(``relay_user_message``, ``take_rating_comment``, ``thank_for_comment``, ``build_handlers``,
``schedule_jobs``, and ``start_staff_outbox`` / ``stop_staff_outbox``, which run the drainer
that posts everything the staff chat gets from the bot).
"""

from __future__ import annotations

from functools import partial

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    JobQueue,
    MessageHandler,
    filters,
)

from bot.queue import clock
from bot.queue.office_hours import OfficeHours
from bot.services import AppContext, Services
from bot.settings import Settings
from bot.staff_outbox import StaffOutbox
from bot.storage import Ticket, get_user
from bot.telegram_text import CALLBACK_ANSWER_LIMIT, shorten
from handlers import staff_commands as commands
from handlers import staff_transfer as transfer
from handlers.input_bounds import refuse_button, ticket_button
from handlers.nlu_marks import label_command, press_mark_button
from handlers.replies import send_to_user
from handlers.staff_actions import Outcome, claim, close_as_consultant
from handlers.staff_canned import send_canned_reply
from handlers.staff_card import post_notices, ticket_card_keyboard
from handlers.staff_jobs import check_interval_seconds, check_queue
from handlers.staff_notes import note_command
from handlers.staff_queue_view import press_queue_button
from handlers.staff_rating import close_own_ticket, rate, take_rating_comment, thank_for_comment
from handlers.staff_replies import answer_command, relay_consultant_reply, relay_user_message
from handlers.staff_templates import template_command
from handlers.staff_transfer import release_as_staff

__all__ = [
    "build_handlers",
    "relay_user_message",
    "schedule_jobs",
    "start_staff_outbox",
    "stop_staff_outbox",
    "take_rating_comment",
    "thank_for_comment",
    "ticket_card_keyboard",
]

PRIVATE = filters.ChatType.PRIVATE
BUTTON_ACTIONS = {"ambil": claim, "lepas": release_as_staff, "tutup": close_as_consultant}


async def send_after_hours_notice(context: AppContext, ticket: Ticket) -> None:
    """Outside office hours, tell the ASN when consultants are next on duty."""
    services = context.services
    hours, now = OfficeHours.from_settings(services.settings.queue), clock.now()
    if hours.is_open(now):
        return
    opening = hours.next_opening(now)
    async with services.sessions() as session:
        user = await get_user(session, user_id=ticket.user_id)
    if user is None:
        return
    html = services.knowledge.message(
        "after_hours",
        office_hours=hours.describe(),
        next_opening=hours.describe_opening(opening, now)
        if opening
        else "pada hari kerja berikutnya",
    )
    await send_to_user(
        context, chat_id=user.chat_id, user_id=user.telegram_user_id, html=html, ticket_id=ticket.id
    )


async def press_ticket_button(update: Update, context: AppContext) -> None:
    """Claim, release or close a ticket from its card; only consultants may press."""
    query = update.callback_query
    assert query is not None
    if query.from_user.id not in context.services.settings.staff.team_ids:
        text = context.services.knowledge.message("staff_only_alert")
        await query.answer(text, show_alert=True)
        return
    button = ticket_button(query.data)
    if button is None:
        await refuse_button(query, context)
        return
    act = BUTTON_ACTIONS[button.action]
    outcome: Outcome = await act(context, button.ticket_id, query.from_user)
    # A consultant's name in the text can be long: Telegram takes 200 UTF-16 units.
    await query.answer(shorten(outcome.text, CALLBACK_ANSWER_LIMIT), show_alert=outcome.alert)


def staff_filter(settings: Settings) -> filters.BaseFilter:
    """Consultants, in the staff group or in a private chat with the bot."""
    consultants = filters.User(user_id=list(settings.staff.team_ids))
    where: filters.BaseFilter = PRIVATE
    if settings.staff.chat_id is not None:
        where = PRIVATE | filters.Chat(chat_id=settings.staff.chat_id)
    return consultants & where


def build_handlers(settings: Settings) -> list[BaseHandler]:
    """Staff-queue handlers; they come before the ASN's conversation in group 0."""
    staff = staff_filter(settings)
    handlers: list[BaseHandler] = [
        # Staff commands: consultants only; everyone else (private or staff group) is refused.
        CommandHandler("antrian", commands.show_queue, filters=staff),
        CommandHandler("tiket", commands.show_ticket, filters=staff),
        CommandHandler("ambil", commands.claim_command, filters=staff),
        CommandHandler("jawab", answer_command, filters=staff),
        CommandHandler("kirim", send_canned_reply, filters=staff),
        CommandHandler("templat", template_command, filters=staff),
        CommandHandler("catatan", note_command, filters=staff),
        CommandHandler("tutup", commands.close_command, filters=staff),
        CommandHandler("lepas", transfer.release_command, filters=staff),
        CommandHandler("alihkan", transfer.transfer_command, filters=staff),
        CommandHandler("ambil_alih", transfer.take_over_command, filters=staff),
        CommandHandler("tampilkan_nama", transfer.show_name_command, filters=staff),
        CommandHandler("statistik", commands.show_statistics, filters=staff),
        CommandHandler("label", label_command, filters=staff),
        # Buttons are routed by namespace; handlers.input_bounds checks their exact shape.
        CallbackQueryHandler(press_ticket_button, pattern=r"^tiket:"),
        CallbackQueryHandler(press_queue_button, pattern=r"^antrian:"),
        CallbackQueryHandler(transfer.press_transfer_choice, pattern=r"^alihkan:"),
        CallbackQueryHandler(transfer.press_transfer_answer, pattern=r"^alihan:"),
        CallbackQueryHandler(transfer.press_show_name, pattern=r"^namakonsultan:"),
        CallbackQueryHandler(press_mark_button, pattern=r"^tandai:"),
        # The ASN: /selesai and the rating buttons (a comment after a rating reaches
        # take_rating_comment through the free-text handler in handlers/questions.py).
        CommandHandler("selesai", close_own_ticket, filters=PRIVATE),
        CallbackQueryHandler(rate, pattern=r"^nilai:"),
    ]
    refused_where: filters.BaseFilter = PRIVATE
    if settings.staff.chat_id is not None:
        staff_group = filters.Chat(chat_id=settings.staff.chat_id)
        refused_where = PRIVATE | staff_group
        # Replies in the staff group (to a card, a relayed message, or in a ticket's topic).
        replies = staff_group & (filters.REPLY | filters.IS_TOPIC_MESSAGE) & ~filters.COMMAND
        handlers.append(
            MessageHandler(replies & filters.UpdateType.MESSAGE, relay_consultant_reply)
        )
    handlers.append(
        CommandHandler(
            commands.STAFF_COMMANDS, commands.refuse_staff_command, filters=refused_where
        )
    )
    return handlers


def schedule_jobs(job_queue: JobQueue, settings: Settings) -> None:
    """Check the queue (reminders, auto-close) soon after start, then repeatedly."""
    interval = check_interval_seconds(settings.queue)
    job_queue.run_repeating(
        check_queue, interval=interval, first=min(interval, 5.0), name="antrian"
    )


def start_staff_outbox(application: Application) -> None:
    """Start posting the staff outbox (in post_init, once the services exist)."""
    services: Services = application.bot_data.services
    post = partial(post_notices, AppContext(application))
    services.staff_outbox = StaffOutbox(services.engine, services.sessions, post)
    services.staff_outbox.start()


async def stop_staff_outbox(application: Application) -> None:
    """Stop posting, after the last updates and before the bot closes: a send under way
    finishes; what waits stays stored for the next start (or another worker)."""
    services: Services | None = getattr(application.bot_data, "services", None)
    if services is not None and services.staff_outbox is not None:
        await services.staff_outbox.stop()

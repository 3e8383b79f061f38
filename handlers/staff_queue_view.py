"""/antrian as one message of pages: filters, paging and a refresh, edited in place.

Each page is read again at every press, so the waiting times are those of the moment; a page
that no longer exists (tickets closed meanwhile) shows the last one.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.error import BadRequest

from bot.queue import clock
from bot.queue.formatting import FILTER_BUTTONS, QUEUE_PAGE_SIZE, queue_listing
from bot.queue.office_hours import OfficeHours
from bot.services import AppContext
from bot.storage import record_audit_event
from bot.storage.queue_pages import QueueFilter, QueuePage, queue_page
from handlers.input_bounds import QueueView, queue_button, refuse_button
from handlers.staff_card import topic_label

logger = logging.getLogger(__name__)

QUEUE_AUDIT_ACTION = "antrian"
_NOT_MODIFIED = "message is not modified"


def queue_callback(queue_filter: QueueFilter, page: int) -> str:
    """``antrian:<filter>:<page>`` (at most 27 bytes), read back by ``queue_button``."""
    return f"antrian:{queue_filter.value}:{page}"


def queue_keyboard(page: QueuePage) -> InlineKeyboardMarkup:
    """Filters (the shown one marked, each with its count), paging, and a refresh."""
    filters = [
        InlineKeyboardButton(
            f"{'✅ ' if kind is page.queue_filter else ''}{label} ({page.counts.of(kind)})",
            callback_data=queue_callback(kind, 1),
        )
        for kind, label in FILTER_BUTTONS.items()
    ]
    here = queue_callback(page.queue_filter, page.number)
    paging = [InlineKeyboardButton(f"{page.number}/{page.pages}", callback_data=here)]
    if page.number > 1:
        back = queue_callback(page.queue_filter, page.number - 1)
        paging.insert(0, InlineKeyboardButton("◀", callback_data=back))
    if page.number < page.pages:
        forward = queue_callback(page.queue_filter, page.number + 1)
        paging.append(InlineKeyboardButton("▶", callback_data=forward))
    refresh = [InlineKeyboardButton("↻ Perbarui", callback_data=here)]
    return InlineKeyboardMarkup([filters[:2], filters[2:], paging, refresh])


async def render_queue(
    context: AppContext, view: QueueView, consultant: User
) -> tuple[str, InlineKeyboardMarkup]:
    """Read the page as it stands now (and audit the look), then write it; nothing is sent
    while the session is open."""
    services = context.services
    async with services.sessions() as session:
        page = await queue_page(
            session,
            queue_filter=view.queue_filter,
            page=view.page,
            page_size=QUEUE_PAGE_SIZE,
            consultant_id=consultant.id,
        )
        await record_audit_event(
            session,
            actor_id=consultant.id,
            action=QUEUE_AUDIT_ACTION,
            detail=f"{page.queue_filter.value}:{page.number}",
        )
        await session.commit()
    listing = queue_listing(
        page,
        topic_of=lambda topic: topic_label(context, topic),
        viewer=consultant.first_name,
        now=clock.now(),
        zone=OfficeHours.from_settings(services.settings.queue).zone,
    )
    return listing, queue_keyboard(page)


async def press_queue_button(update: Update, context: AppContext) -> None:
    """Show another filter or page of /antrian, or refresh it, in the same message."""
    query = update.callback_query
    assert query is not None
    if query.from_user.id not in context.services.settings.staff.team_ids:
        text = context.services.knowledge.message("staff_only_alert")
        await query.answer(text, show_alert=True)
        return
    view = queue_button(query.data)
    if view is None or query.message is None:
        await refuse_button(query, context)
        return
    listing, keyboard = await render_queue(context, view, query.from_user)
    try:
        await context.bot.edit_message_text(
            listing,
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
            reply_markup=keyboard,
        )
    except BadRequest as error:
        if _NOT_MODIFIED not in error.message.lower():
            raise
        logger.debug("Queue page unchanged since it was last shown")
    await query.answer()

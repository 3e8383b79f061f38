"""Erasing what the staff group holds about an ASN who deleted their data (/hapus_data).

The deletion's transaction queues one ``erase`` notice carrying ids only: the user's tickets,
each with the staff-chat ids of the messages logged under it (the ASN's relayed copies, the
consultants' replies), read before those rows were deleted. The staff outbox's drainer hands
it to ``erase_tickets``, which for each ticket:

- with a forum topic: deletes the topic, and every message in it with it (deleteForumTopic;
  the bot needs the administrator right to delete messages);
- otherwise, or when Telegram refuses that: edits its card to a placeholder without buttons and
  deletes each message it knows of — the copies, the consultants' replies, the notes it posted
  about the ticket.

Telegram lets a bot delete a group message only within 48 hours, and others' messages only as
an administrator. What it refuses is not retried: one note tells the staff what the bot could
not delete (links, never content) and, outside a forum topic, that what they wrote about the
ticket themselves is theirs to delete. A network error or a 429 retries the whole notice, which
is safe: what is already gone counts as deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field

from telegram.error import BadRequest

from bot.services import AppContext
from bot.storage import Ticket, get_ticket
from bot.storage.models import StaffNotice
from bot.storage.outbox import ticket_note_messages

logger = logging.getLogger(__name__)

GONE = (
    "message to delete not found",
    "message to edit not found",
    "message thread not found",
    "topic_id_invalid",
)
"""Telegram's answers for what is already gone: deleted by hand, or by an earlier try."""


@dataclass
class Erasure:
    """What erasing one ticket's traces did."""

    ticket_id: int
    topic_deleted: bool = False
    topic_refused: bool = False
    card_replaced: bool = False
    deleted: int = 0
    refused: list[int] = field(default_factory=list)
    """Staff-chat message ids Telegram would not let the bot delete (or edit, for the card)."""

    @property
    def found_anything(self) -> bool:
        return (
            self.topic_deleted
            or self.topic_refused
            or self.card_replaced
            or bool(self.deleted or self.refused)
        )


def is_gone(error: BadRequest) -> bool:
    return any(mark in error.message.lower() for mark in GONE)


def placeholder(context: AppContext, ticket_id: int) -> str:
    """The card of a ticket whose ASN deleted their data."""
    return context.services.knowledge.message("staff_card_erased", ticket_number=ticket_id)


async def show_placeholder(context: AppContext, staff_chat: int, ticket: Ticket) -> bool:
    """Edit the ticket's card to the placeholder, without buttons; False if Telegram refuses."""
    if ticket.staff_message_id is None:
        return True
    try:
        await context.bot.edit_message_text(
            placeholder(context, ticket.id),
            chat_id=staff_chat,
            message_id=ticket.staff_message_id,
            reply_markup=None,
        )
    except BadRequest as error:
        if is_gone(error) or "not modified" in error.message:
            return True
        logger.warning("Card of ticket %s not replaced: %s", ticket.id, error.message)
        return False
    return True


async def delete_message(context: AppContext, staff_chat: int, message_id: int) -> bool:
    """Delete one staff-chat message; False if Telegram refuses (too old, no right)."""
    request = context.bot.delete_message(staff_chat, message_id)
    return await _deleted(request, f"Staff message {message_id}")


async def delete_topic(context: AppContext, staff_chat: int, thread_id: int) -> bool:
    """Delete a ticket's forum topic with its messages; False if Telegram refuses."""
    request = context.bot.delete_forum_topic(staff_chat, thread_id)
    return await _deleted(request, f"Forum topic {thread_id}")


async def _deleted(request: Awaitable[object], what: str) -> bool:
    """Whether the deletion is done: True also when it was gone already, False if refused."""
    try:
        await request
    except BadRequest as error:
        if is_gone(error):
            return True
        logger.warning("%s not deleted: %s", what, error.message)
        return False
    return True


async def erase_ticket(
    context: AppContext, staff_chat: int, ticket_id: int, logged: Sequence[int]
) -> Erasure:
    """Remove one ticket's traces: its topic, or its card's content and the messages we know."""
    erasure = Erasure(ticket_id)
    async with context.services.sessions() as session:
        ticket = await get_ticket(session, ticket_id=ticket_id)
        notes = await ticket_note_messages(session, ticket_id=ticket_id)
    if ticket is None:
        return erasure
    if ticket.staff_thread_id is not None:
        if await delete_topic(context, staff_chat, ticket.staff_thread_id):
            erasure.topic_deleted = True
            return erasure
        erasure.topic_refused = True
    if ticket.staff_message_id is not None:
        erasure.card_replaced = await show_placeholder(context, staff_chat, ticket)
        if not erasure.card_replaced:
            erasure.refused.append(ticket.staff_message_id)
    for message_id in dict.fromkeys([*logged, *notes]):
        if await delete_message(context, staff_chat, message_id):
            erasure.deleted += 1
        else:
            erasure.refused.append(message_id)
    return erasure


async def erase_tickets(context: AppContext, staff_chat: int, notice: StaffNotice) -> None:
    """Carry out an ``erase`` notice, then tell the staff plainly what was and was not removed."""
    content = notice.content
    erasures = [
        await erase_ticket(context, staff_chat, entry["id"], entry["messages"])
        for entry in content["tickets"]
    ]
    closed = content.get("closed")
    if closed is None and not any(erasure.found_anything for erasure in erasures):
        return
    logger.info(
        "Staff traces of tickets %s erased; %s messages refused",
        [erasure.ticket_id for erasure in erasures],
        sum(len(erasure.refused) for erasure in erasures),
    )
    await context.bot.send_message(staff_chat, erasure_note(context, staff_chat, erasures, closed))


def erasure_note(
    context: AppContext, staff_chat: int, erasures: Sequence[Erasure], closed: int | None
) -> str:
    """The staff's note: which ticket was closed, what was removed, what they must remove."""
    message = context.services.knowledge.message
    lines = [message("staff_deletion_done")]
    if closed is not None:
        lines.append(message("staff_ticket_closed_by_deletion", ticket_number=closed))
    by_hand = False
    for erasure in erasures:
        number = erasure.ticket_id
        if erasure.topic_deleted:
            lines.append(message("staff_deletion_topic_deleted", ticket_number=number))
        elif erasure.found_anything:
            lines.append(
                message("staff_deletion_card_replaced", ticket_number=number, count=erasure.deleted)
            )
            if erasure.topic_refused:
                lines.append(message("staff_deletion_topic_refused", ticket_number=number))
            else:
                by_hand = True
    refused = [message_id for erasure in erasures for message_id in erasure.refused]
    if refused:
        links = ", ".join(message_link(staff_chat, message_id) for message_id in refused)
        lines.append(message("staff_deletion_refused", count=len(refused), messages=links))
    if by_hand:
        lines.append(message("staff_deletion_by_hand"))
    return "\n\n".join(lines)


def message_link(chat_id: int, message_id: int) -> str:
    """A link to a supergroup's message (t.me/c/…), or its number in a basic group."""
    internal = str(chat_id).removeprefix("-100")
    if internal == str(chat_id):
        return f"#{message_id}"
    return f"https://t.me/c/{internal}/{message_id}"

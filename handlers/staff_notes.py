"""Internal notes: what consultants write about a ticket for each other, never sent to the ASN.

Any consultant may write one, not only the ticket's owner: ``/catatan N teks`` (in the staff
group or a private chat), or in the staff group a message starting with ``#catatan`` in the
ticket's forum topic or in reply to its card (``marked_note``, checked by the relay before it
copies anything to the ASN). Notes show in /tiket N and on the card.
"""

from __future__ import annotations

from telegram import Message as TelegramMessage
from telegram import Update

from bot.services import AppContext
from bot.storage import get_ticket, record_audit_event
from bot.storage.outbox import NoticeKind
from bot.storage.ticket_notes import add_note
from bot.storage.ticket_transfer import touch_owner_activity
from bot.telegram_text import shorten
from handlers.input_bounds import parse_id
from handlers.staff_actions import consultant_name
from handlers.staff_card import queue_card_update, queue_staff_notice

NOTE_MARKER = "#catatan"
"""Starts a staff-group message that is a note (any case; a phone keyboard has ``#``)."""
POSTED_NOTE_LIMIT = 3500
"""A note's text in the staff-group message announcing it (which must fit 4096 units)."""


def marked_note(message: TelegramMessage) -> str | None:
    """The note in a message starting with the marker (its text after it, maybe empty);
    None when the message is not marked as a note."""
    text = (message.text or message.caption or "").lstrip()
    rest = text[len(NOTE_MARKER) :]
    if text[: len(NOTE_MARKER)].lower() != NOTE_MARKER or rest[:1] not in ("", ":", *" \n\t"):
        return None
    return rest.removeprefix(":").strip()


async def note_command(update: Update, context: AppContext) -> None:
    """/catatan N teks: store an internal note on the ticket and show it to colleagues."""
    message = update.effective_message
    assert message is not None
    parts = (message.text or "").split(maxsplit=2)
    ticket_id = parse_id(parts[1]) if len(parts) == 3 else None
    if ticket_id is None:
        await message.reply_text(context.services.knowledge.message("note_usage"))
        return
    await save_note(context, message, ticket_id, parts[2].strip(), announce=True)


async def take_marked_note(
    context: AppContext, ticket_id: int, message: TelegramMessage, text: str
) -> None:
    """Store a staff-group message marked as a note; its colleagues already see it there."""
    if not text:
        await message.reply_text(context.services.knowledge.message("note_usage"))
        return
    await save_note(context, message, ticket_id, text, announce=False)


async def save_note(
    context: AppContext, message: TelegramMessage, ticket_id: int, text: str, *, announce: bool
) -> None:
    """Store the note with an audit event and a card update, announce it under the card when
    asked, in one transaction; then confirm to its author."""
    author = message.from_user
    assert author is not None
    knowledge = context.services.knowledge
    name = consultant_name(author)
    async with context.services.sessions() as session:  # no send inside
        ticket = await get_ticket(session, ticket_id=ticket_id)
        if ticket is not None:
            await add_note(
                session, ticket_id=ticket_id, author_id=author.id, author_name=name, text=text
            )
            await touch_owner_activity(session, ticket_id=ticket_id, consultant_id=author.id)
            await record_audit_event(
                session,
                actor_id=author.id,
                action="catatan",
                ticket_id=ticket_id,
                detail="/catatan" if announce else NOTE_MARKER,
            )
            await queue_card_update(context, session, ticket_id)
            if announce:
                announcement = knowledge.message(
                    "staff_note",
                    author=name,
                    ticket_number=ticket_id,
                    text=shorten(text, POSTED_NOTE_LIMIT),
                )
                await queue_staff_notice(
                    context, session, NoticeKind.NOTE, {"html": announcement}, ticket_id=ticket_id
                )
            await session.commit()
    key = "note_saved" if ticket is not None else "note_ticket_missing"
    await message.reply_text(knowledge.message(key, ticket_number=ticket_id))

"""How a consultant's message reaches the ASN: always under the LKBH label, nothing lost.

One place decides where the label (``consultant_label`` in messages.yml: the consultant's role;
``consultant_label_named`` with their name once they chose ``/tampilkan_nama``) goes, for every
kind of message:

- a text: one HTML message, the label line, then the consultant's text with its formatting;
- a photo, document, video, audio, voice or animation: a copy whose caption is the label line
  and the consultant's caption, formatting kept;
- what cannot carry a caption (sticker, video note, location, contact, poll, dice), and a
  caption that would not fit Telegram's limit with the label: the label as its own short
  message, then the copy;
- a text that would not fit with the label (a /jawab as long as Telegram allows): the label,
  then the text whole, formatted — an answer is never cut, nor refused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Message, MessageEntity
from telegram.error import TelegramError

from bot.services import AppContext
from bot.storage import get_user
from bot.storage.consultant_profiles import shown_name
from bot.telegram_text import CAPTION_LIMIT, MESSAGE_LIMIT, telegram_length, utf16_length
from handlers.replies import send_to_user
from handlers.updates import kind_of

logger = logging.getLogger(__name__)

CAPTIONED_KINDS = frozenset({"photo", "document", "video", "audio", "voice", "animation"})
"""Kinds of message whose copy can carry a caption of ours."""


async def lkbh_label(context: AppContext, consultant_id: int | None) -> str:
    """The label over a consultant's message: the role, and their name if they chose so."""
    async with context.services.sessions() as session:
        name = await shown_name(session, consultant_id=consultant_id)
    knowledge = context.services.knowledge
    if name is None:
        return knowledge.message("consultant_label")
    return knowledge.message("consultant_label_named", name=name)


async def send_as_lkbh(
    context: AppContext, chat_id: int, source: Message, *, consultant_id: int | None = None
) -> int:
    """Send a consultant's message to the ASN under the LKBH label; return the id of the
    message that carries its content."""
    if source.text is not None:
        return await send_text_as_lkbh(
            context, chat_id, source.text_html, consultant_id=consultant_id
        )
    label = await lkbh_label(context, consultant_id)
    if kind_of(source) in CAPTIONED_KINDS:
        caption = f"{label}\n\n{source.caption_html}" if source.caption else label
        if telegram_length(caption) <= CAPTION_LIMIT:
            copied = await context.bot.copy_message(
                chat_id, from_chat_id=source.chat_id, message_id=source.message_id, caption=caption
            )
            return copied.message_id
    await context.bot.send_message(chat_id, label)
    copied = await context.bot.copy_message(
        chat_id, from_chat_id=source.chat_id, message_id=source.message_id
    )
    return copied.message_id


async def send_text_as_lkbh(
    context: AppContext, chat_id: int, text_html: str, *, consultant_id: int | None = None
) -> int:
    """Send a consultant's text (HTML) under the LKBH label: in one message when both fit,
    else the label, then the text whole; return the id of the message with the text."""
    label = await lkbh_label(context, consultant_id)
    labelled = f"{label}\n\n{text_html}"
    if telegram_length(labelled) <= MESSAGE_LIMIT:
        return (await context.bot.send_message(chat_id, labelled)).message_id
    await context.bot.send_message(chat_id, label)
    return (await context.bot.send_message(chat_id, text_html)).message_id


@dataclass(frozen=True)
class WrittenAnswer:
    """An answer a consultant wrote after a command (``/jawab N …``)."""

    text: str
    """As logged: plain text."""
    html: str
    """As sent: HTML, with the consultant's formatting."""


def answer_after(message: Message, prefix: str) -> WrittenAnswer:
    """The message's text after ``prefix`` (the command and its arguments), its formatting
    kept; an entity that begins inside the prefix is kept from where the prefix ends."""
    rest, start = (message.text or "")[len(prefix) :], utf16_length(prefix)
    entities = []
    for entity in message.entities:
        begin, end = max(entity.offset, start), entity.offset + entity.length
        if end > begin:
            moved = {**entity.to_dict(), "offset": begin - start, "length": end - begin}
            entities.append(MessageEntity.de_json(moved, None))
    formatted = Message(
        message_id=message.message_id,
        date=message.date,
        chat=message.chat,
        text=rest,
        entities=entities,
    )
    return WrittenAnswer(text=rest.strip(), html=formatted.text_html)


async def tell_asn_who_handles(
    context: AppContext, ticket_id: int, user_id: int, handler_id: int | None
) -> None:
    """Tell the ASN their case changed hands: to another consultant (by role, or by name if
    they chose to show it), or, ``handler_id`` None, back to the queue."""
    async with context.services.sessions() as session:
        asn = await get_user(session, user_id=user_id)
        name = await shown_name(session, consultant_id=handler_id)
    if asn is None or not asn.active:
        return
    knowledge = context.services.knowledge
    if handler_id is None:
        text = knowledge.message("ticket_back_in_queue", ticket_number=ticket_id)
    elif name is None:
        text = knowledge.message("ticket_handed_over", ticket_number=ticket_id)
    else:
        text = knowledge.message("ticket_handed_over_named", ticket_number=ticket_id, name=name)
    try:
        await send_to_user(
            context, chat_id=asn.chat_id, user_id=user_id, html=text, ticket_id=ticket_id
        )
    except TelegramError:
        logger.exception("Could not tell the ASN who now handles ticket %s", ticket_id)

"""How a consultant's message reaches the ASN: always under the LKBH label, nothing lost.

One place decides where the label (``consultant_label`` in messages.yml: the consultant's role,
never their name) goes, for every kind of message:

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

from dataclasses import dataclass

from telegram import Message, MessageEntity

from bot.services import AppContext
from bot.telegram_text import CAPTION_LIMIT, MESSAGE_LIMIT, telegram_length, utf16_length
from handlers.updates import kind_of

CAPTIONED_KINDS = frozenset({"photo", "document", "video", "audio", "voice", "animation"})
"""Kinds of message whose copy can carry a caption of ours."""


async def send_as_lkbh(context: AppContext, chat_id: int, source: Message) -> int:
    """Send a consultant's message to the ASN under the LKBH label; return the id of the
    message that carries its content."""
    if source.text is not None:
        return await send_text_as_lkbh(context, chat_id, source.text_html)
    label = context.services.knowledge.message("consultant_label")
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


async def send_text_as_lkbh(context: AppContext, chat_id: int, text_html: str) -> int:
    """Send a consultant's text (HTML) under the LKBH label: in one message when both fit,
    else the label, then the text whole; return the id of the message with the text."""
    label = context.services.knowledge.message("consultant_label")
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

"""The office's saved reply templates: ``/templat`` lists, shows, saves and deletes them;
``/kirim N #nama`` (``handlers.staff_canned``) sends one into a ticket.

A template is a consultant's own words, kept with their formatting, for the office
(``staff.office``): any consultant of the office may use, replace or delete it, and each change
is audited. It is not legal content of the knowledge base, which only /kirim N topik sends.
"""

from __future__ import annotations

import html
import re

from telegram import Message as TelegramMessage
from telegram import Update

from bot.services import AppContext
from bot.storage import record_audit_event
from bot.storage.reply_templates import (
    delete_template,
    get_template,
    office_templates,
    save_template,
)
from bot.telegram_text import shorten, split_html_lines, telegram_length, visible_text
from handlers.consultant_messages import WrittenAnswer, answer_after

TEMPLATE_MARK = "#"
"""Names a template where a topic could stand: ``/kirim 12 #panggilan``."""
_NAME = re.compile(r"[a-z0-9_-]{1,32}")
_SAVE_PREFIX = re.compile(r"\S+\s+\S+\s+\S+\s+")
"""``/templat simpan nama `` before the template's text."""
TEMPLATE_LIMIT = 3500
"""A template's length (UTF-16 units of its HTML): with the LKBH label it fits one message."""
PREVIEW_LIMIT = 60


def template_name(text: str) -> str | None:
    """A template's name as written (``#Salam`` or ``salam``), lower-cased; None if invalid."""
    name = text.removeprefix(TEMPLATE_MARK).casefold()
    return name if _NAME.fullmatch(name) else None


async def template_command(update: Update, context: AppContext) -> None:
    """/templat; /templat nama; /templat simpan nama teks (or in reply to a message);
    /templat hapus nama."""
    message = update.effective_message
    assert message is not None and message.from_user is not None
    knowledge = context.services.knowledge
    parts = (message.text or "").split(maxsplit=3)
    verb = parts[1].casefold() if len(parts) > 1 else None
    if verb is None:
        await list_templates(context, message)
        return
    name = template_name(parts[2]) if len(parts) > 2 and verb in ("simpan", "hapus") else None
    if verb == "simpan" and name is not None:
        await store_template(context, message, name, parts)
    elif verb == "hapus" and name is not None and len(parts) == 3:
        await remove_template(context, message, name)
    elif len(parts) == 2 and (shown := template_name(parts[1])) is not None:
        await show_template(context, message, shown)
    else:
        await message.reply_text(knowledge.message("template_usage"))


async def list_templates(context: AppContext, message: TelegramMessage) -> None:
    knowledge = context.services.knowledge
    async with context.services.sessions() as session:
        templates = await office_templates(session, office=context.services.settings.staff.office)
    if not templates:
        await message.reply_text(knowledge.message("template_none"))
        return
    lines = [knowledge.message("template_list_heading", count=len(templates))]
    lines += [
        knowledge.message(
            "template_line",
            name=t.name,
            preview=html.escape(shorten(visible_text(t.text), PREVIEW_LIMIT)),
        )
        for t in templates
    ]
    for part in split_html_lines(lines):
        await message.reply_text(part)


async def show_template(context: AppContext, message: TelegramMessage, name: str) -> None:
    knowledge = context.services.knowledge
    async with context.services.sessions() as session:
        template = await get_template(
            session, office=context.services.settings.staff.office, name=name
        )
    if template is None:
        await message.reply_text(knowledge.message("template_missing", name=name))
        return
    await message.reply_text(knowledge.message("template_shown", name=name, text=template.text))


def written_template(message: TelegramMessage, parts: list[str]) -> WrittenAnswer | None:
    """The template's text: after ``/templat simpan nama``, else the replied-to message's."""
    prefix = _SAVE_PREFIX.match(message.text or "")
    if len(parts) == 4 and prefix is not None:
        return answer_after(message, prefix.group())
    replied = message.reply_to_message
    if replied is not None and replied.text:
        return answer_after(replied, "")
    return None


async def store_template(
    context: AppContext, message: TelegramMessage, name: str, parts: list[str]
) -> None:
    knowledge = context.services.knowledge
    author = message.from_user
    assert author is not None
    written = written_template(message, parts)
    if written is None or not written.text:
        await message.reply_text(knowledge.message("template_usage"))
        return
    if telegram_length(written.html) > TEMPLATE_LIMIT:
        await message.reply_text(knowledge.message("template_too_long", limit=TEMPLATE_LIMIT))
        return
    async with context.services.sessions() as session:
        new = await save_template(
            session,
            office=context.services.settings.staff.office,
            name=name,
            text=written.html,
            author_id=author.id,
        )
        await record_audit_event(session, actor_id=author.id, action="templat", detail=name)
        await session.commit()
    key = "template_saved" if new else "template_replaced"
    await message.reply_text(knowledge.message(key, name=name))


async def remove_template(context: AppContext, message: TelegramMessage, name: str) -> None:
    knowledge = context.services.knowledge
    author = message.from_user
    assert author is not None
    async with context.services.sessions() as session:
        removed = await delete_template(
            session, office=context.services.settings.staff.office, name=name
        )
        if removed:
            await record_audit_event(
                session, actor_id=author.id, action="templat_hapus", detail=name
            )
        await session.commit()
    key = "template_deleted" if removed else "template_missing"
    await message.reply_text(knowledge.message(key, name=name))

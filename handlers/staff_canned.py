"""Canned replies: ``/kirim N topik`` sends a knowledge-base answer into ticket N, and
``/kirim N #nama`` one of the office's saved templates (``handlers.staff_templates``).

The ASN receives the answer exactly as the assistant renders it (``render_answer``), or the
template as the consultants wrote it, under the LKBH label every consultant message carries
(``handlers.consultant_messages``), without the assistant's feedback buttons: it comes from the
consultant, and is logged as theirs.
"""

from __future__ import annotations

import html

from telegram import Message as TelegramMessage
from telegram import Update

from bot.intents import TOPIC_INTENTS
from bot.knowledge import KnowledgeBase, render_answer
from bot.queue.topics import find_topics as find_named
from bot.services import AppContext
from bot.storage import (
    Ticket,
    get_ticket,
)
from bot.storage.reply_templates import get_template
from bot.telegram_text import split_html_lines, visible_text
from handlers.consultant_messages import WrittenAnswer
from handlers.input_bounds import parse_id
from handlers.staff_actions import owner_problem
from handlers.staff_replies import deliver_answer
from handlers.staff_templates import TEMPLATE_MARK, template_name

CANNED_REPLY = "kirim"
"""The audit action of a canned reply sent into a ticket; its detail is the topic, or
``templat:<nama>``."""


def find_topics(knowledge: KnowledgeBase, wanted: str) -> tuple[str, ...]:
    """The knowledge-base topics ``wanted`` names (``bot.queue.topics.find_topics``)."""
    return find_named(
        knowledge, wanted, [intent for intent in TOPIC_INTENTS if intent in knowledge.entries]
    )


async def send_canned_reply(update: Update, context: AppContext) -> None:
    """/kirim N topik: send the topic's knowledge-base answer to ticket N's ASN as from LKBH."""
    message = update.effective_message
    assert message is not None and message.from_user is not None
    knowledge = context.services.knowledge
    args = context.args or []
    ticket_id = parse_id(args[0]) if args else None
    if ticket_id is None or len(args) < 2:
        await reply_with_topics(message, knowledge, knowledge.message("canned_usage"))
        return
    wanted = " ".join(args[1:])
    if wanted.startswith(TEMPLATE_MARK):
        await send_template(context, message, ticket_id, wanted)
        return
    found = find_topics(knowledge, wanted)
    if len(found) != 1:
        key = "canned_ambiguous_topic" if found else "canned_unknown_topic"
        await reply_with_topics(message, knowledge, knowledge.message(key, topic=wanted), found)
        return
    [intent] = found
    ticket = await owned_ticket(context, message, ticket_id)
    if ticket is None:
        return
    delivered = await deliver_canned_reply(context, ticket, message.from_user.id, intent)
    if delivered:
        title = knowledge.title(intent)
        reply = knowledge.message("canned_sent", title=title, ticket_number=ticket_id)
    else:
        reply = knowledge.message("canned_blocked", ticket_number=ticket_id)
    await message.reply_text(reply)


async def owned_ticket(
    context: AppContext, message: TelegramMessage, ticket_id: int
) -> Ticket | None:
    """The ticket, if the sender owns it; else None, the sender told why."""
    assert message.from_user is not None
    async with context.services.sessions() as session:
        ticket = await get_ticket(session, ticket_id=ticket_id)
    problem = owner_problem(ticket, ticket_id, message.from_user.id)
    if problem is not None or ticket is None:
        await message.reply_text(html.escape(problem or f"Tiket {ticket_id} tidak ditemukan."))
        return None
    return ticket


async def send_template(
    context: AppContext, message: TelegramMessage, ticket_id: int, wanted: str
) -> None:
    """/kirim N #nama: send the office's template to the ticket's ASN as from LKBH."""
    assert message.from_user is not None
    services = context.services
    knowledge = services.knowledge
    name = template_name(wanted)
    template = None
    if name is not None:
        async with services.sessions() as session:
            template = await get_template(session, office=services.settings.staff.office, name=name)
    if name is None or template is None:
        await message.reply_text(
            knowledge.message("template_missing", name=html.escape(name or wanted))
        )
        return
    ticket = await owned_ticket(context, message, ticket_id)
    if ticket is None:
        return
    answer = WrittenAnswer(text=visible_text(template.text), html=template.text)
    audit = (CANNED_REPLY, f"templat:{name}")
    if await deliver_answer(context, ticket, message.from_user.id, answer=answer, audit=audit):
        reply = knowledge.message("template_sent", name=name, ticket_number=ticket_id)
    else:
        reply = knowledge.message("canned_blocked", ticket_number=ticket_id)
    await message.reply_text(reply)


async def reply_with_topics(
    message: TelegramMessage,
    knowledge: KnowledgeBase,
    heading: str,
    topics: tuple[str, ...] = (),
) -> None:
    """Reply with ``heading`` and the topics (all of them when none are given), id and title,
    in as many messages as Telegram's limit needs."""
    listed = topics or tuple(i for i in TOPIC_INTENTS if i in knowledge.entries)
    lines = [
        knowledge.message("canned_topic_line", topic=intent, title=knowledge.title(intent))
        for intent in listed
    ]
    for part in split_html_lines([heading, *lines]):
        await message.reply_text(part)


async def deliver_canned_reply(
    context: AppContext, ticket: Ticket, consultant_id: int, intent: str
) -> bool:
    """Send the answer to the ticket's ASN as /jawab sends a consultant's (audit action
    ``kirim``); False if the ASN cannot receive it."""
    rendered = render_answer(context.services.knowledge, intent)
    answer = WrittenAnswer(text=visible_text(rendered), html=rendered)
    return await deliver_answer(
        context, ticket, consultant_id, answer=answer, intent=intent, audit=(CANNED_REPLY, intent)
    )

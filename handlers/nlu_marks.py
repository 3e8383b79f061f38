"""Consultants' marks for the NLU review queue (``bot.storage.nlu_review``).

Closing a ticket opened from a question the assistant read, a consultant may say the assistant
could have answered it: [🤖 Asisten sebenarnya bisa menjawab] under /tutup's confirmation and
under the closed card, then one of the 18 topics. ``/label N topik`` says which topic ticket N's
question really was (a topic, ``di_luar_topik`` or ``konsultasi_kasus``); without a topic the
same buttons follow. Either queues the ticket's question for review with the consultant's
topic, audited with the ticket id and the topic (never the text).

Buttons (``tandai:`` namespace, team members only):
``tandai:bisa:<ticket id>`` shows the topics; ``tandai:<bisa|label>:<ticket id>:<intent>`` is
a choice; ``tandai:batal`` takes the topics away.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram import Message as TelegramMessage
from telegram.error import BadRequest

from bot.intents import OUT_OF_SCOPE_INTENT, TOPIC_INTENTS
from bot.knowledge import KnowledgeBase
from bot.queue.topics import find_topics, topic_title
from bot.services import AppContext
from bot.storage import Ticket, TicketStatus, get_ticket, record_audit_event
from bot.storage.models import Message
from bot.storage.nlu_review import ReviewSource, queue_for_review
from bot.storage.ticket_facts import question_reading
from bot.telegram_text import CALLBACK_ANSWER_LIMIT, shorten
from handlers.input_bounds import parse_id, refuse_button

ANSWERABLE_BUTTON = "🤖 Asisten sebenarnya bisa menjawab"
CANCEL_BUTTON = "Batal"
CANCEL_DATA = "tandai:batal"
CASE_INTENT = "konsultasi_kasus"
"""A consultant may say a question was a personal case after all."""
RELABEL_INTENTS: tuple[str, ...] = (*TOPIC_INTENTS, OUT_OF_SCOPE_INTENT, CASE_INTENT)
"""What ``/label`` accepts; "the assistant could have answered" takes the 18 topics only."""

SOURCE_WORDS = {
    "bisa": ReviewSource.CONSULTANT_ANSWERABLE,
    "label": ReviewSource.CONSULTANT_RELABEL,
}
"""The source's word in a button's data."""
CHOICES = {
    ReviewSource.CONSULTANT_ANSWERABLE: TOPIC_INTENTS,
    ReviewSource.CONSULTANT_RELABEL: RELABEL_INTENTS,
}
AUDIT_ACTIONS = {
    ReviewSource.CONSULTANT_ANSWERABLE: "nlu_bisa_jawab",
    ReviewSource.CONSULTANT_RELABEL: "nlu_label",
}
"""The audit action of a mark; its detail is the topic (an intent id)."""
PICKER_MESSAGES = {
    ReviewSource.CONSULTANT_ANSWERABLE: "nlu_mark_pick_answerable",
    ReviewSource.CONSULTANT_RELABEL: "nlu_mark_pick_relabel",
}

TOPIC_QUOTE_LIMIT = 64
"""How much of an unknown topic /label quotes back."""

_MARK_BUTTON = re.compile(r"tandai:(?:bisa:([0-9]+)|(bisa|label):([0-9]+):([a-z_]{1,32}))")


@dataclass(frozen=True, slots=True)
class MarkButton:
    """A press on a mark's button: show the topics (``intent`` None) or choose one."""

    source: ReviewSource
    ticket_id: int
    intent: str | None = None


def mark_button(data: str | None) -> MarkButton | None:
    """``tandai:bisa:<id>`` or ``tandai:<bisa|label>:<id>:<intent>`` with an intent the
    source takes; None for anything else (``tandai:batal`` included)."""
    found = _MARK_BUTTON.fullmatch(data or "")
    if found is None:
        return None
    if found[1] is not None:
        ticket_id = parse_id(found[1])
        return MarkButton(ReviewSource.CONSULTANT_ANSWERABLE, ticket_id) if ticket_id else None
    source, ticket_id, intent = SOURCE_WORDS[found[2]], parse_id(found[3]), found[4]
    if ticket_id is None or intent not in CHOICES[source]:
        return None
    return MarkButton(source, ticket_id, intent)


def answerable_keyboard(ticket_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(ANSWERABLE_BUTTON, callback_data=f"tandai:bisa:{ticket_id}")]]
    )


def topic_keyboard(
    knowledge: KnowledgeBase,
    source: ReviewSource,
    ticket_id: int,
    topics: tuple[str, ...] = (),
) -> InlineKeyboardMarkup:
    """The topics (all the source takes when none are given), two to a row, then [Batal]."""
    word = next(w for w, s in SOURCE_WORDS.items() if s is source)
    buttons = [
        InlineKeyboardButton(
            topic_title(knowledge, intent), callback_data=f"tandai:{word}:{ticket_id}:{intent}"
        )
        for intent in topics or CHOICES[source]
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(CANCEL_BUTTON, callback_data=CANCEL_DATA)])
    return InlineKeyboardMarkup(rows)


async def ticket_question(session: AsyncSession, ticket: Ticket) -> Message | None:
    """The ASN's logged question that opened ``ticket``, as the assistant read it, or None.

    The one the card and /tiket show (``question_reading``): a ticket opened from the offer or
    /konsultan has its question filed under it, but one opened by [Tanya konsultan LKBH] under
    an answer or a clarify question carries only its text, so the question is found by its
    text. None when the assistant did not read it (a question typed for the consultant after
    /konsultan, the NLU down) or the ASN erased it.
    """
    question = await question_reading(session, ticket=ticket)
    if question is None or question.intent is None or not question.text:
        return None
    return question


async def closed_ticket_keyboard(
    session: AsyncSession, ticket: Ticket | None
) -> InlineKeyboardMarkup | None:
    """[🤖 Asisten sebenarnya bisa menjawab] for a closed ticket with a question the assistant
    read (the closed card, /tutup's confirmation); None otherwise."""
    if ticket is None or ticket.status != TicketStatus.SELESAI:
        return None
    return answerable_keyboard(ticket.id) if await ticket_question(session, ticket) else None


async def keyboard_after_closing(
    context: AppContext, ticket_id: int
) -> InlineKeyboardMarkup | None:
    """``closed_ticket_keyboard`` of ticket ``ticket_id``."""
    async with context.services.sessions() as session:
        return await closed_ticket_keyboard(session, await get_ticket(session, ticket_id=ticket_id))


def find_label(knowledge: KnowledgeBase, wanted: str) -> tuple[str, ...]:
    """The intents of ``RELABEL_INTENTS`` that ``wanted`` names, as /kirim reads a topic."""
    return find_topics(knowledge, wanted, RELABEL_INTENTS)


@dataclass(frozen=True, slots=True)
class Marked:
    """What marking a ticket's question came to: the reading it got, or why nothing."""

    reading: str = ""
    """The assistant's reading of the question, in words."""
    problem: str | None = None
    """A message key (with ``ticket_number``) when nothing was marked."""


async def mark_question(
    context: AppContext,
    *,
    ticket_id: int,
    consultant_id: int,
    source: ReviewSource,
    intent: str | None,
) -> Marked:
    """Queue ticket ``ticket_id``'s question with ``intent`` (audited); with ``intent`` None
    only check that there is a question to mark."""
    async with context.services.sessions() as session:
        ticket = await get_ticket(session, ticket_id=ticket_id)
        question = await ticket_question(session, ticket) if ticket is not None else None
        if ticket is None:
            return Marked(problem="nlu_mark_ticket_missing")
        if question is None:
            return Marked(problem="nlu_mark_no_question")
        reading = topic_title(context.services.knowledge, question.intent)
        if intent is not None:
            await queue_for_review(session, question, source=source, suggested_intent=intent)
            await record_audit_event(
                session,
                actor_id=consultant_id,
                action=AUDIT_ACTIONS[source],
                ticket_id=ticket_id,
                detail=intent,
            )
            await session.commit()
    return Marked(reading=reading)


def marked_text(knowledge: KnowledgeBase, ticket_id: int, intent: str) -> str:
    return knowledge.message(
        "nlu_marked", topic=topic_title(knowledge, intent), ticket_number=ticket_id
    )


def picker_text(
    knowledge: KnowledgeBase, source: ReviewSource, ticket_id: int, reading: str
) -> str:
    return knowledge.message(PICKER_MESSAGES[source], ticket_number=ticket_id, reading=reading)


async def press_mark_button(update: Update, context: AppContext) -> None:
    """[🤖 Asisten sebenarnya bisa menjawab] replies with the topics; a topic queues the
    question and the topics' message says so; [Batal] takes the topics away."""
    query = update.callback_query
    assert query is not None
    knowledge = context.services.knowledge
    if query.from_user.id not in context.services.settings.staff.team_ids:
        await query.answer(knowledge.message("staff_only_alert"), show_alert=True)
        return
    if query.data == CANCEL_DATA:
        await query.answer()
        with contextlib.suppress(BadRequest):  # a second press finds it changed already
            await query.edit_message_text(knowledge.message("nlu_mark_cancelled"))
        return
    button = mark_button(query.data)
    if button is None:
        await refuse_button(query, context)
        return
    marked = await mark_question(
        context,
        ticket_id=button.ticket_id,
        consultant_id=query.from_user.id,
        source=button.source,
        intent=button.intent,
    )
    if marked.problem is not None:
        alert = knowledge.message(marked.problem, ticket_number=button.ticket_id)
        await query.answer(shorten(alert, CALLBACK_ANSWER_LIMIT), show_alert=True)
        return
    await query.answer()
    if button.intent is None:
        if isinstance(query.message, TelegramMessage):  # not one too old to reach
            await query.message.reply_text(
                picker_text(knowledge, button.source, button.ticket_id, marked.reading),
                reply_markup=topic_keyboard(knowledge, button.source, button.ticket_id),
            )
        return
    with contextlib.suppress(BadRequest):  # the same choice pressed twice
        await query.edit_message_text(marked_text(knowledge, button.ticket_id, button.intent))


async def label_command(update: Update, context: AppContext) -> None:
    """/label N [topik]: ticket N's question was really that topic (buttons without one)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    knowledge, args = context.services.knowledge, context.args or []
    ticket_id = parse_id(args[0]) if args else None
    if ticket_id is None:
        await message.reply_text(knowledge.message("nlu_label_usage"))
        return
    source, wanted = ReviewSource.CONSULTANT_RELABEL, shorten(" ".join(args[1:]), TOPIC_QUOTE_LIMIT)
    found = find_label(knowledge, wanted) if wanted else ()
    marked = await mark_question(
        context,
        ticket_id=ticket_id,
        consultant_id=user.id,
        source=source,
        intent=found[0] if len(found) == 1 else None,
    )
    if marked.problem is not None:
        await message.reply_text(knowledge.message(marked.problem, ticket_number=ticket_id))
        return
    if len(found) == 1:
        await message.reply_text(marked_text(knowledge, ticket_id, found[0]))
        return
    heading = picker_text(knowledge, source, ticket_id, marked.reading)
    if wanted:
        key = "nlu_label_ambiguous_topic" if found else "nlu_label_unknown_topic"
        heading = f"{knowledge.message(key, topic=wanted)}\n\n{heading}"
    await message.reply_text(
        heading, reply_markup=topic_keyboard(knowledge, source, ticket_id, found)
    )

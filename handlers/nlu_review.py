"""``/tinjau_nlu``: reviewers (``REVIEWER_IDS``) label the questions the assistant may have misread.

One item at a time in a private chat, oldest first (skipped ones once nothing else waits): the
question with its personal data masked, the assistant's reading and why it was queued, and
buttons — the likely topics first, then all of them, out of scope, personal case, skip, and
"contains personal data". A decision is one conditional update with its audit event: of two
reviewers pressing on the same item, one is recorded and the other is told.
"""

from __future__ import annotations

import contextlib
import html
import logging
import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.intents import ALL_INTENTS, ANSWER_INTENTS, SMALL_TALK_INTENTS, TOPIC_INTENTS
from bot.knowledge import KnowledgeBase
from bot.nlu.masking import mask_personal_data
from bot.nlu.result import NluUnavailable
from bot.services import AppContext
from bot.settings import Settings
from bot.storage.audit import record_audit_event
from bot.storage.models import NluReviewItem
from bot.storage.nlu_review import (
    ReviewCounts,
    ReviewStatus,
    ReviewText,
    count_open_items,
    decide_review_item,
    next_item_to_review,
    review_item,
)
from bot.storage.transaction import in_transaction
from handlers.input_bounds import parse_id, refuse_button

logger = logging.getLogger(__name__)

AUDIT_ACTION = "tinjau_nlu"
OUT_OF_SCOPE, PERSONAL_CASE = "di_luar_topik", "konsultasi_kasus"
SHOW_ALL, SKIP, PERSONAL_DATA = "semua", "lewati", "pribadi"
LIKELY_TOPICS = 5
RANKED_TOPICS = 3
"""How many of the classifier's top intents, read again from the masked text, are offered."""
MAX_SHOWN_CHARS = 3000
"""A long question is cut for the card (Telegram: 4,096 characters a message)."""

_BUTTON = re.compile(r"tnlu:([0-9]{1,10}):([a-z_]{1,32})")


@dataclass(frozen=True, slots=True)
class ReviewButton:
    """A reviewer's button: ``tnlu:<item>:<intent | semua | lewati | pribadi>``."""

    item_id: int
    choice: str


def review_button(data: str | None) -> ReviewButton | None:
    """The button's item and choice, or None when the data is not one of ours."""
    match = _BUTTON.fullmatch(data or "")
    if match is None:
        return None
    item_id, choice = parse_id(match.group(1)), match.group(2)
    if item_id is None or choice not in (*ALL_INTENTS, SHOW_ALL, SKIP, PERSONAL_DATA):
        return None
    return ReviewButton(item_id, choice)


def intent_words(knowledge: KnowledgeBase, intent: str) -> str:
    """An intent as a reviewer reads it: its topic title, or its name in words."""
    if intent in ANSWER_INTENTS:
        return knowledge.title(intent)
    key = f"nlu_review_intent_{intent}"
    return knowledge.message(key) if key in knowledge.messages else intent


async def review_command(update: Update, context: AppContext) -> None:
    """/tinjau_nlu: show the next question waiting for review."""
    chat = update.effective_chat
    assert chat is not None
    await show_next_item(context, chat.id)


async def refuse_review_command(update: Update, context: AppContext) -> None:
    """/tinjau_nlu from someone who is not a reviewer, or a reviewer outside a private chat."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    reviewers = context.services.settings.staff.reviewer_ids
    key = "nlu_review_private_only" if user.id in reviewers else "nlu_review_for_reviewers"
    await message.reply_text(context.services.knowledge.message(key))


async def show_next_item(context: AppContext, chat_id: int) -> None:
    """Send the next item to review, or say that nothing waits."""

    async def load(session: AsyncSession) -> tuple[ReviewText | None, ReviewCounts]:
        return await next_item_to_review(session), await count_open_items(session)

    task, counts = await in_transaction(context.services.sessions, load)
    knowledge = context.services.knowledge
    if task is None:
        await context.bot.send_message(chat_id, knowledge.message("nlu_review_empty"))
        return
    masked = mask_personal_data(task.text, known_names=task.known_names)
    likely = await _likely_intents(context, task.item, masked)
    await context.bot.send_message(
        chat_id,
        _card(knowledge, task.item, masked, counts),
        reply_markup=_likely_keyboard(knowledge, task.item.id, likely),
    )


async def press_review_button(update: Update, context: AppContext) -> None:
    """Record a reviewer's decision once, or show every topic; then the next item."""
    query = update.callback_query
    assert query is not None
    button = review_button(query.data)
    if button is None:
        await refuse_button(query, context)
        return
    knowledge, user_id = context.services.knowledge, query.from_user.id
    if user_id not in context.services.settings.staff.reviewer_ids:
        await query.answer(knowledge.message("nlu_review_for_reviewers"))
        return
    if button.choice == SHOW_ALL:
        await _show_all_topics(update, context, button.item_id)
        return
    status, label = _decision(button.choice)

    async def decide(session: AsyncSession) -> tuple[bool, ReviewText | None]:
        decided = await decide_review_item(
            session, button.item_id, status=status, reviewer_id=user_id, label=label
        )
        if decided:
            detail = f"item {button.item_id}: " + (f"label {label}" if label else str(status))
            await record_audit_event(session, actor_id=user_id, action=AUDIT_ACTION, detail=detail)
        return decided, await review_item(session, button.item_id)

    decided, task = await in_transaction(context.services.sessions, decide)
    if not decided:
        gone = "nlu_review_gone" if task is None else "nlu_review_already_decided"
        await query.answer(knowledge.message(gone))
        return
    assert task is not None  # decided just now, in the same transaction
    await query.answer()
    masked = mask_personal_data(task.text, known_names=task.known_names)
    recorded = _recorded(knowledge, button.item_id, status, label)
    with contextlib.suppress(BadRequest):  # the card was edited already
        await query.edit_message_text(_decided_card(knowledge, button.item_id, masked, recorded))
    if query.message is not None:
        await show_next_item(context, query.message.chat.id)


async def _show_all_topics(update: Update, context: AppContext, item_id: int) -> None:
    query = update.callback_query
    assert query is not None
    knowledge = context.services.knowledge

    async def load(session: AsyncSession) -> ReviewText | None:
        return await review_item(session, item_id)

    task = await in_transaction(context.services.sessions, load)
    if task is None or task.item.status not in (ReviewStatus.PENDING, ReviewStatus.SKIPPED):
        gone = "nlu_review_gone" if task is None else "nlu_review_already_decided"
        await query.answer(knowledge.message(gone))
        return
    await query.answer()
    with contextlib.suppress(BadRequest):  # pressed twice: already showing them
        await query.edit_message_reply_markup(_all_topics_keyboard(knowledge, item_id))


def _decision(choice: str) -> tuple[ReviewStatus, str | None]:
    if choice == SKIP:
        return ReviewStatus.SKIPPED, None
    if choice == PERSONAL_DATA:
        return ReviewStatus.PERSONAL_DATA, None
    return ReviewStatus.LABELED, choice


async def _likely_intents(context: AppContext, item: NluReviewItem, masked: str) -> list[str]:
    """The consultant's topic, the assistant's reading, then the classifier's top intents for
    the masked text (left out while the NLU is unavailable); the fixed buttons excluded."""
    ranked: list[str] = []
    try:
        reading = await context.services.understanding.read(masked)
        ranked = [name for name, _ in reading.result.ranking[:RANKED_TOPICS]]
    except NluUnavailable as error:
        logger.info("NLU unavailable; the review card offers no ranked topics (%s)", error)
    likely: list[str] = []
    for intent in (item.suggested_intent, item.predicted_intent, *ranked):
        if intent in ALL_INTENTS and intent not in (OUT_OF_SCOPE, PERSONAL_CASE, *likely):
            likely.append(intent)
    return likely[:LIKELY_TOPICS]


def _card(knowledge: KnowledgeBase, item: NluReviewItem, masked: str, counts: ReviewCounts) -> str:
    lines = [knowledge.message("nlu_review_heading", item=item.id), _quoted(masked)]
    if item.action is None:
        lines.append(knowledge.message("nlu_review_reading_none"))
    else:
        lines.append(
            knowledge.message(
                "nlu_review_reading",
                topic=intent_words(knowledge, item.predicted_intent or OUT_OF_SCOPE),
                action=_action_words(knowledge, item.action),
                percent=round((item.confidence or 0.0) * 100),
            )
        )
    source_key = f"nlu_review_source_{item.source}"
    reason = knowledge.message(source_key) if source_key in knowledge.messages else item.source
    lines.append(knowledge.message("nlu_review_source", reason=reason))
    if item.suggested_intent:
        topic = intent_words(knowledge, item.suggested_intent)
        lines.append(knowledge.message("nlu_review_suggested", topic=topic))
    lines.append(
        knowledge.message("nlu_review_remaining", pending=counts.pending, skipped=counts.skipped)
    )
    lines.append("\n" + knowledge.message("nlu_review_prompt"))
    return "\n".join(lines)


def _decided_card(knowledge: KnowledgeBase, item_id: int, masked: str, recorded: str) -> str:
    return "\n".join(
        [knowledge.message("nlu_review_heading", item=item_id), _quoted(masked), recorded]
    )


def _quoted(masked: str) -> str:
    shown = masked if len(masked) <= MAX_SHOWN_CHARS else masked[:MAX_SHOWN_CHARS] + "…"
    return f"<blockquote>{html.escape(shown, quote=False)}</blockquote>"


def _action_words(knowledge: KnowledgeBase, action: str) -> str:
    key = f"nlu_review_action_{action}"
    return knowledge.message(key) if key in knowledge.messages else action


def _recorded(
    knowledge: KnowledgeBase, item_id: int, status: ReviewStatus, label: str | None
) -> str:
    if status is ReviewStatus.SKIPPED:
        return knowledge.message("nlu_review_recorded_skip", item=item_id)
    if status is ReviewStatus.PERSONAL_DATA:
        return knowledge.message("nlu_review_recorded_personal", item=item_id)
    assert label is not None
    topic = intent_words(knowledge, label)
    return knowledge.message("nlu_review_recorded_label", item=item_id, topic=topic)


def _button(item_id: int, choice: str, text: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=f"tnlu:{item_id}:{choice}")


def _label_button(knowledge: KnowledgeBase, item_id: int, intent: str) -> InlineKeyboardButton:
    return _button(item_id, intent, intent_words(knowledge, intent))


def _fixed_rows(knowledge: KnowledgeBase, item_id: int) -> list[list[InlineKeyboardButton]]:
    """Out of scope, personal case, skip, personal data: under every list of topics."""
    return [
        [
            _label_button(knowledge, item_id, OUT_OF_SCOPE),
            _label_button(knowledge, item_id, PERSONAL_CASE),
        ],
        [_button(item_id, SKIP, knowledge.message("nlu_review_button_skip"))],
        [_button(item_id, PERSONAL_DATA, knowledge.message("nlu_review_button_personal"))],
    ]


def _likely_keyboard(
    knowledge: KnowledgeBase, item_id: int, likely: list[str]
) -> InlineKeyboardMarkup:
    show_all = knowledge.message("nlu_review_button_all")
    return InlineKeyboardMarkup(
        [
            *([_label_button(knowledge, item_id, intent)] for intent in likely),
            [_button(item_id, SHOW_ALL, show_all)],
            *_fixed_rows(knowledge, item_id),
        ]
    )


def _all_topics_keyboard(knowledge: KnowledgeBase, item_id: int) -> InlineKeyboardMarkup:
    buttons = [
        _label_button(knowledge, item_id, intent)
        for intent in (*TOPIC_INTENTS, *SMALL_TALK_INTENTS)
    ]
    pairs = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup([*pairs, *_fixed_rows(knowledge, item_id)])


def build_handlers(settings: Settings) -> list[BaseHandler]:
    """/tinjau_nlu for reviewers in a private chat; anyone else is refused politely."""
    reviewers = filters.User(user_id=list(settings.staff.reviewer_ids))
    return [
        CommandHandler("tinjau_nlu", review_command, filters=reviewers & filters.ChatType.PRIVATE),
        CommandHandler("tinjau_nlu", refuse_review_command),
        CallbackQueryHandler(press_review_button, pattern=r"^tnlu:"),
    ]

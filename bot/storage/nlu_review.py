"""The review queue of questions the assistant may have read wrong (``/tinjau_nlu``).

A question joins the queue in the transaction that logs why: its out-of-scope or clarify
outcome, a 👎 on its answer, or a consultant's mark. One item per logged message; a later,
more telling source (a consultant's topic) updates the item still waiting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, Row, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.base import utcnow
from bot.storage.enums import MessageDirection
from bot.storage.models import Message, NluReviewItem, User


class ReviewSource(StrEnum):
    FALLBACK = "fallback"
    CLARIFY = "clarify"
    THUMBS_DOWN = "thumbs_down"
    CONSULTANT_ANSWERABLE = "consultant_answerable"
    """A consultant closing an escalation said the assistant could have answered: topic X."""
    CONSULTANT_RELABEL = "consultant_relabel"
    """A consultant said which topic a question really was."""


class ReviewStatus(StrEnum):
    PENDING = "pending"
    LABELED = "labeled"
    SKIPPED = "skipped"
    PERSONAL_DATA = "personal_data"
    """The text holds personal data masking cannot remove: never exported."""


async def queue_for_review(
    session: AsyncSession,
    message: Message,
    *,
    source: ReviewSource,
    suggested_intent: str | None = None,
) -> NluReviewItem:
    """Queue ``message`` (a logged question, flushed) for review with the reading it got.

    A message already queued keeps its item; a consultant's suggested topic is added to it
    while it still waits.
    """
    existing = await session.scalar(
        select(NluReviewItem).where(NluReviewItem.message_id == message.id)
    )
    if existing is not None:
        if suggested_intent and existing.status == ReviewStatus.PENDING:
            existing.suggested_intent = suggested_intent
            existing.source = source
        return existing
    item = NluReviewItem(
        message_id=message.id,
        source=str(source),
        predicted_intent=message.intent,
        confidence=message.confidence,
        action=message.action,
        suggested_intent=suggested_intent,
        status=str(ReviewStatus.PENDING),
    )
    session.add(item)
    await session.flush()
    return item


OPEN_STATUSES = (ReviewStatus.PENDING, ReviewStatus.SKIPPED)
"""Not decided yet: a skipped item comes back once nothing is pending."""


@dataclass(frozen=True, slots=True)
class ReviewText:
    """A queued item with what its masking needs: the question and the asker's own names."""

    item: NluReviewItem
    text: str
    known_names: tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class ReviewCounts:
    pending: int
    skipped: int


def _with_text() -> Select[tuple[NluReviewItem, str | None, str | None, str | None]]:
    return (
        select(NluReviewItem, Message.text, User.first_name, User.username)
        .join(Message, Message.id == NluReviewItem.message_id)
        .outerjoin(User, User.telegram_user_id == Message.user_id)
    )


def _review_text(row: Row[tuple[NluReviewItem, str | None, str | None, str | None]]) -> ReviewText:
    item, text, first_name, username = row
    return ReviewText(item, text or "", (first_name, username))


async def next_item_to_review(session: AsyncSession) -> ReviewText | None:
    """The oldest pending item; once none is pending, the skipped one skipped longest ago."""
    for status, order in (
        (ReviewStatus.PENDING, (NluReviewItem.id,)),
        (ReviewStatus.SKIPPED, (NluReviewItem.reviewed_at, NluReviewItem.id)),
    ):
        row = (
            await session.execute(
                _with_text().where(NluReviewItem.status == status).order_by(*order).limit(1)
            )
        ).first()
        if row is not None:
            return _review_text(row)
    return None


async def review_item(session: AsyncSession, item_id: int) -> ReviewText | None:
    """One item with its text, whatever its status; None when it is gone (data deleted)."""
    row = (await session.execute(_with_text().where(NluReviewItem.id == item_id))).first()
    return _review_text(row) if row is not None else None


async def count_open_items(session: AsyncSession) -> ReviewCounts:
    """How many items wait: pending, and skipped."""
    rows = await session.execute(
        select(NluReviewItem.status, func.count())
        .where(NluReviewItem.status.in_(OPEN_STATUSES))
        .group_by(NluReviewItem.status)
    )
    counts = {str(status): int(count) for status, count in rows.tuples()}
    return ReviewCounts(counts.get(ReviewStatus.PENDING, 0), counts.get(ReviewStatus.SKIPPED, 0))


async def decide_review_item(
    session: AsyncSession,
    item_id: int,
    *,
    status: ReviewStatus,
    reviewer_id: int,
    label: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Record a reviewer's decision unless the item was decided already (False then).

    One conditional UPDATE: of two reviewers deciding the same item at once, one wins.
    """
    if status is ReviewStatus.LABELED and not label:
        raise ValueError("a label decision needs its label")
    result = await session.execute(
        update(NluReviewItem)
        .where(NluReviewItem.id == item_id, NluReviewItem.status.in_(OPEN_STATUSES))
        .values(
            status=str(status),
            label=label if status is ReviewStatus.LABELED else None,
            reviewer_id=reviewer_id,
            reviewed_at=now or utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    return bool(cast(CursorResult[Any], result).rowcount)


async def items_to_export(session: AsyncSession) -> list[ReviewText]:
    """Labeled items not exported yet, oldest first (never one marked personal data)."""
    rows = await session.execute(
        _with_text()
        .where(NluReviewItem.status == ReviewStatus.LABELED, NluReviewItem.exported_at.is_(None))
        .order_by(NluReviewItem.id)
    )
    return [_review_text(row) for row in rows]


async def mark_exported(
    session: AsyncSession, item_ids: Sequence[int], *, now: datetime | None = None
) -> None:
    """Mark items as written into training data (or deliberately left out as duplicates)."""
    if item_ids:
        await session.execute(
            update(NluReviewItem)
            .where(NluReviewItem.id.in_(item_ids), NluReviewItem.exported_at.is_(None))
            .values(exported_at=now or utcnow())
            .execution_options(synchronize_session=False)
        )


async def question_answered_by(
    session: AsyncSession, *, chat_id: int, answer_telegram_id: int
) -> Message | None:
    """The logged question that a bot answer (its Telegram message id) was the reply to.

    The latest question of the chat before that answer, read as the answer's topic; None
    for an answer to a menu press, or when the log no longer holds them.
    """
    answer = await session.scalar(
        select(Message)
        .where(
            Message.chat_id == chat_id,
            Message.direction == MessageDirection.OUT,
            Message.telegram_message_id == answer_telegram_id,
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    if answer is None or answer.intent is None:
        return None
    question = await session.scalar(
        select(Message)
        .where(
            Message.chat_id == chat_id,
            Message.direction == MessageDirection.IN,
            Message.id < answer.id,
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    if question is None or question.intent != answer.intent or not question.text:
        return None
    return question

"""A lawyer's sign-off of knowledge entries: what a decision covers and what state it leaves.

A decision (``KnowledgeReview``) is about one version of an entry, named by its content hash:
every field the user reads (the entry's text, its citations) and the records of the
regulations it cites (a regulation revoked since makes the answer a draft again). The state of
an entry is its latest decision on the version it has now; none is a draft.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.knowledge.base import KnowledgeBase
from bot.queue import clock
from bot.settings import Settings
from bot.storage.database import DatabaseUnavailable
from bot.storage.enums import KnowledgeDecision
from bot.storage.knowledge_reviews import approved_versions, entry_histories
from bot.storage.models import KnowledgeReview
from bot.storage.transaction import in_transaction

logger = logging.getLogger(__name__)

HASH_PREFIX_LENGTH = 10
"""Characters of the hash a button carries: enough to notice that the text changed."""
METADATA_FIELDS = frozenset({"last_reviewed", "reviewer"})
"""Fields of an entry the user never reads: changing them keeps a lawyer's approval."""


class ReviewState(StrEnum):
    """An entry's state, in the order a lawyer should look at them."""

    DRAFT = "draft"
    NEEDS_CHANGE = "needs_change"
    OVERDUE = "overdue"
    APPROVED = "approved"


REVIEW_ORDER = tuple(ReviewState)
UNREVIEWED_STATES = frozenset({ReviewState.DRAFT, ReviewState.NEEDS_CHANGE})
"""States in which users are told that no lawyer has approved the answer."""


def content_hash(kb: KnowledgeBase, intent: str) -> str:
    """The SHA-256 (hex) of what a lawyer approves when approving ``intent``'s answer."""
    entry = kb.entry(intent)
    cited = sorted({c.regulation for c in getattr(entry, "citations", ())})
    content = {
        "entry": entry.model_dump(mode="json", exclude=set(METADATA_FIELDS)),
        "regulations": {
            regulation_id: _regulation_record(kb, regulation_id) for regulation_id in cited
        },
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _regulation_record(kb: KnowledgeBase, regulation_id: str) -> dict[str, str | None] | None:
    regulation = kb.regulations.get(regulation_id)
    if regulation is None:
        return None
    return {
        "short_name": regulation.short_name,
        "title": regulation.title,
        "status": regulation.status,
        "revoked_by": regulation.revoked_by,
    }


def office_today(settings: Settings) -> date:
    """Today in the office's time zone (``queue.timezone``): the day a decision is dated."""
    return clock.now().astimezone(ZoneInfo(settings.queue.timezone)).date()


def review_by_date(settings: Settings, approved_on: date) -> date:
    """When an approval given on ``approved_on`` is due for review."""
    return approved_on + timedelta(days=settings.knowledge.review_interval_days)


def review_state(latest: KnowledgeReview | None, today: date) -> ReviewState:
    """The state left by the latest decision on the entry's current version (None: none)."""
    if latest is None:
        return ReviewState.DRAFT
    if latest.decision != KnowledgeDecision.APPROVED:
        return ReviewState.NEEDS_CHANGE
    if latest.review_by is not None and latest.review_by < today:
        return ReviewState.OVERDUE
    return ReviewState.APPROVED


async def read_approvals(
    sessions: async_sessionmaker[AsyncSession],
) -> frozenset[tuple[str, str]] | None:
    """The approved versions of every entry (``approved_versions``); None while the database
    cannot say."""
    try:
        return await in_transaction(sessions, approved_versions)
    except DatabaseUnavailable as error:
        logger.warning("Lawyers' approvals unread, the database is unavailable: %s", error)
        return None


def is_approved(approvals: frozenset[tuple[str, str]], kb: KnowledgeBase, intent: str) -> bool:
    """Whether ``intent``'s answer, as it is now, is among the approved versions."""
    return (intent, content_hash(kb, intent)) in approvals


@dataclass(frozen=True)
class EntryStatus:
    """One entry as a lawyer or a maintainer sees it: its state, the latest decision on its
    current version, and the correction notes given since its last approval."""

    intent: str
    content_hash: str
    state: ReviewState
    latest: KnowledgeReview | None
    open_notes: tuple[KnowledgeReview, ...] = ()


async def entry_statuses(
    session: AsyncSession, kb: KnowledgeBase, today: date
) -> list[EntryStatus]:
    """Every entry of ``kb`` with its state, in the order to review them: drafts, needing
    change, overdue, then approved (within each, the knowledge base's order)."""
    hashes = {intent: content_hash(kb, intent) for intent in kb.entries}
    histories = await entry_histories(session, hashes)
    statuses = [
        EntryStatus(
            intent,
            hashes[intent],
            review_state(histories[intent].latest, today),
            histories[intent].latest,
            histories[intent].open_notes,
        )
        for intent in kb.entries
    ]
    return review_queue(statuses)


def drafts(kb: KnowledgeBase) -> list[EntryStatus]:
    """Every entry as a draft: what is known when no decision can be read."""
    return [
        EntryStatus(intent, content_hash(kb, intent), ReviewState.DRAFT, None)
        for intent in kb.entries
    ]


def review_queue(statuses: Iterable[EntryStatus]) -> list[EntryStatus]:
    """``statuses`` in the order to review them: drafts, needing change, overdue, approved."""
    return sorted(statuses, key=lambda status: REVIEW_ORDER.index(status.state))

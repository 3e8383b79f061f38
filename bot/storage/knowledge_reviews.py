"""Lawyers' decisions on knowledge entries, and the requests to reload the knowledge base.

Decisions are append-only (``KnowledgeReview``): what an entry's state is follows from them
(``bot.knowledge.review``). A reload request (``KnowledgeReload``) is what tells every worker
to read the knowledge files again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.enums import KnowledgeDecision, MessageDirection
from bot.storage.models import KnowledgeReload, KnowledgeReview, Message

REVIEW_NOTE_PROMPT_ACTION = "catatan_advokat"
"""``messages.action`` of the bot's request for a lawyer's correction note (its ``intent``:
the entry)."""


async def latest_review(
    session: AsyncSession, *, entry: str, content_hash: str
) -> KnowledgeReview | None:
    """The latest decision on this version of ``entry`` (one indexed lookup)."""
    return await session.scalar(
        select(KnowledgeReview)
        .where(KnowledgeReview.entry == entry, KnowledgeReview.content_hash == content_hash)
        .order_by(KnowledgeReview.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class EntryHistory:
    """What the decisions say about one entry: the latest on its current version, and the
    correction notes given since its last approval (of any version): still open."""

    latest: KnowledgeReview | None
    open_notes: tuple[KnowledgeReview, ...]


async def entry_histories(
    session: AsyncSession, hashes: Mapping[str, str]
) -> dict[str, EntryHistory]:
    """For each entry of ``hashes`` (entry → its current content hash), its history."""
    rows = await session.scalars(
        select(KnowledgeReview)
        .where(KnowledgeReview.entry.in_(list(hashes)))
        .order_by(KnowledgeReview.entry, KnowledgeReview.id)
    )
    by_entry: dict[str, list[KnowledgeReview]] = {entry: [] for entry in hashes}
    for row in rows:
        by_entry[row.entry].append(row)
    histories = {}
    for entry, reviews in by_entry.items():
        current = [r for r in reviews if r.content_hash == hashes[entry]]
        approvals = [i for i, r in enumerate(reviews) if r.decision == KnowledgeDecision.APPROVED]
        since = approvals[-1] + 1 if approvals else 0
        notes = tuple(r for r in reviews[since:] if r.decision == KnowledgeDecision.NEEDS_CHANGE)
        histories[entry] = EntryHistory(current[-1] if current else None, notes)
    return histories


async def record_review(
    session: AsyncSession,
    *,
    entry: str,
    content_hash: str,
    decision: str,
    lawyer_id: int,
    lawyer_name: str | None,
    note: str | None = None,
    review_by: date | None = None,
) -> KnowledgeReview:
    """Store a lawyer's decision on one version of ``entry``."""
    review = KnowledgeReview(
        entry=entry,
        content_hash=content_hash,
        decision=decision,
        lawyer_id=lawyer_id,
        lawyer_name=lawyer_name,
        note=note,
        review_by=review_by,
    )
    session.add(review)
    await session.flush()
    return review


async def review_note_prompt_entry(
    session: AsyncSession, *, chat_id: int, telegram_message_id: int
) -> str | None:
    """The entry whose correction note the bot asked for with this message, if it did."""
    return await session.scalar(
        select(Message.intent).where(
            Message.chat_id == chat_id,
            Message.telegram_message_id == telegram_message_id,
            Message.direction == MessageDirection.OUT,
            Message.action == REVIEW_NOTE_PROMPT_ACTION,
        )
    )


async def record_reload(session: AsyncSession, *, requested_by: int | None) -> int:
    """Ask every worker to reload the knowledge base; the request's id."""
    reload = KnowledgeReload(requested_by=requested_by)
    session.add(reload)
    await session.flush()
    return reload.id


async def approved_versions(session: AsyncSession) -> frozenset[tuple[str, str]]:
    """Every (entry, content hash) whose latest decision approves it."""
    rows = await session.execute(
        select(
            KnowledgeReview.entry, KnowledgeReview.content_hash, KnowledgeReview.decision
        ).order_by(KnowledgeReview.id)
    )
    latest = {(entry, digest): decision for entry, digest, decision in rows}
    return frozenset(
        version for version, decision in latest.items() if decision == KnowledgeDecision.APPROVED
    )


async def latest_reload(session: AsyncSession) -> int:
    """The id of the latest reload request; 0 when there was none."""
    return int(await session.scalar(select(func.coalesce(func.max(KnowledgeReload.id), 0))) or 0)

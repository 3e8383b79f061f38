"""The lawyers' review states for maintainers: ``kb status`` and the warnings of ``kb check``.

The states are read from the bot's database (``DATABASE_URL``, else the default SQLite file).
When it cannot be read — a fresh clone has none, and nothing here creates one — every answer
counts as a draft, and the output says why.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.review import EntryStatus, ReviewState, drafts, entry_statuses, office_today
from bot.settings import load_settings
from bot.storage.database import (
    create_engine,
    create_session_factory,
    default_database_url,
    normalize_database_url,
)
from bot.storage.enums import KnowledgeDecision

STATE_WORDS = {
    ReviewState.DRAFT: "draft",
    ReviewState.NEEDS_CHANGE: "needs change",
    ReviewState.OVERDUE: "overdue",
    ReviewState.APPROVED: "approved",
}


def read_review_states(kb: KnowledgeBase) -> tuple[list[EntryStatus], str | None]:
    """Each entry's review state, in review order; when they cannot be read, every entry as
    a draft and the reason."""
    try:
        settings = load_settings()
        url = normalize_database_url(settings.database_url or default_database_url())
    except (ValueError, OSError) as error:  # pydantic's ValidationError is a ValueError
        return drafts(kb), f"Review states not read, the settings are refused: {error}"
    where = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return drafts(kb), f"Review states not read: no database at {url.database}"

    async def read() -> list[EntryStatus]:
        engine = create_engine(url.render_as_string(hide_password=False), settings.database)
        try:
            async with create_session_factory(engine)() as session:
                return await entry_statuses(session, kb, office_today(settings))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(read()), None
    except (SQLAlchemyError, OSError) as error:
        return drafts(kb), f"Review states not read from {where}: {type(error).__name__}"


def review_warnings(statuses: list[EntryStatus], unread: str | None) -> list[str]:
    """What ``kb check`` warns of: drafts, answers sent back for a change, overdue reviews."""
    warnings = [f"{unread}; every answer counts as a draft"] if unread else []
    for state, what in (
        (ReviewState.DRAFT, "not yet approved by an LKBH lawyer (draft)"),
        (ReviewState.NEEDS_CHANGE, "sent back by a lawyer for a change (kb status: the notes)"),
        (ReviewState.OVERDUE, "approved, but past the review-by date"),
    ):
        intents = [status.intent for status in statuses if status.state is state]
        if intents:
            warnings.append(f"{len(intents)} answer(s) {what}: {', '.join(intents)}")
    return warnings


def status_lines(kb: KnowledgeBase, statuses: list[EntryStatus]) -> list[str]:
    """One line per entry (state, approval, review-by), each open correction note below it,
    then the totals."""
    lines = []
    for status in statuses:
        line = f"{STATE_WORDS[status.state]:<13} {status.intent:<22} {kb.title(status.intent)}"
        latest = status.latest
        if latest is not None and latest.decision == KnowledgeDecision.APPROVED:
            line += (
                f" — approved by {latest.lawyer_name or latest.lawyer_id} on "
                f"{latest.created_at.date()}, review by {latest.review_by}"
            )
        lines.append(line)
        for note in status.open_notes:
            who = note.lawyer_name or note.lawyer_id
            lines.append(f"    note from {who}, {note.created_at.date()}: {note.note}")
    counts = [
        f"{sum(s.state is state for s in statuses)} {word}" for state, word in STATE_WORDS.items()
    ]
    lines.append(f"Total {len(statuses)}: {', '.join(counts)}")
    return lines

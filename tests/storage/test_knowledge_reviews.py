"""Lawyers' decisions and reload requests in the database (SQLite and PostgreSQL): the state
each entry is left in, the notes still open, and what an answer reads when it is sent."""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.knowledge import KnowledgeBase, load_knowledge_base
from bot.knowledge.models import TopicEntry
from bot.knowledge.review import (
    ReviewState,
    content_hash,
    entry_statuses,
    is_approved,
    read_approvals,
)
from bot.nlu.client import NluClient
from bot.nlu.understanding import Understanding
from bot.services import AppContext, Services
from bot.settings import KnowledgeSettings, Settings
from bot.storage import create_engine, create_session_factory
from bot.storage.knowledge_reviews import latest_reload, latest_review, record_reload, record_review
from handlers.knowledge_reload import refresh_approvals
from handlers.replies import answer_html

TODAY = date(2026, 12, 10)


async def decide(
    sessions: async_sessionmaker[AsyncSession],
    entry: str,
    digest: str,
    decision: str,
    *,
    note: str | None = None,
    review_by: date | None = None,
) -> None:
    async with sessions() as session:
        await record_review(
            session,
            entry=entry,
            content_hash=digest,
            decision=decision,
            lawyer_id=9001,
            lawyer_name="Dewi Lestari",
            note=note,
            review_by=review_by,
        )
        await session.commit()


async def approved(
    sessions: async_sessionmaker[AsyncSession], kb: KnowledgeBase, intent: str
) -> bool:
    """Whether the answer to ``intent`` as ``kb`` has it now counts as approved."""
    approvals = await read_approvals(sessions)
    assert approvals is not None
    return is_approved(approvals, kb, intent)


async def test_the_latest_decision_on_the_current_version_counts(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    kb = load_knowledge_base()
    digest = content_hash(kb, "media_sosial")
    assert not await approved(session_factory, kb, "media_sosial")

    await decide(session_factory, "media_sosial", digest, "approved", review_by=TODAY)
    assert await approved(session_factory, kb, "media_sosial")
    assert not await approved(session_factory, kb, "kampanye"), "another entry"

    await decide(session_factory, "media_sosial", digest, "needs_change", note="Pasal salah")
    assert not await approved(session_factory, kb, "media_sosial")
    async with session_factory() as session:
        latest = await latest_review(session, entry="media_sosial", content_hash=digest)
    assert latest is not None and latest.note == "Pasal salah"

    # The text changes: the approval was of another version, the entry is a draft again.
    await decide(session_factory, "media_sosial", digest, "approved", review_by=TODAY)
    entry = kb.entries["media_sosial"]
    assert isinstance(entry, TopicEntry)
    kb.entries["media_sosial"] = entry.model_copy(update={"advice": "Saran baru."})
    assert not await approved(session_factory, kb, "media_sosial")


async def test_states_notes_and_overdue_reviews_of_every_entry(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    kb = load_knowledge_base()
    hashes = {intent: content_hash(kb, intent) for intent in kb.entries}
    await decide(session_factory, "salam", hashes["salam"], "approved", review_by=TODAY)
    await decide(session_factory, "sanksi", hashes["sanksi"], "approved", review_by=TODAY)
    await decide(session_factory, "sanksi", hashes["sanksi"], "needs_change", note="Sebut PP 94")
    yesterday = TODAY - timedelta(days=1)
    await decide(session_factory, "kampanye", hashes["kampanye"], "approved", review_by=yesterday)
    await decide(session_factory, "hak_pilih", "old-version", "needs_change", note="Lama")

    async with session_factory() as session:
        statuses = {s.intent: s for s in await entry_statuses(session, kb, TODAY)}
    states = {intent: status.state for intent, status in statuses.items()}
    assert states["salam"] is ReviewState.APPROVED
    assert states["sanksi"] is ReviewState.NEEDS_CHANGE
    assert states["kampanye"] is ReviewState.OVERDUE
    assert states["hak_pilih"] is ReviewState.DRAFT, "a decision on an older text"
    assert sum(state is ReviewState.DRAFT for state in states.values()) == 18
    # Notes stay open until the entry's next approval, whichever version they were about.
    assert [n.note for n in statuses["sanksi"].open_notes] == ["Sebut PP 94"]
    assert [n.note for n in statuses["hak_pilih"].open_notes] == ["Lama"]
    assert statuses["salam"].open_notes == ()
    approval = statuses["salam"].latest
    assert approval is not None and approval.lawyer_name == "Dewi Lestari"

    await decide(session_factory, "sanksi", hashes["sanksi"], "approved", review_by=TODAY)
    async with session_factory() as session:
        statuses = {s.intent: s for s in await entry_statuses(session, kb, TODAY)}
    assert statuses["sanksi"].state is ReviewState.APPROVED and statuses["sanksi"].open_notes == ()
    order = [s.state for s in statuses.values()]
    assert order == sorted(order, key=list(ReviewState).index), "the review order"


async def test_reload_requests_count_up(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory() as session:
        assert await latest_reload(session) == 0
        first = await record_reload(session, requested_by=7009)
        second = await record_reload(session, requested_by=None)
        await session.commit()
        assert second > first > 0
        assert await latest_reload(session) == second


async def test_while_the_database_is_unreachable_a_worker_keeps_the_approvals_it_read(
    tmp_path: object,
) -> None:
    """Read on start, none are kept (every answer carries the line); later, the last ones."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/db.sqlite")
    settings = Settings()
    client = NluClient.from_settings(settings.rasa, url="http://127.0.0.1:9", auth_token=None)
    kept = frozenset({("media_sosial", "a" * 64)})
    services = Services(
        settings=settings,
        engine=engine,
        sessions=create_session_factory(engine),
        understanding=Understanding(client, settings.policy),
        knowledge=load_knowledge_base(),
        approvals=kept,
    )
    try:
        assert await read_approvals(services.sessions) is None
        await refresh_approvals(services)
        assert services.approvals == kept
    finally:
        await client.aclose()
        await engine.dispose()


class Worker:
    """What a handler's context gives ``answer_html``: one worker's services."""

    def __init__(self, services: Services) -> None:
        self.services = services


@pytest.mark.parametrize("show_draft_notice", [True, False])
async def test_the_answer_sent_carries_the_line_until_approved_when_the_setting_is_on(
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    show_draft_notice: bool,
) -> None:
    settings = Settings(knowledge=KnowledgeSettings(show_draft_notice=show_draft_notice))
    client = NluClient.from_settings(settings.rasa, url="http://127.0.0.1:9", auth_token=None)
    kb = load_knowledge_base()
    services = Services(
        settings=settings,
        engine=engine,
        sessions=session_factory,
        understanding=Understanding(client, settings.policy),
        knowledge=kb,
    )
    context = cast(AppContext, Worker(services))
    try:
        notice = kb.message("draft_notice")
        assert (notice in await answer_html(context, kb, "media_sosial")) is show_draft_notice
        assert notice not in await answer_html(context, kb, "salam"), "small talk: never"
        await decide(session_factory, "media_sosial", content_hash(kb, "media_sosial"), "approved")
        # Approved in another worker: this one follows at its next look (every 30 s).
        assert (notice in await answer_html(context, kb, "media_sosial")) is show_draft_notice
        await refresh_approvals(services)
        assert notice not in await answer_html(context, kb, "media_sosial")
    finally:
        await client.aclose()

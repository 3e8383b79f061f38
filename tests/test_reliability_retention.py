"""Retention: a scheduled job deletes old messages, staff notices and processed update ids,
and clears old tickets' question and rating comment, keeping what the reports need."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, ContextTypes

from bot.services import AppContext, BotData
from bot.settings import PrivacySettings, Settings
from bot.storage import (
    ClosedBy,
    EscalationReason,
    Message,
    MessageDirection,
    ProcessedUpdate,
    Ticket,
    close_ticket,
    create_engine,
    create_session_factory,
    get_or_create_user,
    log_message,
    open_ticket,
    rate_ticket,
    upgrade_database_async,
    utcnow,
)
from bot.storage.models import StaffNotice
from bot.storage.outbox import NoticeKind, enqueue_notice, give_up_notices, mark_notices_sent
from handlers.privacy import RETENTION_JOB, run_retention, schedule_jobs

SETTINGS = Settings(privacy=PrivacySettings(retention_days=30, retention_check_hours=6))


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'retention.db'}"
    await upgrade_database_async(url)
    engine = create_engine(url)
    yield create_session_factory(engine)
    await engine.dispose()


async def _age(session: AsyncSession, model: type, row_filter: object, days: int) -> None:
    aged = utcnow() - timedelta(days=days)
    await session.execute(update(model).where(row_filter).values(created_at=aged))  # type: ignore[arg-type]


async def test_the_job_deletes_only_what_is_older_than_the_retention_period(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        for text, days in (("lama sekali", 31), ("baru", 29), ("kemarin", 1)):
            message_id = await log_message(
                session, chat_id=5, user_id=None, direction=MessageDirection.IN, text=text
            )
            await _age(session, Message, Message.id == message_id, days)
        for update_id, days in ((1, 10), (2, 0)):
            session.add(ProcessedUpdate(update_id=update_id))
            await session.flush()
            await _age(session, ProcessedUpdate, ProcessedUpdate.update_id == update_id, days)
        await _tickets_closed_days_ago(session, {31: "kasus lama", 29: "kasus baru"})
        await _notices_settled_days_ago(session, {"terkirim lama": 31, "terkirim baru": 29})
        await session.commit()

    application = (
        Application.builder()
        .token("1:x")
        .context_types(ContextTypes(context=AppContext, bot_data=BotData))
        .build()
    )
    application.bot_data.services = SimpleNamespace(sessions=sessions, settings=SETTINGS)  # type: ignore[assignment]
    await run_retention(AppContext(application))

    async with sessions() as session:
        texts = set(await session.scalars(select(Message.text)))
        updates = set(await session.scalars(select(ProcessedUpdate.update_id)))
        total = await session.scalar(select(func.count()).select_from(Message))
        tickets = (await session.execute(select(Ticket).order_by(Ticket.id))).scalars().all()
        notices = set(await session.scalars(select(StaffNotice.payload)))
    assert texts == {"baru", "kemarin"} and total == 2
    assert updates == {2}
    # The old ticket keeps what the reports need: status, topic, times, rating.
    assert [(t.question, t.rating_comment) for t in tickets] == [
        (None, None),
        ("kasus baru", "komentar kasus baru"),
    ]
    assert all(t.topic == "sanksi" and t.rating == 4 and t.closed_at for t in tickets)
    assert notices == {'{"html": "terkirim baru"}', '{"html": "gagal baru"}'}


async def _tickets_closed_days_ago(session: AsyncSession, questions: dict[int, str]) -> None:
    for user_id, (days, question) in enumerate(questions.items(), start=1):
        await get_or_create_user(
            session, user_id=user_id, chat_id=user_id, first_name=None, username=None
        )
        ticket, _ = await open_ticket(
            session,
            user_id=user_id,
            reason=EscalationReason.KONSULTASI_KASUS,
            question=question,
            topic="sanksi",
        )
        await close_ticket(session, ticket_id=ticket.id, closed_by=ClosedBy.KONSULTAN)
        await rate_ticket(
            session, ticket_id=ticket.id, user_id=user_id, rating=4, comment=f"komentar {question}"
        )
        closed = utcnow() - timedelta(days=days)
        await session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(created_at=closed - timedelta(hours=1), closed_at=closed)
        )


async def _notices_settled_days_ago(session: AsyncSession, sent: dict[str, int]) -> None:
    for text, days in sent.items():
        at = utcnow() - timedelta(days=days)
        notice = await enqueue_notice(session, NoticeKind.NOTE, {"html": text})
        await mark_notices_sent(session, [notice.id], at=at)
        failed = await enqueue_notice(
            session, NoticeKind.NOTE, {"html": text.replace("terkirim", "gagal")}
        )
        await give_up_notices(session, [failed], error="BadRequest", at=at)


async def test_the_job_is_scheduled_soon_after_start_and_then_repeatedly() -> None:
    application = Application.builder().token("1:x").build()
    assert application.job_queue is not None
    schedule_jobs(application.job_queue, SETTINGS)
    [job] = application.job_queue.get_jobs_by_name(RETENTION_JOB)
    assert job.callback is run_retention
    trigger = job.job.trigger
    assert trigger.interval == timedelta(hours=6)  # type: ignore[attr-defined]

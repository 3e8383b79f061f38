"""Retention: old messages and processed update ids are deleted by a scheduled job."""

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
    Message,
    MessageDirection,
    ProcessedUpdate,
    create_engine,
    create_session_factory,
    log_message,
    upgrade_database_async,
    utcnow,
)
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
    assert texts == {"baru", "kemarin"} and total == 2
    assert updates == {2}


async def test_the_job_is_scheduled_soon_after_start_and_then_repeatedly() -> None:
    application = Application.builder().token("1:x").build()
    assert application.job_queue is not None
    schedule_jobs(application.job_queue, SETTINGS)
    [job] = application.job_queue.get_jobs_by_name(RETENTION_JOB)
    assert job.callback is run_retention
    trigger = job.job.trigger
    assert trigger.interval == timedelta(hours=6)  # type: ignore[attr-defined]

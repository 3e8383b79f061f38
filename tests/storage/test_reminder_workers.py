"""The reminder check as workers run it (``handlers.staff_jobs.remind_consultants``): two at
once remind of a ticket once per period, the owner first, counting office time only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from telegram.ext import Application, ContextTypes

from bot.queue import clock
from bot.services import AppContext, BotData
from bot.settings import QueueSettings, Settings, StaffSettings
from bot.storage import (
    EscalationReason,
    Ticket,
    claim_ticket,
    create_engine,
    create_session_factory,
    open_ticket,
)
from bot.storage.models import StaffNotice
from handlers.staff_jobs import remind_consultants
from tests.storage.conftest import MakeUser

SETTINGS = Settings(
    staff=StaffSettings(chat_id=-1001000000001, consultant_ids=(7001, 7002)),
    queue=QueueSettings(
        remind_unclaimed_minutes=30,
        remind_unanswered_minutes=120,
        remind_group_after_minutes=60,
        remind_every_minutes=60,
    ),
)
ROUNDS = 5
"""Checks both workers run at each moment, at once."""


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in November 2026 (the 23rd is a Monday, no holiday that week), as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(UTC)


def worker(url: str) -> tuple[AppContext, AsyncEngine]:
    """A worker's context: its own engine (its own connections), as in a second process."""
    engine = create_engine(url)
    application = (
        Application.builder()
        .token("1:x")
        .context_types(ContextTypes(context=AppContext, bot_data=BotData))
        .build()
    )
    sessions = create_session_factory(engine)
    application.bot_data.services = SimpleNamespace(sessions=sessions, settings=SETTINGS)  # type: ignore[assignment]
    return AppContext(application), engine


@pytest.fixture
async def workers(migrated_url: str) -> AsyncIterator[list[AppContext]]:
    made = [worker(migrated_url) for _ in range(2)]
    yield [context for context, _ in made]
    for _, engine in made:
        await engine.dispose()


async def check_at(
    monkeypatch: pytest.MonkeyPatch, workers: list[AppContext], at: datetime
) -> None:
    """Both workers run the reminder check at ``at``, at once, a few times over."""
    monkeypatch.setattr(clock, "now", lambda: at)
    for _ in range(ROUNDS):
        await asyncio.gather(*(remind_consultants(context) for context in workers))


async def reminders(session: AsyncSession) -> list[tuple[str, int | None, dict[str, Any]]]:
    """The queued reminders: kind, ticket and payload (in a transaction of its own: on SQLite
    an open one would hold the workers back)."""
    notices = list(await session.scalars(select(StaffNotice).order_by(StaffNotice.id)))
    await session.commit()
    return [(n.kind, n.ticket_id, n.content) for n in notices]


async def new_ticket(
    session: AsyncSession, make_user: MakeUser, user_id: int, created_at: datetime
) -> Ticket:
    await make_user(user_id)
    ticket, _ = await open_ticket(
        session, user_id=user_id, reason=EscalationReason.KONSULTASI_KASUS, question="kasus"
    )
    await session.execute(
        update(Ticket).where(Ticket.id == ticket.id).values(created_at=created_at)
    )
    await session.commit()
    return ticket


async def test_two_workers_at_once_remind_of_an_unclaimed_ticket_once_per_period(
    session: AsyncSession,
    make_user: MakeUser,
    workers: list[AppContext],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticket = await new_ticket(session, make_user, 1, created_at=wib(27, 15, 50))  # a Friday
    await check_at(monkeypatch, workers, wib(27, 16, 5))  # 10 minutes of office time
    await check_at(monkeypatch, workers, wib(28, 10))  # Saturday: closed
    await check_at(monkeypatch, workers, wib(30, 8, 19))
    assert await reminders(session) == []
    await check_at(monkeypatch, workers, wib(30, 8, 20))  # Monday: 30 minutes
    [(kind, about, content)] = await reminders(session)
    assert (kind, about) == ("note", ticket.id) and "belum diambil" in content["html"]
    await check_at(monkeypatch, workers, wib(30, 9, 19))
    assert len(await reminders(session)) == 1
    await check_at(monkeypatch, workers, wib(30, 9, 20))
    assert len(await reminders(session)) == 2


async def test_the_owner_is_reminded_privately_first_then_the_group(
    session: AsyncSession,
    make_user: MakeUser,
    workers: list[AppContext],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await make_user(7001, first_name="Andi")  # wrote to the bot: a private chat; Budi did not
    with_chat = await new_ticket(session, make_user, 1, created_at=wib(23, 8))
    without_chat = await new_ticket(session, make_user, 2, created_at=wib(23, 8))
    for ticket, consultant in ((with_chat, 7001), (without_chat, 7002)):
        await claim_ticket(
            session, ticket_id=ticket.id, consultant_id=consultant, consultant_name=f"K{consultant}"
        )
        claimed = update(Ticket).where(Ticket.id == ticket.id).values(claimed_at=wib(23, 9))
        await session.execute(claimed)
    await session.commit()

    await check_at(monkeypatch, workers, wib(23, 10, 59))
    assert await reminders(session) == []
    await check_at(monkeypatch, workers, wib(23, 11))  # two hours unanswered
    private, fallback = await reminders(session)
    assert private[:2] == ("private_reminder", with_chat.id) and private[2]["chat_id"] == 7001
    assert "yang Anda ambil" in private[2]["html"]
    assert f"/jawab {with_chat.id}" in private[2]["html"]
    assert "pengingat pribadi kepada K7001" in private[2]["fallback_html"]  # if refused
    assert fallback[:2] == ("note", without_chat.id)
    assert "belum dijawab" in fallback[2]["html"]
    assert "pengingat pribadi kepada K7002" in fallback[2]["html"]

    await check_at(monkeypatch, workers, wib(23, 11, 59))
    assert len(await reminders(session)) == 2
    await check_at(monkeypatch, workers, wib(23, 12))  # still unanswered an hour later
    later = (await reminders(session))[2:]
    assert sorted((kind, about) for kind, about, _ in later) == [
        ("note", with_chat.id),
        ("note", without_chat.id),
    ]
    assert all("meski sudah diingatkan" in content["html"] for _, _, content in later)

"""Hand-over, coordinator override and the release of a silent owner, on SQLite and PostgreSQL:
each a conditional UPDATE, so of two acting at once exactly one wins, with its audit event;
and the release check as two workers run it at once (``handlers.staff_jobs``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, ContextTypes

from bot.knowledge import load_knowledge_base
from bot.queue import clock
from bot.services import AppContext, BotData
from bot.settings import QueueSettings, Settings, StaffSettings
from bot.storage import (
    AuditEvent,
    ClosedBy,
    EscalationReason,
    Ticket,
    TicketStatus,
    claim_ticket,
    close_ticket,
    create_engine,
    create_session_factory,
    get_ticket,
    mark_user_inactive,
    open_ticket,
    release_ticket,
)
from bot.storage.consultant_profiles import (
    known_consultants,
    remember_consultant,
    set_show_name,
    shown_name,
)
from bot.storage.enums import IntakeStep
from bot.storage.models import StaffNotice
from bot.storage.ticket_transfer import (
    accept_transfer,
    cancel_transfer,
    decline_transfer,
    offer_transfer,
    release_for_owner,
    release_silent_owner,
    take_over_ticket,
    touch_owner_activity,
)
from handlers.staff_jobs import release_silent_owners
from tests.storage.conftest import MakeUser

ANDI, BUDI, CITRA = 7001, 7002, 7003


async def claimed_ticket(session: AsyncSession, make_user: MakeUser, user_id: int = 1) -> int:
    """A ticket Andi claimed."""
    await make_user(user_id)
    ticket, _ = await open_ticket(
        session, user_id=user_id, reason=EscalationReason.KONSULTASI_KASUS, question="kasus"
    )
    await claim_ticket(session, ticket_id=ticket.id, consultant_id=ANDI, consultant_name="Andi")
    await session.commit()
    return ticket.id


async def audit_actions(session: AsyncSession, ticket_id: int) -> list[str]:
    statement = select(AuditEvent.action).where(AuditEvent.ticket_id == ticket_id)
    actions = list(await session.scalars(statement.order_by(AuditEvent.id)))
    await session.commit()
    return actions


async def at_once(sessions: async_sessionmaker[AsyncSession], *acts: object) -> list[object]:
    """Run each act (a function of a session) in its own session and transaction, at once."""

    async def run(act: object) -> object:
        async with sessions() as session:
            result = await act(session)  # type: ignore[operator]
            await session.commit()
            return result

    return list(await asyncio.gather(*(run(act) for act in acts)))


async def test_a_hand_over_is_accepted_once_and_moves_the_ticket(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    make_user: MakeUser,
) -> None:
    n = await claimed_ticket(session, make_user)
    not_owner = await offer_transfer(session, ticket_id=n, owner_id=BUDI, to_id=CITRA, to_name="C")
    assert not_owner is None
    assert await offer_transfer(session, ticket_id=n, owner_id=ANDI, to_id=BUDI, to_name="Budi")
    await session.commit()
    assert await accept_transfer(session, ticket_id=n, receiver_id=CITRA, receiver_name="C") is None
    await session.commit()  # SQLite: one connection, which the workers below need

    def accept(s: AsyncSession) -> object:
        return accept_transfer(s, ticket_id=n, receiver_id=BUDI, receiver_name="Budi")

    results = await at_once(session_factory, accept, accept, accept)
    [won] = [result for result in results if result is not None]
    assert won.former_owner_id == ANDI and won.former_owner_name == "Andi"  # type: ignore[attr-defined]
    ticket = await get_ticket(session, ticket_id=n)
    assert ticket is not None
    assert (ticket.status, ticket.consultant_id, ticket.consultant_name) == (
        TicketStatus.DIAMBIL,
        BUDI,
        "Budi",
    )
    assert ticket.transfer_to_id is None and ticket.transfer_offered_at is None
    assert ticket.owner_active_at is not None and ticket.last_reminder_at is None
    assert await audit_actions(session, n) == ["ambil", "alihkan", "terima_alihan"]


async def test_closing_a_ticket_ends_its_offer_and_its_intake(
    session: AsyncSession, make_user: MakeUser
) -> None:
    n = await claimed_ticket(session, make_user)
    await offer_transfer(session, ticket_id=n, owner_id=ANDI, to_id=BUDI, to_name="Budi")
    await session.execute(
        update(Ticket).where(Ticket.id == n).values(intake_step=IntakeStep.TENGGAT)
    )
    assert await close_ticket(session, ticket_id=n, closed_by=ClosedBy.KONSULTAN, actor_id=ANDI)
    await session.commit()
    ticket = await get_ticket(session, ticket_id=n)
    assert ticket is not None
    assert (ticket.transfer_to_id, ticket.transfer_to_name, ticket.transfer_offered_at) == (
        None,
        None,
        None,
    )
    assert ticket.intake_step is None
    assert await accept_transfer(session, ticket_id=n, receiver_id=BUDI, receiver_name="B") is None


async def test_a_declined_or_withdrawn_offer_cannot_be_accepted(
    session: AsyncSession, make_user: MakeUser
) -> None:
    n = await claimed_ticket(session, make_user)
    await offer_transfer(session, ticket_id=n, owner_id=ANDI, to_id=BUDI, to_name="Budi")
    assert await decline_transfer(session, ticket_id=n, receiver_id=CITRA) is None
    assert await decline_transfer(session, ticket_id=n, receiver_id=BUDI) is not None
    assert await accept_transfer(session, ticket_id=n, receiver_id=BUDI, receiver_name="B") is None
    await offer_transfer(session, ticket_id=n, owner_id=ANDI, to_id=BUDI, to_name="Budi")
    assert await cancel_transfer(session, ticket_id=n, owner_id=BUDI) is None
    assert await cancel_transfer(session, ticket_id=n, owner_id=ANDI) is not None
    assert await accept_transfer(session, ticket_id=n, receiver_id=BUDI, receiver_name="B") is None
    # An offer dies with a release.
    await offer_transfer(session, ticket_id=n, owner_id=ANDI, to_id=BUDI, to_name="Budi")
    assert await release_ticket(session, ticket_id=n, consultant_id=ANDI) is not None
    assert await accept_transfer(session, ticket_id=n, receiver_id=BUDI, receiver_name="B") is None
    await session.commit()
    ticket = await get_ticket(session, ticket_id=n)
    assert ticket is not None and ticket.status == TicketStatus.BARU
    assert ticket.transfer_to_id is None and ticket.consultant_id is None
    assert await audit_actions(session, n) == [
        *("ambil", "alihkan", "tolak_alihan", "alihkan", "batal_alihan", "alihkan", "lepas")
    ]


async def test_a_coordinator_takes_over_or_releases_once(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    make_user: MakeUser,
) -> None:
    n = await claimed_ticket(session, make_user)

    def take(s: AsyncSession) -> object:
        return take_over_ticket(s, ticket_id=n, coordinator_id=CITRA, coordinator_name="Citra")

    def give_back(s: AsyncSession) -> object:
        return release_for_owner(s, ticket_id=n, coordinator_id=CITRA)

    results = await at_once(session_factory, take, take, give_back)
    assert len([result for result in results if result is not None]) == 1
    actions = await audit_actions(session, n)
    assert actions[0] == "ambil" and actions[1:] in (["ambil_alih"], ["lepas_koordinator"])
    # Her own ticket, or one back in the queue: nothing to take from anyone.
    assert await take(session) is None and await give_back(session) is None


async def test_an_owner_silent_since_is_released_once_and_acting_keeps_the_ticket(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    make_user: MakeUser,
) -> None:
    n = await claimed_ticket(session, make_user)
    ticket = await get_ticket(session, ticket_id=n)
    assert ticket is not None and ticket.owner_active_at is not None
    seen = ticket.owner_active_at
    await session.commit()
    await touch_owner_activity(session, ticket_id=n, consultant_id=BUDI)  # not the owner
    await session.commit()
    assert (await get_ticket(session, ticket_id=n)).owner_active_at == seen  # type: ignore[union-attr]
    await asyncio.sleep(0.01)
    await touch_owner_activity(session, ticket_id=n, consultant_id=ANDI)
    await session.commit()
    # The owner acted after the silence seen: not released.
    assert (
        await release_silent_owner(session, ticket_id=n, owner_id=ANDI, silent_since=seen) is None
    )
    await session.commit()
    now = datetime.now(UTC)

    def release(s: AsyncSession) -> object:
        return release_silent_owner(s, ticket_id=n, owner_id=ANDI, silent_since=now)

    results = await at_once(session_factory, release, release, release)
    assert len([result for result in results if result is not None]) == 1
    assert (await audit_actions(session, n))[-1] == "lepas_otomatis"
    ticket = await get_ticket(session, ticket_id=n)
    assert ticket is not None and ticket.status == TicketStatus.BARU
    assert ticket.owner_active_at is None and ticket.consultant_id is None


async def test_profiles_keep_the_latest_name_and_the_choice_to_show_it(
    session: AsyncSession,
) -> None:
    await remember_consultant(session, consultant_id=BUDI, name="Budi")
    await remember_consultant(session, consultant_id=BUDI, name="Budi Santoso")
    await remember_consultant(session, consultant_id=ANDI, name="Andi")
    await session.commit()
    assert [p.display_name for p in await known_consultants(session, among={BUDI, CITRA})] == [
        "Budi Santoso"
    ]
    assert await shown_name(session, consultant_id=BUDI) is None
    await set_show_name(session, consultant_id=BUDI, name="Budi Santoso", show=True)
    assert await shown_name(session, consultant_id=BUDI) == "Budi Santoso"
    await set_show_name(session, consultant_id=BUDI, name="Budi Santoso", show=False)
    assert await shown_name(session, consultant_id=BUDI) is None
    await session.commit()


# -- the release check as two workers run it ------------------------------------------------

SETTINGS = Settings(
    staff=StaffSettings(chat_id=-1001000000001, consultant_ids=(ANDI, BUDI)),
    queue=QueueSettings(release_silent_owner_minutes=60),
)


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in November 2026 (the 23rd is a Monday, no holiday that week), as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(UTC)


@pytest.fixture
async def workers(migrated_url: str) -> AsyncIterator[list[AppContext]]:
    """Two workers' contexts, each with its own engine, as in two processes."""
    knowledge, made = load_knowledge_base(), []
    for _ in range(2):
        engine = create_engine(migrated_url)
        application = (
            Application.builder()
            .token("1:x")
            .context_types(ContextTypes(context=AppContext, bot_data=BotData))
            .build()
        )
        services = SimpleNamespace(
            sessions=create_session_factory(engine), settings=SETTINGS, knowledge=knowledge
        )
        application.bot_data.services = services  # type: ignore[assignment]
        made.append((AppContext(application), engine))
    yield [context for context, _ in made]
    for _, engine in made:
        await engine.dispose()


async def test_two_workers_release_a_silent_owner_once_counting_office_time(
    session: AsyncSession,
    make_user: MakeUser,
    workers: list[AppContext],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await make_user(ANDI, first_name="Andi")  # wrote to the bot: told privately
    n = await claimed_ticket(session, make_user, user_id=5)
    await mark_user_inactive(session, user_id=5)  # the ASN blocked the bot: nothing to send
    active = update(Ticket).where(Ticket.id == n).values(owner_active_at=wib(27, 15, 30))
    await session.execute(active)  # a Friday, half an hour before closing
    await session.commit()

    async def check_at(at: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: at)
        for _ in range(3):
            await asyncio.gather(*(release_silent_owners(context) for context in workers))

    await check_at(wib(28, 12))  # Saturday: closed
    await check_at(wib(30, 8, 29))  # Monday: 59 minutes of office time
    assert (await get_ticket(session, ticket_id=n)).status == TicketStatus.DIAMBIL  # type: ignore[union-attr]
    await session.commit()
    await check_at(wib(30, 8, 30) + timedelta(seconds=1))
    ticket = await get_ticket(session, ticket_id=n)
    assert ticket is not None and ticket.status == TicketStatus.BARU
    notices = list(await session.scalars(select(StaffNotice).order_by(StaffNotice.id)))
    await session.commit()
    kinds = [notice.kind for notice in notices]
    assert kinds == ["card_update", "note", "private_reminder"], kinds
    assert "Andi" in notices[1].content["html"] and "60 menit" in notices[1].content["html"]
    assert notices[2].content["chat_id"] == ANDI
    assert (await audit_actions(session, n)).count("lepas_otomatis") == 1

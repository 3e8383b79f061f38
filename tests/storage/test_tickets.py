"""Ticket lifecycle: one open ticket per user, atomic claims, release, close, rating."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import (
    AuditEvent,
    ClaimOutcome,
    ClosedBy,
    EscalationReason,
    Ticket,
    TicketStatus,
    claim_ticket,
    close_ticket,
    get_open_ticket,
    get_ticket,
    open_ticket,
    rate_ticket,
    record_first_reply,
    release_ticket,
)
from tests.storage.conftest import MakeUser

CASE = EscalationReason.KONSULTASI_KASUS


async def test_one_open_ticket_per_user(session: AsyncSession, make_user: MakeUser) -> None:
    await make_user(7)
    ticket, created = await open_ticket(
        session, user_id=7, reason=CASE, question="saya dipanggil bawaslu", topic="sanksi"
    )
    await session.commit()
    assert created and ticket.status is TicketStatus.BARU and ticket.reason is CASE
    again, created_again = await open_ticket(
        session, user_id=7, reason="minta_konsultan", question="halo?"
    )
    assert (again.id, created_again) == (ticket.id, False)
    assert again.question == "saya dipanggil bawaslu"

    await close_ticket(session, ticket_id=ticket.id, closed_by=ClosedBy.KONSULTAN)
    second, created = await open_ticket(session, user_id=7, reason=CASE, question="lagi")
    await session.commit()
    assert created and second.id != ticket.id


async def test_database_rejects_a_second_open_ticket(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7)
    await open_ticket(session, user_id=7, reason=CASE, question="a")
    await session.commit()
    session.add(Ticket(user_id=7, reason=CASE, question="b"))
    with pytest.raises(IntegrityError):
        await session.flush()


async def test_concurrent_open_ticket_creates_one(
    session_factory: async_sessionmaker[AsyncSession], make_user: MakeUser
) -> None:
    await make_user(7)

    async def open_one(question: str) -> tuple[int, bool]:
        async with session_factory() as session:
            ticket, created = await open_ticket(session, user_id=7, reason=CASE, question=question)
            await session.commit()
            return ticket.id, created

    results = await asyncio.gather(*(open_one(f"q{i}") for i in range(4)))
    assert len({ticket_id for ticket_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1


async def test_claim_race_has_exactly_one_winner(
    session_factory: async_sessionmaker[AsyncSession], make_user: MakeUser
) -> None:
    async def claim(ticket_id: int, consultant_id: int) -> tuple[ClaimOutcome, int | None]:
        async with session_factory() as session:
            result = await claim_ticket(
                session,
                ticket_id=ticket_id,
                consultant_id=consultant_id,
                consultant_name=f"Konsultan {consultant_id}",
            )
            await session.commit()
            return result.outcome, result.owner_id

    for round_number in range(25):
        user_id = 1000 + round_number
        await make_user(user_id)
        async with session_factory() as session:
            ticket, _ = await open_ticket(session, user_id=user_id, reason=CASE, question="q")
            await session.commit()

        results = await asyncio.gather(claim(ticket.id, 501), claim(ticket.id, 502))
        outcomes = sorted(outcome for outcome, _ in results)
        assert outcomes == [ClaimOutcome.ALREADY_CLAIMED, ClaimOutcome.CLAIMED]
        winner = next(owner for outcome, owner in results if outcome is ClaimOutcome.CLAIMED)
        assert {owner for _, owner in results} == {winner}

        async with session_factory() as session:
            stored = await get_ticket(session, ticket_id=ticket.id)
            assert stored is not None and stored.consultant_id == winner
            assert stored.status is TicketStatus.DIAMBIL and stored.claimed_at is not None
            audit = await session.scalars(
                select(AuditEvent).where(AuditEvent.ticket_id == ticket.id)
            )
            assert [(e.action, e.actor_id) for e in audit] == [("ambil", winner)]


async def test_claim_outcomes(session: AsyncSession, make_user: MakeUser) -> None:
    await make_user(7)
    ticket, _ = await open_ticket(session, user_id=7, reason=CASE, question="q")
    first = await claim_ticket(session, ticket_id=ticket.id, consultant_id=1, consultant_name="A")
    assert first.claimed and (first.owner_id, first.owner_name) == (1, "A")
    second = await claim_ticket(session, ticket_id=ticket.id, consultant_id=2, consultant_name="B")
    assert second.outcome is ClaimOutcome.ALREADY_CLAIMED and second.owner_name == "A"
    missing = await claim_ticket(session, ticket_id=999, consultant_id=2, consultant_name="B")
    assert missing.outcome is ClaimOutcome.NOT_FOUND and missing.owner_id is None
    await close_ticket(session, ticket_id=ticket.id, closed_by="konsultan", actor_id=1)
    closed = await claim_ticket(session, ticket_id=ticket.id, consultant_id=2, consultant_name="B")
    assert closed.outcome is ClaimOutcome.CLOSED


async def test_only_the_owner_releases(session: AsyncSession, make_user: MakeUser) -> None:
    await make_user(7)
    ticket, _ = await open_ticket(session, user_id=7, reason=CASE, question="q")
    assert await release_ticket(session, ticket_id=ticket.id, consultant_id=1) is None
    await claim_ticket(session, ticket_id=ticket.id, consultant_id=1, consultant_name="A")
    assert await release_ticket(session, ticket_id=ticket.id, consultant_id=2) is None

    released = await release_ticket(session, ticket_id=ticket.id, consultant_id=1)
    assert released is not None and released.status is TicketStatus.BARU
    assert (released.consultant_id, released.consultant_name, released.claimed_at) == (
        None,
        None,
        None,
    )
    again = await claim_ticket(session, ticket_id=ticket.id, consultant_id=2, consultant_name="B")
    assert again.claimed


async def test_close_is_idempotent(session: AsyncSession, make_user: MakeUser) -> None:
    await make_user(7)
    ticket, _ = await open_ticket(session, user_id=7, reason=CASE, question="q")
    closed = await close_ticket(session, ticket_id=ticket.id, closed_by="pengguna", actor_id=7)
    assert closed is not None and closed.status is TicketStatus.SELESAI
    assert closed.closed_by is ClosedBy.PENGGUNA and closed.closed_at is not None
    assert await close_ticket(session, ticket_id=ticket.id, closed_by="otomatis") is None
    assert await close_ticket(session, ticket_id=12345, closed_by="otomatis") is None
    assert await get_open_ticket(session, user_id=7) is None
    actions = await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
    assert list(actions) == ["tutup"]


async def test_first_reply_is_recorded_once(session: AsyncSession, make_user: MakeUser) -> None:
    await make_user(7)
    ticket, _ = await open_ticket(session, user_id=7, reason=CASE, question="q")
    assert await record_first_reply(session, ticket_id=ticket.id) is True
    first = ticket.first_reply_at
    assert first is not None
    assert await record_first_reply(session, ticket_id=ticket.id) is False
    assert ticket.first_reply_at == first


async def test_rating_rules(session: AsyncSession, make_user: MakeUser) -> None:
    await make_user(7)
    await make_user(8)
    ticket, _ = await open_ticket(session, user_id=7, reason=CASE, question="q")
    assert not await rate_ticket(session, ticket_id=ticket.id, user_id=7, rating=5)  # still open
    await close_ticket(session, ticket_id=ticket.id, closed_by="konsultan")
    assert not await rate_ticket(session, ticket_id=ticket.id, user_id=8, rating=5)  # not theirs
    for bad in (0, 6, True):
        with pytest.raises(ValueError, match="rating"):
            await rate_ticket(session, ticket_id=ticket.id, user_id=7, rating=bad)

    assert await rate_ticket(session, ticket_id=ticket.id, user_id=7, rating=4, comment="jelas")
    assert await rate_ticket(session, ticket_id=ticket.id, user_id=7, rating=5)
    assert (ticket.rating, ticket.rating_comment) == (5, "jelas")

"""Ticket lookups, reminders of waiting tickets and idle tickets for auto-close."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import (
    EscalationReason,
    Ticket,
    claim_ticket,
    find_ticket_by_staff_message,
    log_message,
    mark_ticket_reminded,
    open_ticket,
    record_first_reply,
    set_ticket_staff_message,
    ticket_messages,
    tickets_idle_since,
    tickets_needing_reminder,
    touch_ticket_user_activity,
    utcnow,
)
from tests.storage.conftest import MakeUser

CASE = EscalationReason.TOMBOL_KONSULTAN


async def _ticket(session: AsyncSession, make_user: MakeUser, user_id: int) -> Ticket:
    await make_user(user_id)
    ticket, _ = await open_ticket(session, user_id=user_id, reason=CASE, question="q")
    return ticket


async def test_find_ticket_by_card_or_relayed_copy(
    session: AsyncSession, make_user: MakeUser
) -> None:
    ticket = await _ticket(session, make_user, 7)
    await set_ticket_staff_message(
        session, ticket_id=ticket.id, staff_message_id=500, staff_thread_id=77
    )
    await log_message(
        session,
        chat_id=-100123,
        user_id=7,
        direction="out",
        text="copy",
        staff_message_id=501,
        ticket_id=ticket.id,
    )
    await session.commit()
    assert (ticket.staff_message_id, ticket.staff_thread_id) == (500, 77)
    for staff_message_id in (500, 501):
        found = await find_ticket_by_staff_message(session, staff_message_id=staff_message_id)
        assert found is not None and found.id == ticket.id
    assert await find_ticket_by_staff_message(session, staff_message_id=502) is None


async def test_ticket_messages_in_order(session: AsyncSession, make_user: MakeUser) -> None:
    ticket = await _ticket(session, make_user, 7)
    for text in ("satu", "dua", "tiga"):
        await log_message(
            session, chat_id=7, user_id=7, direction="in", text=text, ticket_id=ticket.id
        )
    await log_message(session, chat_id=7, user_id=7, direction="in", text="lain")
    messages = await ticket_messages(session, ticket_id=ticket.id)
    assert [message.text for message in messages] == ["satu", "dua", "tiga"]


async def test_reminders_for_unclaimed_and_unanswered(
    session: AsyncSession, make_user: MakeUser
) -> None:
    now = utcnow()
    old_unclaimed = await _ticket(session, make_user, 1)
    new_unclaimed = await _ticket(session, make_user, 2)
    unanswered = await _ticket(session, make_user, 3)
    answered = await _ticket(session, make_user, 4)
    for ticket in (old_unclaimed, unanswered, answered):
        ticket.created_at = now - timedelta(hours=3)
    for ticket in (unanswered, answered):
        await claim_ticket(session, ticket_id=ticket.id, consultant_id=9, consultant_name="K")
        ticket.claimed_at = now - timedelta(hours=2)
    await record_first_reply(session, ticket_id=answered.id)
    await session.commit()

    async def due(at: timedelta = timedelta(0)) -> list[int]:
        tickets = await tickets_needing_reminder(
            session,
            now=now + at,
            unclaimed_after=timedelta(minutes=30),
            unanswered_after=timedelta(hours=1),
            remind_every=timedelta(hours=1),
        )
        return [ticket.id for ticket in tickets]

    assert new_unclaimed.id not in await due()
    assert await due() == [old_unclaimed.id, unanswered.id]
    hour = timedelta(hours=1)
    for ticket in (old_unclaimed, unanswered):
        assert await mark_ticket_reminded(session, ticket_id=ticket.id, at=now, remind_every=hour)
        # a second worker, a moment later: already reminded within the hour, nothing recorded
        later = now + timedelta(seconds=5)
        assert not await mark_ticket_reminded(
            session, ticket_id=ticket.id, at=later, remind_every=hour
        )
    assert await due() == []
    assert await due(timedelta(minutes=59)) == [new_unclaimed.id]
    assert await due(timedelta(hours=1)) == [old_unclaimed.id, unanswered.id, new_unclaimed.id]


async def test_idle_tickets(session: AsyncSession, make_user: MakeUser) -> None:
    now = utcnow()
    three_days_ago = now - timedelta(days=3)
    quiet = await _ticket(session, make_user, 1)
    user_wrote = await _ticket(session, make_user, 2)
    chatted = await _ticket(session, make_user, 3)
    unanswered = await _ticket(session, make_user, 4)
    unclaimed = await _ticket(session, make_user, 5)
    for ticket in (quiet, user_wrote, chatted, unanswered, unclaimed):
        ticket.created_at = three_days_ago
    for ticket in (quiet, user_wrote, chatted, unanswered):
        await claim_ticket(session, ticket_id=ticket.id, consultant_id=9, consultant_name="K")
        ticket.claimed_at = three_days_ago
    for ticket in (quiet, user_wrote, chatted):
        await record_first_reply(session, ticket_id=ticket.id, at=three_days_ago)
    await touch_ticket_user_activity(session, ticket_id=user_wrote.id, at=now)
    await log_message(
        session, chat_id=3, user_id=3, direction="out", text="jawaban", ticket_id=chatted.id
    )
    await session.commit()

    idle = await tickets_idle_since(session, before=now - timedelta(days=1))
    assert [ticket.id for ticket in idle] == [quiet.id]
    assert user_wrote.last_user_message_at == now


async def test_two_workers_remind_of_a_ticket_once(
    session: AsyncSession,
    make_user: MakeUser,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    now = utcnow()
    ticket = await _ticket(session, make_user, 1)
    ticket.created_at = now - timedelta(hours=3)
    await session.commit()

    async def worker() -> list[int]:
        """What one worker's reminder job would post."""
        async with session_factory() as own:
            candidates = await tickets_needing_reminder(
                own,
                now=now,
                unclaimed_after=timedelta(minutes=30),
                unanswered_after=timedelta(hours=1),
                remind_every=timedelta(hours=1),
            )
            posted = [
                t.id
                for t in candidates
                if await mark_ticket_reminded(
                    own, ticket_id=t.id, at=now, remind_every=timedelta(hours=1)
                )
            ]
            await own.commit()
        return posted

    results = await asyncio.gather(worker(), worker())
    assert sorted(results) == [[], [ticket.id]]

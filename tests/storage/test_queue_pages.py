"""/antrian's pages in the database: the four filters, their counts, "waiting for our reply"
as the messages define it, paging past the end, and the indexes the queries use."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.storage import (
    ClosedBy,
    EscalationReason,
    Message,
    MessageDirection,
    Ticket,
    claim_ticket,
    close_ticket,
    open_ticket,
    record_first_reply,
    utcnow,
)
from bot.storage.queue_pages import QueueCounts, QueueFilter, queue_page
from tests.storage.conftest import MakeUser

ANDI, BUDI = 7001, 7002
NOW = utcnow()


def ago(minutes: int) -> datetime:
    return NOW - timedelta(minutes=minutes)


async def ticket_at(
    session: AsyncSession, make_user: MakeUser, user_id: int, opened_minutes_ago: int
) -> int:
    await make_user(user_id)
    ticket, _ = await open_ticket(
        session, user_id=user_id, reason=EscalationReason.KONSULTASI_KASUS, question="q"
    )
    await session.execute(
        update(Ticket).where(Ticket.id == ticket.id).values(created_at=ago(opened_minutes_ago))
    )
    return ticket.id


async def claim(session: AsyncSession, ticket_id: int, consultant_id: int) -> None:
    result = await claim_ticket(
        session, ticket_id=ticket_id, consultant_id=consultant_id, consultant_name="K"
    )
    assert result.claimed


async def said(
    session: AsyncSession,
    ticket_id: int,
    user_id: int,
    minutes_ago: int,
    *,
    by: str,
) -> None:
    """Log a message of the ticket: ``asn`` (in), ``konsultan`` (a consultant's answer) or
    ``bot`` (the assistant's own reply, which is no answer from the consultants)."""
    direction = MessageDirection.IN if by == "asn" else MessageDirection.OUT
    session.add(
        Message(
            chat_id=user_id,
            user_id=user_id,
            direction=direction,
            text=by,
            action="konsultan" if by == "konsultan" else None,
            ticket_id=ticket_id,
            created_at=ago(minutes_ago),
        )
    )
    await session.flush()
    if by == "konsultan":
        await record_first_reply(session, ticket_id=ticket_id, at=ago(minutes_ago))


async def test_filters_counts_and_waiting_for_our_reply(
    session: AsyncSession, make_user: MakeUser
) -> None:
    unclaimed = await ticket_at(session, make_user, 1, 300)
    await said(session, unclaimed, 1, 250, by="asn")  # unclaimed: not "waiting for our reply"
    never_answered = await ticket_at(session, make_user, 2, 200)  # Andi's, no answer yet
    await claim(session, never_answered, ANDI)
    answered = await ticket_at(session, make_user, 3, 180)  # Andi answered the last message
    await claim(session, answered, ANDI)
    await said(session, answered, 3, 170, by="asn")
    await said(session, answered, 3, 160, by="konsultan")
    asked_again = await ticket_at(session, make_user, 4, 150)  # Budi's; the ASN wrote after
    await claim(session, asked_again, BUDI)
    await said(session, asked_again, 4, 140, by="konsultan")
    await said(session, asked_again, 4, 90, by="asn")
    await said(session, asked_again, 4, 80, by="bot")  # the assistant is not the consultants
    await said(session, asked_again, 4, 5, by="asn")
    closed = await ticket_at(session, make_user, 5, 400)
    await close_ticket(session, ticket_id=closed, closed_by=ClosedBy.PENGGUNA)
    late_unclaimed = await ticket_at(session, make_user, 6, 10)
    await session.commit()

    async def page(queue_filter: QueueFilter, consultant: int = ANDI) -> list[int]:
        found = await queue_page(
            session, queue_filter=queue_filter, page=1, page_size=10, consultant_id=consultant
        )
        mine = 2 if consultant == ANDI else 1
        assert found.counts == QueueCounts(semua=5, saya=mine, baru=2, menunggu=2)
        return [entry.ticket.id for entry in found.entries]

    assert await page(QueueFilter.SEMUA) == [
        unclaimed,
        never_answered,
        answered,
        asked_again,
        late_unclaimed,
    ]
    assert await page(QueueFilter.SAYA) == [never_answered, answered]
    assert await page(QueueFilter.SAYA, BUDI) == [asked_again]
    assert await page(QueueFilter.BARU) == [unclaimed, late_unclaimed]
    # The longest waiting first: since the ticket opened (never answered), since the first
    # message after the last answer (90 minutes, not the latest 5).
    assert await page(QueueFilter.MENUNGGU) == [never_answered, asked_again]

    everything = await queue_page(
        session, queue_filter=QueueFilter.SEMUA, page=1, page_size=10, consultant_id=ANDI
    )
    waiting = {entry.ticket.id: entry.awaiting_reply_since for entry in everything.entries}
    assert waiting == {
        unclaimed: None,
        never_answered: ago(200),
        answered: None,
        asked_again: ago(90),
        late_unclaimed: None,
    }
    assert [entry.user.telegram_user_id for entry in everything.entries if entry.user] == [
        1,
        2,
        3,
        4,
        6,
    ]


async def test_pages_oldest_first_and_a_page_past_the_end_is_the_last(
    session: AsyncSession, make_user: MakeUser
) -> None:
    empty = await queue_page(
        session, queue_filter=QueueFilter.SEMUA, page=3, page_size=10, consultant_id=ANDI
    )
    assert (empty.number, empty.pages, empty.entries) == (1, 1, [])
    ids = [await ticket_at(session, make_user, 100 + n, 1000 - n) for n in range(23)]
    await session.commit()

    async def shown(page: int) -> tuple[int, int, list[int]]:
        found = await queue_page(
            session, queue_filter=QueueFilter.SEMUA, page=page, page_size=10, consultant_id=ANDI
        )
        return found.number, found.pages, [entry.ticket.id for entry in found.entries]

    assert await shown(1) == (1, 3, ids[:10])
    assert await shown(2) == (2, 3, ids[10:20])
    assert await shown(3) == (3, 3, ids[20:])
    assert await shown(2**31 - 1) == (3, 3, ids[20:])
    # Tickets closed meanwhile: the page that was the third no longer exists.
    for ticket_id in ids[:5]:
        await close_ticket(session, ticket_id=ticket_id, closed_by=ClosedBy.KONSULTAN)
    await session.commit()
    assert await shown(3) == (2, 2, ids[15:])


async def test_the_queries_search_by_index_on_sqlite(
    engine: AsyncEngine, session: AsyncSession, make_user: MakeUser
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the query plan checked here is SQLite's")
    ticket_id = await ticket_at(session, make_user, 1, 30)
    await claim(session, ticket_id, ANDI)
    await said(session, ticket_id, 1, 20, by="konsultan")
    await said(session, ticket_id, 1, 10, by="asn")
    await session.commit()
    statements: list[tuple[str, Any]] = []

    def capture(_conn: object, _cursor: object, sql: str, params: object, *_: object) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        for queue_filter in QueueFilter:
            await queue_page(
                session, queue_filter=queue_filter, page=1, page_size=10, consultant_id=ANDI
            )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    assert len(statements) == 2 * len(QueueFilter)  # the counts, then one page
    connection = await session.connection()  # SQLite's one connection
    for sql, params in statements:
        plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
        steps = [str(row[3]) for row in plan]
        scans = [s for s in steps if s.startswith("SCAN") and "open_queue" not in s]
        assert scans == [], (sql, steps)
        assert any("ix_messages_ticket_id" in s for s in steps), steps
        assert any("ix_tickets_status_created_at" in s for s in steps), steps

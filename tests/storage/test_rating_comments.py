"""The comment after a rating: requested in the database, taken once, within its window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import (
    ClosedBy,
    EscalationReason,
    Ticket,
    close_ticket,
    create_engine,
    get_ticket,
    open_ticket,
    pending_rating_comment,
    rate_ticket,
    request_rating_comment,
    store_rating_comment,
    upgrade_database_async,
)
from tests.storage.conftest import MakeUser, database_at_revision
from tests.storage.test_migrations import HEAD_REVISION

CASE = EscalationReason.KONSULTASI_KASUS
WINDOW = timedelta(minutes=10)
RATED_AT = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


async def rated_ticket(session: AsyncSession, user_id: int, rating: int = 4) -> Ticket:
    ticket, _ = await open_ticket(session, user_id=user_id, reason=CASE, question="tolong")
    await close_ticket(session, ticket_id=ticket.id, closed_by=ClosedBy.KONSULTAN)
    assert await rate_ticket(session, ticket_id=ticket.id, user_id=user_id, rating=rating)
    await session.commit()
    return ticket


async def test_comment_is_awaited_within_the_window_and_taken_once(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7)
    ticket = await rated_ticket(session, 7)
    assert await pending_rating_comment(session, user_id=7, now=RATED_AT, window=WINDOW) is None
    assert await request_rating_comment(session, ticket_id=ticket.id, user_id=7, at=RATED_AT)
    await session.commit()

    soon = RATED_AT + timedelta(minutes=9)
    pending = await pending_rating_comment(session, user_id=7, now=soon, window=WINDOW)
    assert pending is not None and pending.id == ticket.id
    assert pending.comment_requested_at == RATED_AT
    late = RATED_AT + timedelta(minutes=11)
    assert await pending_rating_comment(session, user_id=7, now=late, window=WINDOW) is None
    assert await pending_rating_comment(session, user_id=8, now=soon, window=WINDOW) is None

    assert not await store_rating_comment(session, ticket_id=ticket.id, user_id=8, comment="x")
    assert await store_rating_comment(
        session, ticket_id=ticket.id, user_id=7, comment="mantap, sangat membantu"
    )
    await session.commit()
    stored = await get_ticket(session, ticket_id=ticket.id)
    assert stored is not None and stored.rating == 4
    assert stored.rating_comment == "mantap, sangat membantu"
    assert stored.comment_requested_at is None
    assert await pending_rating_comment(session, user_id=7, now=soon, window=WINDOW) is None
    assert not await store_rating_comment(session, ticket_id=ticket.id, user_id=7, comment="2x")


async def test_only_a_rated_closed_ticket_of_the_user_awaits_a_comment(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7)
    await make_user(8)
    ticket, _ = await open_ticket(session, user_id=7, reason=CASE, question="a")
    assert not await request_rating_comment(session, ticket_id=ticket.id, user_id=7)
    await close_ticket(session, ticket_id=ticket.id, closed_by=ClosedBy.PENGGUNA)
    assert not await request_rating_comment(session, ticket_id=ticket.id, user_id=7)  # unrated
    await rate_ticket(session, ticket_id=ticket.id, user_id=7, rating=2)
    assert not await request_rating_comment(session, ticket_id=ticket.id, user_id=8)
    assert not await request_rating_comment(session, ticket_id=99999, user_id=7)
    assert await request_rating_comment(session, ticket_id=ticket.id, user_id=7)
    await session.commit()


async def test_latest_request_wins_and_a_new_open_ticket_ends_the_wait(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7)
    first = await rated_ticket(session, 7)
    second = await rated_ticket(session, 7, rating=5)
    await request_rating_comment(session, ticket_id=second.id, user_id=7, at=RATED_AT)
    later = RATED_AT + timedelta(minutes=1)
    await request_rating_comment(session, ticket_id=first.id, user_id=7, at=later)
    await session.commit()
    now = RATED_AT + timedelta(minutes=2)
    pending = await pending_rating_comment(session, user_id=7, now=now, window=WINDOW)
    assert pending is not None and pending.id == first.id

    await open_ticket(session, user_id=7, reason=CASE, question="ada lagi")
    await session.commit()
    assert await pending_rating_comment(session, user_id=7, now=now, window=WINDOW) is None


async def test_migration_0002_adds_the_column_to_existing_tickets(database_url: str) -> None:
    """Upgrade a 0001 database holding a ticket; the ticket keeps its data."""

    await database_at_revision(
        database_url,
        "0001",
        "INSERT INTO users (telegram_user_id, chat_id, pseudonym, created_at) "
        "VALUES (7, 7, 'ASN-TEST', CURRENT_TIMESTAMP)",
        "INSERT INTO tickets (user_id, status, reason, created_at, rating) "
        "VALUES (7, 'selesai', 'konsultasi_kasus', CURRENT_TIMESTAMP, 3)",
    )
    assert await upgrade_database_async(database_url) == HEAD_REVISION  # through 0002
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            columns = await connection.run_sync(
                lambda sync: {c["name"] for c in inspect(sync).get_columns("tickets")}
            )
            row = (
                await connection.execute(text("SELECT rating, comment_requested_at FROM tickets"))
            ).one()
    finally:
        await engine.dispose()
    assert "comment_requested_at" in columns
    assert tuple(row) == (3, None)

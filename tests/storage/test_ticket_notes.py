"""Internal notes on tickets (issue 22): stored per ticket in order, and gone with the ASN's
/hapus_data and with the retention period of a closed ticket — other tickets' notes stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import (
    ClosedBy,
    EscalationReason,
    Ticket,
    close_ticket,
    delete_user_data,
    open_ticket,
    utcnow,
)
from bot.storage.models import TicketNote
from bot.storage.ticket_notes import add_note, notes_of_ticket
from bot.storage.tickets import clear_ticket_texts_closed_before
from tests.storage.conftest import MakeUser

ANDI, BUDI = 7001, 7002


async def _ticket(session: AsyncSession, user_id: int, question: str) -> Ticket:
    ticket, _ = await open_ticket(
        session, user_id=user_id, reason=EscalationReason.KONSULTASI_KASUS, question=question
    )
    return ticket


async def _note(session: AsyncSession, ticket: Ticket, author: int, text: str) -> None:
    await add_note(
        session, ticket_id=ticket.id, author_id=author, author_name=f"K{author}", text=text
    )


async def _note_texts(session: AsyncSession) -> list[str]:
    return list(await session.scalars(select(TicketNote.text).order_by(TicketNote.id)))


async def test_notes_of_a_ticket_in_order_and_the_newest_few(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7)
    await make_user(8)
    mine, other = await _ticket(session, 7, "kasus 1"), await _ticket(session, 8, "kasus 2")
    for number in range(1, 5):
        await _note(session, mine, ANDI if number % 2 else BUDI, f"catatan {number}")
    await _note(session, other, ANDI, "tiket lain")
    await session.commit()

    every = await notes_of_ticket(session, ticket_id=mine.id)
    assert [(n.text, n.author_id, n.author_name) for n in every] == [
        ("catatan 1", ANDI, "K7001"),
        ("catatan 2", BUDI, "K7002"),
        ("catatan 3", ANDI, "K7001"),
        ("catatan 4", BUDI, "K7002"),
    ]
    assert all(n.created_at.tzinfo is not None for n in every)
    newest = await notes_of_ticket(session, ticket_id=mine.id, newest=3)
    assert [n.text for n in newest] == ["catatan 2", "catatan 3", "catatan 4"]


async def test_deleting_the_asns_data_deletes_the_notes_on_their_tickets(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7)
    await make_user(8)
    old = await _ticket(session, 7, "kasus lama")
    await close_ticket(session, ticket_id=old.id, closed_by=ClosedBy.KONSULTAN)
    current = await _ticket(session, 7, "kasus baru")
    others = await _ticket(session, 8, "kasus orang lain")
    await _note(session, old, ANDI, "Bu Sari pernah dipanggil 2023")
    await _note(session, current, BUDI, "Bu Sari guru SD di Bogor")
    await _note(session, others, ANDI, "catatan tiket lain")
    await session.commit()

    await delete_user_data(session, user_id=7)
    await session.commit()

    assert await _note_texts(session) == ["catatan tiket lain"]


async def test_retention_deletes_the_notes_of_tickets_closed_before_it(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7)
    await make_user(8)
    await make_user(9)
    closed_long_ago = await _ticket(session, 7, "kasus lama")
    await close_ticket(session, ticket_id=closed_long_ago.id, closed_by=ClosedBy.KONSULTAN)
    closed_recently = await _ticket(session, 8, "kasus baru selesai")
    await close_ticket(session, ticket_id=closed_recently.id, closed_by=ClosedBy.KONSULTAN)
    still_open = await _ticket(session, 9, "kasus terbuka")
    for ticket in (closed_long_ago, closed_recently, still_open):
        await _note(session, ticket, ANDI, f"catatan tiket {ticket.question}")
    closed_long_ago.closed_at = utcnow() - timedelta(days=100)
    await session.commit()

    await clear_ticket_texts_closed_before(session, cutoff=utcnow() - timedelta(days=90))
    await session.commit()

    assert await _note_texts(session) == [
        "catatan tiket kasus baru selesai",
        "catatan tiket kasus terbuka",
    ]

"""/hapus_data and retention reach beyond the messages: what the staff chat holds (by id), the
staff outbox's payloads, tickets' texts and rating comments (issue 21)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import (
    ClosedBy,
    EscalationReason,
    Ticket,
    close_ticket,
    delete_user_data,
    get_ticket,
    log_message,
    open_ticket,
    rate_ticket,
    request_rating_comment,
    utcnow,
)
from bot.storage.models import StaffNotice
from bot.storage.outbox import (
    NoticeKind,
    enqueue_notice,
    mark_notices_sent,
    record_notice_message,
    ticket_note_messages,
)
from bot.storage.privacy import StaffTrace
from bot.storage.tickets import clear_ticket_texts_closed_before
from tests.storage.conftest import MakeUser

STAFF_CHAT = -100123
CASE = "sy dipanggil bawaslu besok, tolong dampingi"


async def _closed_ticket(session: AsyncSession, user_id: int, question: str) -> Ticket:
    ticket, _ = await open_ticket(
        session, user_id=user_id, reason=EscalationReason.KONSULTASI_KASUS, question=question
    )
    await close_ticket(session, ticket_id=ticket.id, closed_by=ClosedBy.KONSULTAN)
    await rate_ticket(session, ticket_id=ticket.id, user_id=user_id, rating=4, comment="makasih")
    return ticket


async def test_deletion_returns_the_staff_traces_read_before_the_rows_go(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7, first_name="Sari", username="sari_asn")
    await make_user(8)
    old = await _closed_ticket(session, 7, "pertanyaan lama")
    await request_rating_comment(session, ticket_id=old.id, user_id=7)
    current, _ = await open_ticket(
        session, user_id=7, reason=EscalationReason.KONSULTASI_KASUS, question=CASE
    )
    others, _ = await open_ticket(
        session, user_id=8, reason=EscalationReason.KONSULTASI_KASUS, question="punya orang lain"
    )
    # The ASN's relayed copies (61, 63), a consultant's reply (62) and a message never relayed.
    for text, direction, staff_id, ticket_id in (
        ("kronologi", "in", 61, current.id),
        ("jawaban konsultan", "out", 62, current.id),
        ("lampiran", "in", 63, old.id),
        ("belum diteruskan", "in", None, current.id),
        ("orang lain", "in", 64, others.id),
    ):
        user_id = 8 if ticket_id == others.id else 7
        await log_message(
            session,
            chat_id=user_id,
            user_id=user_id,
            direction=direction,
            text=text,
            ticket_id=ticket_id,
            staff_message_id=staff_id,
        )
    await session.commit()

    summary = await delete_user_data(session, user_id=7)
    await session.commit()

    assert summary.staff_traces == (StaffTrace(old.id, (63,)), StaffTrace(current.id, (61, 62)))
    for ticket_id in (old.id, current.id):
        ticket = await get_ticket(session, ticket_id=ticket_id)
        assert ticket is not None
        assert (ticket.question, ticket.rating_comment, ticket.comment_requested_at) == (
            None,
            None,
            None,
        )
    kept = await get_ticket(session, ticket_id=old.id)
    assert kept is not None and kept.rating == 4 and kept.closed_at is not None
    untouched = await get_ticket(session, ticket_id=others.id)
    assert untouched is not None and untouched.question == "punya orang lain"


async def test_deletion_blanks_every_notice_about_the_users_tickets(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7)
    await make_user(8)
    mine, _ = await open_ticket(session, user_id=7, reason="konsultasi_kasus", question=CASE)
    others, _ = await open_ticket(session, user_id=8, reason="konsultasi_kasus", question="x")
    correction = {"html": f"✏️ Koreksi dari ASN: <blockquote>{CASE}</blockquote>"}
    sent = await enqueue_notice(session, NoticeKind.NOTE, correction, ticket_id=mine.id)
    await mark_notices_sent(session, [sent.id], at=utcnow())
    await enqueue_notice(session, NoticeKind.NOTE, correction, ticket_id=mine.id)
    relay = {"chat_id": 7, "message_id": 5}
    await enqueue_notice(session, NoticeKind.RELAY, relay, ticket_id=mine.id)
    await enqueue_notice(session, NoticeKind.NOTE, {"html": "lain"}, ticket_id=others.id)
    await enqueue_notice(session, NoticeKind.ERROR_NOTE, {"html": "galat"})
    await session.commit()

    await delete_user_data(session, user_id=7)
    await session.commit()

    notices = list(
        await session.scalars(
            select(StaffNotice).order_by(StaffNotice.id).execution_options(populate_existing=True)
        )
    )
    payloads = [(notice.ticket_id, json.loads(notice.payload)) for notice in notices]
    assert payloads == [
        (mine.id, {}),
        (mine.id, {}),
        (mine.id, {}),
        (others.id, {"html": "lain"}),
        (None, {"html": "galat"}),
    ]
    assert "bawaslu" not in " ".join(notice.payload for notice in notices)


async def test_notes_remember_the_message_they_became(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7)
    ticket, _ = await open_ticket(session, user_id=7, reason="konsultasi_kasus", question=CASE)
    first = await enqueue_notice(session, NoticeKind.NOTE, {"html": "a"}, ticket_id=ticket.id)
    merged = await enqueue_notice(session, NoticeKind.NOTE, {"html": "b"}, ticket_id=ticket.id)
    await enqueue_notice(session, NoticeKind.NOTE, {"html": "c"}, ticket_id=ticket.id)
    await session.commit()

    await record_notice_message(session, [first.id], staff_message_id=301)
    await record_notice_message(session, [merged.id], staff_message_id=302)
    await session.commit()

    assert await ticket_note_messages(session, ticket_id=ticket.id) == [301, 302]
    assert await ticket_note_messages(session, ticket_id=ticket.id + 1) == []


async def test_retention_clears_the_texts_of_tickets_closed_before_the_period(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7)
    await make_user(8)
    await make_user(9)
    long_closed = await _closed_ticket(session, 7, "lama")
    recently_closed = await _closed_ticket(session, 8, "baru")
    still_open, _ = await open_ticket(
        session, user_id=9, reason="konsultasi_kasus", question="buka"
    )
    now = utcnow()
    long_ago = now - timedelta(days=400)
    await session.execute(
        update(Ticket).where(Ticket.id == still_open.id).values(created_at=long_ago)
    )
    await session.execute(
        update(Ticket)
        .where(Ticket.id == long_closed.id)
        .values(created_at=long_ago, closed_at=now - timedelta(days=31))
    )
    await session.commit()

    cleared = await clear_ticket_texts_closed_before(session, cutoff=now - timedelta(days=30))
    await session.commit()

    assert cleared == 1
    rows = await session.execute(
        select(Ticket.id, Ticket.question, Ticket.rating_comment, Ticket.rating, Ticket.topic)
        .execution_options(populate_existing=True)
        .order_by(Ticket.id)
    )
    assert [tuple(row) for row in rows] == [
        (long_closed.id, None, None, 4, None),
        (recently_closed.id, "baru", "makasih", 4, None),
        (still_open.id, "buka", None, None, None),
    ]
    assert await clear_ticket_texts_closed_before(session, cutoff=now) == 1  # the recent one

"""Statistics on known data, and deleting a user's data without losing the counts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import (
    AuditEvent,
    ClosedBy,
    EscalationReason,
    Feedback,
    Message,
    Ticket,
    TicketStatus,
    claim_ticket,
    close_ticket,
    delete_user_data,
    get_user,
    log_message,
    open_ticket,
    rate_ticket,
    record_feedback,
    record_first_reply,
    ticket_statistics,
    utcnow,
)
from tests.storage.conftest import MakeUser

R = EscalationReason


async def _ticket(
    session: AsyncSession,
    *,
    user_id: int,
    reason: EscalationReason,
    topic: str | None,
    age: timedelta,
    reply_after: timedelta | None = None,
    close: bool = False,
    rating: int | None = None,
) -> Ticket:
    ticket, _ = await open_ticket(
        session, user_id=user_id, reason=reason, question="pertanyaan", topic=topic
    )
    ticket.created_at = utcnow() - age
    await session.flush()
    if reply_after is not None:
        await claim_ticket(session, ticket_id=ticket.id, consultant_id=9, consultant_name="K")
        await record_first_reply(session, ticket_id=ticket.id, at=ticket.created_at + reply_after)
    if close:
        await close_ticket(session, ticket_id=ticket.id, closed_by=ClosedBy.KONSULTAN)
    if rating is not None:
        await rate_ticket(session, ticket_id=ticket.id, user_id=user_id, rating=rating)
    return ticket


async def test_statistics_on_known_data(session: AsyncSession, make_user: MakeUser) -> None:
    for user_id in (1, 2, 3, 4):
        await make_user(user_id)
    day = timedelta(days=1)
    minute = timedelta(minutes=1)
    await _ticket(
        session,
        user_id=1,
        reason=R.KONSULTASI_KASUS,
        topic="medsos",
        age=10 * day,
        reply_after=10 * minute,
        close=True,
        rating=5,
    )
    await _ticket(
        session,
        user_id=2,
        reason=R.MINTA_KONSULTAN,
        topic="medsos",
        age=minute,
        reply_after=30 * minute,
        close=True,
        rating=3,
    )
    await _ticket(
        session,
        user_id=3,
        reason=R.TOMBOL_KONSULTAN,
        topic="kampanye",
        age=minute,
        reply_after=20 * minute,
    )
    await _ticket(session, user_id=4, reason=R.NLU_TIDAK_TERSEDIA, topic=None, age=minute)
    await session.commit()

    stats = await ticket_statistics(session)
    assert stats.total == 4
    assert stats.by_status == {
        TicketStatus.BARU: 1,
        TicketStatus.DIAMBIL: 1,
        TicketStatus.SELESAI: 2,
    }
    assert list(stats.by_topic.items()) == [("medsos", 2), ("kampanye", 1), (None, 1)]
    assert stats.by_reason[R.KONSULTASI_KASUS] == 1
    assert stats.by_reason[R.CLARIFY_DITOLAK] == 0
    assert stats.median_minutes_to_first_reply == 20.0
    assert (stats.average_rating, stats.rated_count) == (4.0, 2)

    recent = await ticket_statistics(session, since=utcnow() - day)
    assert recent.total == 3
    assert recent.median_minutes_to_first_reply == 25.0
    assert (recent.average_rating, recent.rated_count) == (3.0, 1)

    empty = await ticket_statistics(session, since=utcnow() + day)
    assert empty.total == 0 and empty.by_topic == {}
    assert (empty.median_minutes_to_first_reply, empty.average_rating) == (None, None)


async def test_delete_user_data_keeps_counts_but_no_content(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7, first_name="Sari", username="sari_asn")
    await make_user(8, first_name="Other")
    old = await _ticket(
        session,
        user_id=7,
        reason=R.KONSULTASI_KASUS,
        topic="medsos",
        age=timedelta(days=2),
        reply_after=timedelta(minutes=5),
        close=True,
    )
    await rate_ticket(session, ticket_id=old.id, user_id=7, rating=4, comment="makasih bu")
    current, _ = await open_ticket(session, user_id=7, reason=R.MINTA_KONSULTAN, question="rahasia")
    await claim_ticket(session, ticket_id=current.id, consultant_id=9, consultant_name="K")
    await log_message(session, chat_id=7, user_id=7, direction="in", text="nama saya Sari")
    await log_message(session, chat_id=7, user_id=None, direction="out", text="halo Sari")
    await log_message(
        session,
        chat_id=-100,
        user_id=7,
        direction="out",
        text="relay",
        ticket_id=current.id,
        staff_message_id=55,
    )
    await log_message(
        session,
        chat_id=-100,
        user_id=None,
        direction="in",
        text="jawab konsultan",
        ticket_id=old.id,
    )
    await log_message(session, chat_id=8, user_id=8, direction="in", text="punya orang lain")
    await record_feedback(session, user_id=7, intent="medsos", helpful=True, answer_message_id=3)
    await session.commit()
    before = await ticket_statistics(session)

    summary = await delete_user_data(session, user_id=7)
    await session.commit()

    assert summary.user_found
    assert (summary.messages_deleted, summary.feedback_anonymised) == (4, 1)
    assert summary.tickets_anonymised == 2
    assert summary.closed_ticket is not None and summary.closed_ticket.id == current.id
    assert summary.closed_ticket.closed_by is ClosedBy.PENGGUNA
    assert summary.closed_ticket.question is None

    texts = await session.scalars(select(Message.text))
    assert list(texts) == ["punya orang lain"]
    feedback = (await session.scalars(select(Feedback))).one()
    assert (feedback.user_id, feedback.answer_message_id, feedback.helpful) == (None, None, True)
    tickets = list(await session.scalars(select(Ticket).order_by(Ticket.id)))
    assert [(t.question, t.rating_comment) for t in tickets] == [(None, None), (None, None)]
    assert [t.rating for t in tickets] == [4, None]
    user = await get_user(session, user_id=7)
    assert user is not None and (user.first_name, user.username) == (None, None)
    assert user.data_deleted_at is not None and user.pseudonym.startswith("ASN-")

    after = await ticket_statistics(session)
    assert after.total == before.total == 2
    assert after.by_topic == before.by_topic
    assert after.by_status[TicketStatus.SELESAI] == 2
    assert (after.average_rating, after.rated_count) == (4.0, 1)
    assert after.median_minutes_to_first_reply == before.median_minutes_to_first_reply
    actions = await session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == 7).order_by(AuditEvent.id)
    )
    assert list(actions) == ["tutup", "hapus_data"]


async def test_delete_unknown_user(session: AsyncSession) -> None:
    summary = await delete_user_data(session, user_id=404)
    assert not summary.user_found and summary.closed_ticket is None
    assert await session.scalar(select(func.count()).select_from(AuditEvent)) == 0

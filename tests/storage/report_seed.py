"""Known activity for the report tests: 10–23 August 2026 (WIB, UTC+7), with a weekend
(15–16 August), Independence Day (Monday 17 August, a public holiday) and questions on both
sides of the local midnight. The expected figures are worked out beside each row."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from bot.knowledge import load_knowledge_base
from bot.queue.office_hours import OfficeHours
from bot.reports.figures import build_report
from bot.reports.model import Report
from bot.reports.periods import Period, period_between
from bot.settings import QueueSettings
from bot.storage import get_or_create_user
from bot.storage.enums import ClosedBy, EscalationReason, MessageDirection, TicketStatus
from bot.storage.models import Feedback, Message, Ticket, User

WIB = timezone(timedelta(hours=7))
OFFICE_HOURS = OfficeHours.from_settings(QueueSettings())
CONSULTANT_A, CONSULTANT_B = 501, 502
"""A holds two tickets of the period (→ "Konsultan 1"), B one (→ "Konsultan 2")."""
ASN_1, ASN_2, ASN_ERASED, ASN_4 = 1001, 1002, 1003, 1004
QUESTION_4 = "Bolehkah saya hadir di kampanye suami saya?"
ERASED_TEXT = "teks yang sudah dihapus"


def wib(day: int, hour: int, minute: int = 0, month: int = 8) -> datetime:
    """A moment of August 2026 in WIB, as the UTC datetime the database stores."""
    return datetime(2026, month, day, hour, minute, tzinfo=WIB).astimezone(UTC)


def seeded_period() -> Period:
    from zoneinfo import ZoneInfo

    return period_between(date(2026, 8, 10), date(2026, 8, 23), ZoneInfo("Asia/Jakarta"))


QUESTIONS = [
    # (when, action, intent)
    (wib(9, 23, 30), "answer", "media_sosial"),  # before the period (16:30 UTC on the 9th)
    (wib(10, 0, 30), "answer", "media_sosial"),  # the 10th in WIB, the 9th in UTC
    (wib(10, 12), "answer", "media_sosial"),
    (wib(10, 13), "clarify", "kampanye"),
    (wib(11, 6, 30), "fallback", "di_luar_topik"),  # the 11th in WIB, the 10th in UTC
    (wib(11, 9), "escalate", "konsultasi_kasus"),
    (wib(11, 10), "answer", "kampanye"),
    (wib(11, 10, 5), "answer", "salam"),  # answered, but small talk is no topic
    (wib(17, 10), "clarify", None),
    (wib(18, 9), "answer", "media_sosial"),
    (wib(24, 0, 10), "answer", "media_sosial"),  # after the period (17:10 UTC on the 23rd)
]
EXPECTED_QUESTIONS = {
    date(2026, 8, 10): {"answer": 2, "clarify": 1},
    date(2026, 8, 11): {"answer": 2, "fallback": 1, "escalate": 1},
    date(2026, 8, 17): {"clarify": 1},
    date(2026, 8, 18): {"answer": 1},
}
FEEDBACK = [
    (wib(10, 12, 5), "media_sosial", True),
    (wib(10, 12, 6), "media_sosial", True),
    (wib(18, 9, 5), "media_sosial", False),
    (wib(11, 10, 1), "kampanye", False),
    (wib(24, 1), "media_sosial", True),  # after the period
]


async def seeded_report(session: AsyncSession, *, include_texts: bool = False) -> Report:
    """Seed the activity, then build the report of ``seeded_period``."""
    await seed_report_activity(session)
    return await build_report(
        session,
        seeded_period(),
        knowledge=load_knowledge_base(),
        office_hours=OFFICE_HOURS,
        include_texts=include_texts,
    )


async def seed_report_activity(session: AsyncSession) -> None:
    """Store the users, questions, feedback and tickets above, and commit."""
    for user_id in (ASN_1, ASN_2, ASN_ERASED, ASN_4):
        await get_or_create_user(
            session, user_id=user_id, chat_id=user_id, first_name="Nama Asli", username="asli"
        )
    erased = await session.get(User, ASN_ERASED)
    assert erased is not None
    erased.data_deleted_at = wib(20, 9)
    for when, action, intent in QUESTIONS:
        session.add(_question(when, action, intent))
    # Not questions: the bot's own reply, an inbound message without a reading, a rate limit.
    session.add(_question(wib(10, 12, 1), "answer", "media_sosial", MessageDirection.OUT))
    session.add(_question(wib(10, 14), None, None))
    session.add(_question(wib(10, 15), "rate_limited", None))
    for when, intent, helpful in FEEDBACK:
        session.add(Feedback(user_id=ASN_1, intent=intent, helpful=helpful, created_at=when))
    for ticket in _tickets():
        session.add(ticket)
    await session.commit()


def _question(
    when: datetime,
    action: str | None,
    intent: str | None,
    direction: MessageDirection = MessageDirection.IN,
) -> Message:
    return Message(
        chat_id=ASN_1,
        user_id=ASN_1,
        direction=direction,
        text="pertanyaan",
        intent=intent,
        action=action,
        created_at=when,
    )


def _tickets() -> list[Ticket]:
    closed = {"status": TicketStatus.SELESAI, "closed_by": ClosedBy.KONSULTAN}
    return [
        # Outside the period (opened on the 9th), closed inside it: counted as closed on the
        # 10th only. Its consultant B and rating 1 are not the period's.
        Ticket(
            user_id=ASN_1,
            reason=EscalationReason.MINTA_KONSULTAN,
            topic="media_sosial",
            created_at=wib(9, 10),
            claimed_at=wib(9, 11),
            first_reply_at=wib(9, 11, 30),
            closed_at=wib(10, 9),
            consultant_id=CONSULTANT_B,
            consultant_name="Budi",
            rating=1,
            **closed,
        ),
        # Opened before office hours: 30 office minutes to reply, 480 to close (the whole 10th).
        Ticket(
            user_id=ASN_2,
            reason=EscalationReason.KONSULTASI_KASUS,
            topic=None,
            question="Saya dilaporkan ke Bawaslu.",
            created_at=wib(10, 7),
            claimed_at=wib(10, 8, 10),
            first_reply_at=wib(10, 8, 30),
            closed_at=wib(11, 8),
            consultant_id=CONSULTANT_A,
            consultant_name="Ani",
            rating=4,
            **closed,
        ),
        # The 11th at 23.30 WIB (16.30 UTC): opened on the 11th; 180 office minutes to reply.
        # Its ASN erased their data: the text must never be shown, even if it were still there.
        Ticket(
            user_id=ASN_ERASED,
            reason=EscalationReason.MINTA_KONSULTAN,
            topic="kampanye",
            question=ERASED_TEXT,
            created_at=wib(11, 23, 30),
            claimed_at=wib(12, 8),
            first_reply_at=wib(12, 11),
            consultant_id=CONSULTANT_B,
            consultant_name="Budi",
            status=TicketStatus.DIAMBIL,
        ),
        # Friday 15.00, replied Tuesday 09.00 across the weekend and Independence Day:
        # 60 + 60 = 120 office minutes; closed Tuesday 11.00: 60 + 180 = 240.
        Ticket(
            user_id=ASN_1,
            reason=EscalationReason.TOMBOL_KONSULTAN,
            topic="media_sosial",
            question="Apakah boleh like postingan calon?",
            created_at=wib(14, 15),
            claimed_at=wib(14, 15, 30),
            first_reply_at=wib(18, 9),
            closed_at=wib(18, 11),
            consultant_id=CONSULTANT_A,
            consultant_name="Ani",
            rating=5,
            **closed,
        ),
        # Sunday evening, never claimed.
        Ticket(
            user_id=ASN_4,
            reason=EscalationReason.CLARIFY_DITOLAK,
            topic="media_sosial",
            question=QUESTION_4,
            created_at=wib(16, 20),
        ),
    ]

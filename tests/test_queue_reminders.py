"""Whom to remind of a waiting ticket, and when: office time only, the owner first."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.queue.office_hours import OfficeHours
from bot.queue.reminders import Audience, ReminderRules, reminder_audience
from bot.settings import QueueSettings
from bot.storage import EscalationReason, Ticket, TicketStatus

# Offices open until 17.00 here; 27 November 2026 is a Friday, the 30th a Monday.
QUEUE = QueueSettings(
    office_hours_end="17:00",
    remind_unclaimed_minutes=30,
    remind_unanswered_minutes=120,
    remind_group_after_minutes=60,
    remind_every_minutes=60,
)
HOURS, RULES = OfficeHours.from_settings(QUEUE), ReminderRules.from_settings(QUEUE)


def wib(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> datetime:
    local = datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Asia/Jakarta"))
    return local.astimezone(UTC)


def ticket(created_at: datetime, **fields: object) -> Ticket:
    values: dict[str, object] = {"status": TicketStatus.BARU, "last_reminder_at": None}
    values |= fields
    return Ticket(
        id=1, user_id=5, reason=EscalationReason.KONSULTASI_KASUS, created_at=created_at, **values
    )


def audience(of: Ticket, now: datetime) -> Audience | None:
    return reminder_audience(of, now=now, hours=HOURS, rules=RULES)


def test_an_unclaimed_ticket_waits_in_office_time_only() -> None:
    friday = ticket(wib(27, 16, 50))
    assert audience(friday, wib(27, 16, 59)) is None
    assert audience(friday, wib(28, 10)) is None  # Saturday: closed
    assert audience(friday, wib(30, 8, 19)) is None
    assert audience(friday, wib(30, 8, 20)) is Audience.GROUP


def test_nobody_is_reminded_outside_office_hours_or_on_a_holiday() -> None:
    waiting = ticket(wib(21, 9, month=12, year=2026))  # Monday 21 December 2026
    assert audience(waiting, wib(22, 10, month=12)) is Audience.GROUP
    assert audience(waiting, wib(22, 18, month=12)) is None  # evening
    assert audience(waiting, wib(24, 10, month=12)) is None  # cuti bersama Natal
    assert audience(waiting, wib(25, 10, month=12)) is None  # Natal


def test_a_claimed_ticket_reminds_its_owner_first_then_the_group() -> None:
    claimed = ticket(
        wib(23, 8), status=TicketStatus.DIAMBIL, claimed_at=wib(23, 9), consultant_id=7001
    )
    assert audience(claimed, wib(23, 10, 59)) is None
    assert audience(claimed, wib(23, 11)) is Audience.OWNER
    claimed.last_reminder_at = wib(23, 11)
    assert audience(claimed, wib(23, 11, 59)) is None  # one per period
    assert audience(claimed, wib(23, 12)) is Audience.GROUP
    claimed.last_reminder_at = wib(23, 12)
    assert audience(claimed, wib(23, 12, 30)) is None
    assert audience(claimed, wib(23, 13)) is Audience.GROUP
    claimed.first_reply_at = wib(23, 13, 5)
    assert audience(claimed, wib(24, 13)) is None  # answered


def test_the_owner_comes_first_even_when_the_group_was_due_long_ago() -> None:
    claimed = ticket(
        wib(23, 8), status=TicketStatus.DIAMBIL, claimed_at=wib(23, 9), consultant_id=7001
    )
    assert audience(claimed, wib(25, 9)) is Audience.OWNER  # no reminder since the claim


def test_the_period_between_reminders_counts_office_time() -> None:
    reminded = ticket(wib(27, 9), last_reminder_at=wib(27, 16, 30))
    assert audience(reminded, wib(30, 8, 29)) is None  # 59 minutes of office time
    assert audience(reminded, wib(30, 8, 30)) is Audience.GROUP


def test_a_closed_ticket_is_never_reminded() -> None:
    closed = ticket(wib(23, 8), status=TicketStatus.SELESAI)
    assert audience(closed, wib(24, 10)) is None

"""Office hours with Indonesia's holidays, and waiting counted in office time only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.queue.office_hours import OfficeHours
from bot.settings import QueueSettings

HOURS = OfficeHours.from_settings(QueueSettings())  # Senin–Jumat 08.00–16.00 WIB, holidays
PUBLIC_ONLY = OfficeHours.from_settings(QueueSettings(holidays=("public",)))
NO_HOLIDAYS = OfficeHours.from_settings(QueueSettings(holidays=()))


def wib(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A time given in WIB, as UTC (what the database holds)."""
    local = datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Asia/Jakarta"))
    return local.astimezone(UTC)


def test_public_holidays_close_the_office() -> None:
    assert HOURS.is_open(wib(2024, 12, 24, 10))  # the day before Christmas, a Tuesday
    assert not HOURS.is_open(wib(2024, 12, 25, 10))  # Hari Raya Natal, a Wednesday
    assert not HOURS.is_open(wib(2025, 3, 31, 10))  # Hari Raya Idul Fitri, a Monday
    assert not HOURS.is_open(wib(2025, 4, 1, 10))  # its second day
    assert not HOURS.is_open(wib(2025, 4, 5, 10))  # a Saturday
    assert HOURS.is_open(wib(2025, 4, 8, 10))  # the first working day after Lebaran
    assert NO_HOLIDAYS.is_open(wib(2024, 12, 25, 10))


def test_cuti_bersama_closes_the_office_unless_left_out() -> None:
    for day in (wib(2024, 12, 26, 10), wib(2025, 4, 2, 10), wib(2025, 4, 7, 10)):
        assert not HOURS.is_open(day)
        assert PUBLIC_ONLY.is_open(day)


def test_next_opening_skips_holidays_and_a_closure_longer_than_a_week() -> None:
    # Lebaran 2025: Idul Fitri on Monday, its second day, cuti bersama to Friday, the weekend
    # and cuti bersama again on Monday: nine days closed.
    morning = wib(2025, 3, 31, 7)
    assert HOURS.next_opening(morning) == datetime(2025, 4, 8, 8, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert PUBLIC_ONLY.next_opening(morning) == datetime(
        2025, 4, 2, 8, tzinfo=ZoneInfo("Asia/Jakarta")
    )
    christmas = wib(2024, 12, 25, 9)
    opening = HOURS.next_opening(christmas)
    assert opening is not None
    assert HOURS.describe_opening(opening, christmas) == "Jumat, 27/12 pukul 08.00 WIB"
    assert HOURS.describe() == "Senin–Jumat 08.00–16.00 WIB"  # holidays are not listed


def test_office_time_counts_only_office_hours_on_working_days() -> None:
    minutes = timedelta(minutes=1)
    # 23 November 2026 is a Monday; no holiday that week or the next.
    assert (
        HOURS.office_time_between(wib(2026, 11, 23, 9), wib(2026, 11, 23, 10, 30)) == 90 * minutes
    )
    friday_afternoon, monday_morning = wib(2026, 11, 27, 15, 50), wib(2026, 11, 30, 8, 20)
    assert HOURS.office_time_between(friday_afternoon, monday_morning) == 30 * minutes
    assert HOURS.office_time_between(wib(2026, 11, 27, 16, 50), monday_morning) == 20 * minutes
    assert HOURS.office_time_between(wib(2026, 11, 23, 20), wib(2026, 11, 24, 7)) == 0 * minutes
    assert HOURS.office_time_between(monday_morning, friday_afternoon) == 0 * minutes
    a_week = HOURS.office_time_between(wib(2026, 11, 23, 8), wib(2026, 11, 30, 8))
    assert a_week == timedelta(hours=40)


def test_office_time_skips_holidays() -> None:
    # Tuesday 24 December 2024, 15.00 to Friday the 27th, 09.00: Natal and cuti bersama between.
    start, end = wib(2024, 12, 24, 15), wib(2024, 12, 27, 9)
    assert HOURS.office_time_between(start, end) == timedelta(hours=2)
    assert PUBLIC_ONLY.office_time_between(start, end) == timedelta(hours=10)
    assert NO_HOLIDAYS.office_time_between(start, end) == timedelta(hours=18)

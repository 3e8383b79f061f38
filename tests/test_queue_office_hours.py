"""Office hours: on duty or not, and when consultants next start (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.queue.office_hours import OfficeHours, describe_days, parse_clock
from bot.settings import QueueSettings

HOURS = OfficeHours.from_settings(QueueSettings())  # Senin–Jumat 08.00–16.00 Asia/Jakarta


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in November 2026 (the 23rd is a Monday), given in WIB, as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(UTC)


def test_open_inside_hours_on_a_weekday() -> None:
    assert HOURS.is_open(wib(23, 8))
    assert HOURS.is_open(wib(27, 15, 59))


def test_closed_at_closing_time_at_night_and_at_the_weekend() -> None:
    assert not HOURS.is_open(wib(23, 16))
    assert not HOURS.is_open(wib(24, 3))
    assert not HOURS.is_open(wib(28, 10))  # Saturday


def test_next_opening_same_day_next_day_and_after_the_weekend() -> None:
    early = wib(24, 6)
    assert HOURS.describe_opening(HOURS.next_opening(early), early) == "hari ini pukul 08.00 WIB"  # type: ignore[arg-type]
    evening = wib(24, 18)
    assert (
        HOURS.describe_opening(HOURS.next_opening(evening), evening)
        == "besok (Rabu) pukul 08.00 WIB"
    )  # type: ignore[arg-type]
    friday = wib(27, 17)
    opening = HOURS.next_opening(friday)
    assert opening is not None and opening.isoweekday() == 1
    assert HOURS.describe_opening(opening, friday) == "Senin, 30/11 pukul 08.00 WIB"


def test_no_office_days_means_no_next_opening() -> None:
    never = OfficeHours.from_settings(QueueSettings(office_days=()))
    assert not never.is_open(wib(23, 9)) and never.next_opening(wib(23, 9)) is None


def test_descriptions() -> None:
    assert HOURS.describe() == "Senin–Jumat 08.00–16.00 WIB"
    assert describe_days(frozenset({1, 3, 5})) == "Senin, Rabu, Jumat"
    assert parse_clock("7.30") == time(7, 30)
    makassar = OfficeHours.from_settings(QueueSettings(timezone="Asia/Makassar"))
    assert makassar.zone_label == "WITA"

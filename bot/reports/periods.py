"""Report periods as coordinators type them ("minggu_ini", "2024-11", "30", two dates), read
as whole local days of the office's time zone: a half-open [start, end) in UTC for the queries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.settings import Settings

MONTH_NAMES = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
LONGEST_PERIOD_DAYS = 366
DEFAULT_PERIOD = "minggu_ini"

_NAMED = {
    "minggu_ini": "this_week",
    "this_week": "this_week",
    "minggu_lalu": "last_week",
    "last_week": "last_week",
    "bulan_ini": "this_month",
    "this_month": "this_month",
    "bulan_lalu": "last_month",
    "last_month": "last_month",
}
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_LAST_DAYS = re.compile(r"(\d{1,3})_?(hari|days?|d)?")
_TWO_DATES = re.compile(r"(\d{4}-\d{2}-\d{2})\s*(?:\s|\.\.|s/d|sampai|to|-)\s*(\d{4}-\d{2}-\d{2})")


class PeriodError(ValueError):
    """The text names no period this module reads, or an impossible one."""


@dataclass(frozen=True, slots=True)
class Period:
    """The local days ``first_day`` to ``last_day`` (both included) in ``zone``."""

    first_day: date
    last_day: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        """The first day's local midnight, in UTC (included)."""
        return _midnight(self.first_day, self.zone)

    @property
    def end(self) -> datetime:
        """The local midnight after the last day, in UTC (excluded)."""
        return _midnight(self.last_day + timedelta(days=1), self.zone)

    @property
    def days(self) -> tuple[date, ...]:
        count = (self.last_day - self.first_day).days + 1
        return tuple(self.first_day + timedelta(days=offset) for offset in range(count))

    @property
    def label(self) -> str:
        """In Indonesian: "1–30 November 2026", "28 Oktober – 3 November 2026"."""
        first, last = self.first_day, self.last_day
        if first == last:
            return _long_date(first)
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.day}–{_long_date(last)}"
        if first.year == last.year:
            return f"{first.day} {MONTH_NAMES[first.month - 1]} – {_long_date(last)}"
        return f"{_long_date(first)} – {_long_date(last)}"


def report_zone(settings: Settings) -> ZoneInfo:
    """The reports' time zone: ``reports.timezone``, else the office hours' ``queue.timezone``."""
    return ZoneInfo(settings.reports.timezone or settings.queue.timezone)


def parse_period(text: str, *, zone: ZoneInfo, now: datetime) -> Period:
    """Read a period; an empty text is ``DEFAULT_PERIOD``. Raise ``PeriodError`` otherwise."""
    words = " ".join(text.lower().split()) or DEFAULT_PERIOD
    today = now.astimezone(zone).date()
    named = _NAMED.get(words.replace(" ", "_"))
    if named is not None:
        return _named_period(named, today, zone)
    if match := _MONTH.fullmatch(words):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"no month {month} in {text!r}")
        return Period(date(year, month, 1), _month_end(year, month), zone)
    if match := _LAST_DAYS.fullmatch(words.replace(" ", "_")):
        count = int(match[1])
        if not 1 <= count <= LONGEST_PERIOD_DAYS:
            raise PeriodError(f"the last N days: N from 1 to {LONGEST_PERIOD_DAYS}")
        return Period(today - timedelta(days=count - 1), today, zone)
    if match := _TWO_DATES.fullmatch(words):
        return period_between(_read_date(match[1]), _read_date(match[2]), zone)
    raise PeriodError(f"no period in {text!r}")


def period_between(first_day: date, last_day: date, zone: ZoneInfo) -> Period:
    """The days ``first_day`` to ``last_day``, both included, within ``LONGEST_PERIOD_DAYS``."""
    if last_day < first_day:
        raise PeriodError(f"{last_day} is before {first_day}")
    if (last_day - first_day).days + 1 > LONGEST_PERIOD_DAYS:
        raise PeriodError(f"a period is at most {LONGEST_PERIOD_DAYS} days")
    return Period(first_day, last_day, zone)


def _named_period(name: str, today: date, zone: ZoneInfo) -> Period:
    monday = today - timedelta(days=today.weekday())
    if name == "this_week":
        return Period(monday, today, zone)
    if name == "last_week":
        return Period(monday - timedelta(days=7), monday - timedelta(days=1), zone)
    if name == "this_month":
        return Period(today.replace(day=1), today, zone)
    previous = today.replace(day=1) - timedelta(days=1)
    return Period(previous.replace(day=1), previous, zone)


def _read_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise PeriodError(f"no date {value!r}") from error


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(UTC)


def _long_date(day: date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"

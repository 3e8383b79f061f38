"""Consultants' office hours: are they on duty now, when do they next start, and how much of
a wait fell within them? Public holidays and cuti bersama are days off (the ``holidays``
package's Indonesian calendar, not a list of our own)."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from bot.settings import HolidayKind, QueueSettings

DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
HOLIDAY_CATEGORIES: dict[HolidayKind, str] = {
    "public": holidays.PUBLIC,
    "cuti_bersama": holidays.GOVERNMENT,
}
"""The package's categories for Indonesia: ``public`` holds the national public holidays,
``government`` the cuti bersama (collective leave days) set each year for ASN."""
LONGEST_CLOSURE = timedelta(days=366)
"""How far ``next_opening`` looks: any run of weekends and holidays is far shorter."""


def parse_clock(value: str) -> time:
    """Read "08:00" (or "08.00") as a time of day."""
    hours, _, minutes = value.replace(".", ":").partition(":")
    return time(int(hours), int(minutes or 0))


def clock_label(value: time) -> str:
    """Indonesian clock notation: 08.00."""
    return f"{value.hour:02d}.{value.minute:02d}"


@cache
def indonesian_holidays(kinds: tuple[HolidayKind, ...]) -> Container[date]:
    """Indonesia's days off of these kinds; the calendar fills in each year when first asked.
    Shared by every caller: the package's calendar is slow to build, quick to ask."""
    if not kinds:
        return frozenset()
    categories = tuple(HOLIDAY_CATEGORIES[kind] for kind in kinds)
    return holidays.country_holidays("ID", categories=categories)


@dataclass(frozen=True, slots=True)
class OfficeHours:
    start: time
    end: time
    days: frozenset[int]  # ISO weekdays: 1 = Monday ... 7 = Sunday
    zone: ZoneInfo
    days_off: Container[date] = field(default=frozenset(), compare=False)
    """Dates closed although on an office day: public holidays, cuti bersama."""
    _windows: dict[date, tuple[datetime, datetime] | None] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    """Each date's office hours in UTC, worked out once: a report asks the same dates for
    every ticket (``office_time_between``), and the holiday calendar is slow to ask."""

    @classmethod
    def from_settings(cls, queue: QueueSettings) -> OfficeHours:
        return cls(
            start=parse_clock(queue.office_hours_start),
            end=parse_clock(queue.office_hours_end),
            days=frozenset(queue.office_days),
            zone=ZoneInfo(queue.timezone),
            days_off=indonesian_holidays(tuple(sorted(set(queue.holidays)))),
        )

    @property
    def zone_label(self) -> str:
        return ZONE_LABELS.get(self.zone.key, self.zone.key)

    def is_working_day(self, day: date) -> bool:
        """An office day that is no holiday."""
        return day.isoweekday() in self.days and day not in self.days_off

    def is_open(self, at: datetime) -> bool:
        """True when consultants are on duty at ``at`` (any timezone-aware time)."""
        local = at.astimezone(self.zone)
        return self.is_working_day(local.date()) and self.start <= local.time() < self.end

    def next_opening(self, at: datetime) -> datetime | None:
        """The next start of office hours after ``at``, local time; None without office days."""
        local = at.astimezone(self.zone)
        for offset in range(LONGEST_CLOSURE.days + 1):
            day = local.date() + timedelta(days=offset)
            if not self.is_working_day(day):
                continue
            opening = datetime.combine(day, self.start, tzinfo=self.zone)
            if opening > local:
                return opening
        return None

    def office_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much of the time from ``start`` to ``end`` fell within office hours: a ticket
        opened on Friday 15.50 has waited 10 minutes of office time at 16.00, and still 10 on
        Monday at 08.00 (zero when ``end`` is not after ``start``)."""
        first, last = start.astimezone(UTC), end.astimezone(UTC)
        total = timedelta(0)
        day = first.astimezone(self.zone).date()
        while day <= last.astimezone(self.zone).date():
            window = self._window(day)
            if window is not None:
                opens, closes = window
                total += max(timedelta(0), min(closes, last) - max(opens, first))
            day += timedelta(days=1)
        return total

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's office hours in UTC; None on a day off."""
        if day not in self._windows:
            self._windows[day] = (
                (
                    datetime.combine(day, self.start, tzinfo=self.zone).astimezone(UTC),
                    datetime.combine(day, self.end, tzinfo=self.zone).astimezone(UTC),
                )
                if self.is_working_day(day)
                else None
            )
        return self._windows[day]

    def describe(self) -> str:
        """E.g. "Senin–Jumat 08.00–16.00 WIB"."""
        hours = f"{clock_label(self.start)}–{clock_label(self.end)}"
        return f"{describe_days(self.days)} {hours} {self.zone_label}"

    def describe_opening(self, opening: datetime, now: datetime) -> str:
        """E.g. "hari ini pukul 08.00 WIB", "besok (Selasa) pukul ...", "Senin, 24/11 pukul ..."."""
        today = now.astimezone(self.zone).date()
        clock = f"pukul {clock_label(opening.timetz())} {self.zone_label}"
        day: date = opening.date()
        name = DAY_NAMES[day.isoweekday() - 1]
        if day == today:
            return f"hari ini {clock}"
        if day == today + timedelta(days=1):
            return f"besok ({name}) {clock}"
        return f"{name}, {day.day:02d}/{day.month:02d} {clock}"


def describe_days(days: frozenset[int]) -> str:
    """ "Senin–Jumat" for a run of days, otherwise "Senin, Rabu, Jumat"."""
    ordered = sorted(days)
    if not ordered:
        return "(tanpa hari kerja)"
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{DAY_NAMES[ordered[0] - 1]}–{DAY_NAMES[ordered[-1] - 1]}"
    return ", ".join(DAY_NAMES[day - 1] for day in ordered)

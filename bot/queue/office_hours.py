"""Consultants' office hours: are they on duty now, and when do they next start?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.settings import QueueSettings

DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def parse_clock(value: str) -> time:
    """Read "08:00" (or "08.00") as a time of day."""
    hours, _, minutes = value.replace(".", ":").partition(":")
    return time(int(hours), int(minutes or 0))


def clock_label(value: time) -> str:
    """Indonesian clock notation: 08.00."""
    return f"{value.hour:02d}.{value.minute:02d}"


@dataclass(frozen=True, slots=True)
class OfficeHours:
    start: time
    end: time
    days: frozenset[int]  # ISO weekdays: 1 = Monday ... 7 = Sunday
    zone: ZoneInfo

    @classmethod
    def from_settings(cls, queue: QueueSettings) -> OfficeHours:
        return cls(
            start=parse_clock(queue.office_hours_start),
            end=parse_clock(queue.office_hours_end),
            days=frozenset(queue.office_days),
            zone=ZoneInfo(queue.timezone),
        )

    @property
    def zone_label(self) -> str:
        return ZONE_LABELS.get(self.zone.key, self.zone.key)

    def is_open(self, at: datetime) -> bool:
        """True when consultants are on duty at ``at`` (any timezone-aware time)."""
        local = at.astimezone(self.zone)
        return local.isoweekday() in self.days and self.start <= local.time() < self.end

    def next_opening(self, at: datetime) -> datetime | None:
        """The next start of office hours after ``at``, local time; None without office days."""
        local = at.astimezone(self.zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            if day.isoweekday() not in self.days:
                continue
            opening = datetime.combine(day, self.start, tzinfo=self.zone)
            if opening > local:
                return opening
        return None

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

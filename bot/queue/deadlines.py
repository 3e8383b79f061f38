"""A deadline as the ASN writes it at the intake ("12 Desember", "12/12/2026", "besok"), read
as a date; and the short label the queue shows ("⏰ 12 Des").

Dates are read in the office's calendar: "besok" is tomorrow where the consultants work.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

MONTHS = {
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "pebruari": 2,
    "feb": 2,
    "peb": 2,
    "maret": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "agustus": 8,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "agus": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "nop": 11,
    "desember": 12,
    "des": 12,
}
"""Indonesian month names and their usual abbreviations."""
MONTH_LABELS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
RELATIVE_DAYS = {"hari ini": 0, "besok": 1, "lusa": 2}
"""Words for a day counted from today."""
YEAR_ROLLOVER_DAYS = 60
"""A day and month without a year more than this many days past is next year's ("5 Januari"
written in December); nearer, it is this year's, a date already past."""

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?(?!\d)")
_WORDS = re.compile(r"(?<!\d)(\d{1,2})\s*([a-z]+)\.?(?:\s+(\d{4}))?(?!\d)")
_RELATIVE = re.compile(r"\b(hari ini|besok|lusa)\b")


def office_today(timezone: str, now: datetime) -> date:
    """The office's calendar day at ``now`` (a timezone-aware time)."""
    return now.astimezone(ZoneInfo(timezone)).date()


def parse_deadline(text: str, today: date) -> date | None:
    """The date ``text`` names, or None when it names none (or an impossible one, 31/2).

    Reads "besok", "lusa", "hari ini"; "12 Desember", "12 des 2026"; "12/12/2026", "12-12-26",
    "12/12"; "2026-12-12". Without a year, the date is this year's, or next year's when this
    year's is more than ``YEAR_ROLLOVER_DAYS`` past. The date may be in the past: the caller
    decides what that means.
    """
    words = text.lower()
    relative = _RELATIVE.search(words)
    if relative:
        return today + timedelta(days=RELATIVE_DAYS[relative[1]])
    if found := _ISO.search(words):
        return _date(int(found[1]), int(found[2]), int(found[3]))
    if found := _NUMERIC.search(words):
        return _dated(today, int(found[1]), int(found[2]), found[3])
    for found in _WORDS.finditer(words):
        if found[2] in MONTHS:
            return _dated(today, int(found[1]), MONTHS[found[2]], found[3])
    return None


def deadline_label(deadline: date) -> str:
    """The deadline as the queue and the card show it: ``⏰ 12 Des``."""
    return f"⏰ {deadline.day} {MONTH_LABELS[deadline.month - 1]}"


def _dated(today: date, day: int, month: int, year: str | None) -> date | None:
    if year is not None:
        return _date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    this_year = _date(today.year, month, day)
    if this_year is not None and (today - this_year).days > YEAR_ROLLOVER_DAYS:
        return _date(today.year + 1, month, day)
    return this_year


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None

"""When the weekly digest is due, and how the report's summary writes office time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.reports.summary import office_minutes
from bot.settings import QueueSettings, ReportsSettings, Settings
from handlers.coordinator_reports import last_digest_time

MONDAY_7 = ReportsSettings(digest_weekday=1, digest_time="07:00")


@pytest.mark.parametrize(
    ("now_utc", "due_utc"),
    [
        # Monday 7 Dec 2026, 07.00 WIB = 00.00 UTC.
        (datetime(2026, 12, 7, 0, 0, tzinfo=UTC), datetime(2026, 12, 7, 0, 0, tzinfo=UTC)),
        (datetime(2026, 12, 9, 12, 0, tzinfo=UTC), datetime(2026, 12, 7, 0, 0, tzinfo=UTC)),
        # Monday 06.59 WIB: still last week's.
        (datetime(2026, 12, 6, 23, 59, tzinfo=UTC), datetime(2026, 11, 30, 0, 0, tzinfo=UTC)),
        # Sunday 23.00 WIB: the week's digest went out last Monday.
        (datetime(2026, 12, 13, 16, 0, tzinfo=UTC), datetime(2026, 12, 7, 0, 0, tzinfo=UTC)),
    ],
)
def test_the_latest_digest_time_in_the_office_zone(now_utc: datetime, due_utc: datetime) -> None:
    assert last_digest_time(Settings(reports=MONDAY_7), now_utc) == due_utc


def test_a_wit_office_gets_its_digest_at_its_own_seven() -> None:
    wit = Settings(reports=MONDAY_7, queue=QueueSettings(timezone="Asia/Jayapura"))
    now = datetime(2026, 12, 6, 22, 30, tzinfo=UTC)  # Monday 07.30 WIT, 05.30 WIB
    assert last_digest_time(wit, now) == datetime(2026, 12, 6, 22, 0, tzinfo=UTC)
    assert last_digest_time(Settings(reports=MONDAY_7), now) == datetime(
        2026, 11, 30, 0, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("minutes", "shown"), [(0, "0 m"), (44.6, "45 m"), (120, "2 j"), (80.2, "1 j 20 m")]
)
def test_office_minutes_read_as_hours_and_minutes(minutes: float, shown: str) -> None:
    assert office_minutes(minutes) == shown

"""Report periods as coordinators type them, as local days and their UTC bounds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.reports.periods import Period, PeriodError, parse_period, report_zone
from bot.settings import QueueSettings, ReportsSettings, Settings

JAKARTA, JAYAPURA = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Jayapura")
# Wednesday 18 November 2026, 20.00 UTC: already Thursday the 19th, 03.00, in Jakarta.
NOW = datetime(2026, 11, 18, 20, 0, tzinfo=UTC)


def days(text: str, zone: ZoneInfo = JAKARTA) -> tuple[date, date]:
    period = parse_period(text, zone=zone, now=NOW)
    return period.first_day, period.last_day


@pytest.mark.parametrize("text", ["minggu_ini", "minggu ini", "Minggu  Ini", "this week", ""])
def test_this_week_is_monday_to_today_in_the_office_zone(text: str) -> None:
    assert days(text) == (date(2026, 11, 16), date(2026, 11, 19))


def test_named_periods() -> None:
    assert days("minggu_lalu") == (date(2026, 11, 9), date(2026, 11, 15))
    assert days("bulan_ini") == (date(2026, 11, 1), date(2026, 11, 19))
    assert days("bulan lalu") == (date(2026, 10, 1), date(2026, 10, 31))


def test_a_month() -> None:
    assert days("2024-11") == (date(2024, 11, 1), date(2024, 11, 30))
    assert days("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert days("2024-12") == (date(2024, 12, 1), date(2024, 12, 31))


@pytest.mark.parametrize("text", ["30", "30hari", "30 hari", "30_hari", "30d"])
def test_the_last_n_days_include_today(text: str) -> None:
    assert days(text) == (date(2026, 10, 21), date(2026, 11, 19))


@pytest.mark.parametrize(
    "text", ["2024-11-01 2024-11-30", "2024-11-01..2024-11-30", "2024-11-01 sampai 2024-11-30"]
)
def test_two_dates_both_included(text: str) -> None:
    assert days(text) == (date(2024, 11, 1), date(2024, 11, 30))


@pytest.mark.parametrize(
    "text",
    [
        "kemarin",
        "2024-13",
        "0",
        "400",
        "2024-11-30 2024-11-01",
        "2024-01-01 2025-06-01",
        "2024-02-30 2024-03-01",
    ],
)
def test_what_is_no_period_is_refused(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text, zone=JAKARTA, now=NOW)


def test_bounds_are_local_midnights_in_utc() -> None:
    period = parse_period("2026-11", zone=JAKARTA, now=NOW)
    assert period.start == datetime(2026, 10, 31, 17, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 30, 17, tzinfo=UTC)
    assert len(period.days) == 30
    eastern = parse_period("2026-11", zone=JAYAPURA, now=NOW)
    assert eastern.start == datetime(2026, 10, 31, 15, tzinfo=UTC)


def test_today_is_the_office_zones_day() -> None:
    late = datetime(2026, 11, 15, 16, 30, tzinfo=UTC)  # Sunday 23.30 WIB, Monday 01.30 WIT
    assert parse_period("minggu_ini", zone=JAKARTA, now=late).first_day == date(2026, 11, 9)
    assert parse_period("minggu_ini", zone=JAYAPURA, now=late).first_day == date(2026, 11, 16)


def test_labels_in_indonesian() -> None:
    assert Period(date(2026, 11, 1), date(2026, 11, 30), JAKARTA).label == "1–30 November 2026"
    assert (
        Period(date(2026, 10, 28), date(2026, 11, 3), JAKARTA).label
        == "28 Oktober – 3 November 2026"
    )
    assert (
        Period(date(2026, 12, 28), date(2027, 1, 3), JAKARTA).label
        == "28 Desember 2026 – 3 Januari 2027"
    )
    assert Period(date(2026, 8, 17), date(2026, 8, 17), JAKARTA).label == "17 Agustus 2026"


def test_report_zone_defaults_to_the_office_hours_zone() -> None:
    assert report_zone(Settings()).key == "Asia/Jakarta"
    wit = Settings(queue=QueueSettings(timezone="Asia/Jayapura"))
    assert report_zone(wit).key == "Asia/Jayapura"
    wita = Settings(
        queue=QueueSettings(timezone="Asia/Jayapura"),
        reports=ReportsSettings(timezone="Asia/Makassar"),
    )
    assert report_zone(wita).key == "Asia/Makassar"

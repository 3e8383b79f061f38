"""Deadlines as the ASN writes them at the intake (bot/queue/deadlines.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.queue.deadlines import deadline_label, office_today, parse_deadline

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 Desember", date(2026, 12, 12)),
        ("tgl 12 des", date(2026, 12, 12)),
        ("Senin, 14 Des. 2026", date(2026, 12, 14)),
        ("3 Januari 2027", date(2027, 1, 3)),
        ("3 jan", date(2027, 1, 3)),  # a month long past this year: next year's
        ("12/12/2026", date(2026, 12, 12)),
        ("12-12-26", date(2026, 12, 12)),
        ("8.1", date(2027, 1, 8)),
        ("2026-12-20", date(2026, 12, 20)),
        ("besok pagi jam 9", date(2026, 12, 7)),
        ("Lusa", date(2026, 12, 8)),
        ("hari ini", date(2026, 12, 6)),
        ("1 Desember", date(2026, 12, 1)),  # a few days ago: this year's, in the past
        ("17 agt 2025", date(2025, 8, 17)),
        ("5 Nop", date(2026, 11, 5)),
    ],
)
def test_reads_indonesian_dates(text: str, expected: date) -> None:
    assert parse_deadline(text, TODAY) == expected


@pytest.mark.parametrize(
    "text", ["belum tahu", "minggu depan", "31/2/2027", "30 Februari", "jam 10 pagi", ""]
)
def test_reads_nothing_where_no_date_is(text: str) -> None:
    assert parse_deadline(text, TODAY) is None


def test_today_is_the_office_day() -> None:
    # 20.00 UTC on 6 December is already 7 December in Jakarta (UTC+7).
    assert office_today("Asia/Jakarta", datetime(2026, 12, 6, 20, tzinfo=UTC)) == date(2026, 12, 7)


def test_label() -> None:
    assert deadline_label(date(2026, 12, 12)) == "⏰ 12 Des"
    assert deadline_label(date(2027, 8, 1)) == "⏰ 1 Agu"

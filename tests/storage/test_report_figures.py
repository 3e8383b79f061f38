"""Every figure of the coordinators' report against known activity (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.knowledge import load_knowledge_base
from bot.reports.figures import build_report
from bot.reports.model import Durations, Outcome
from tests.storage.report_seed import (
    EXPECTED_QUESTIONS,
    OFFICE_HOURS,
    QUESTION_4,
    seeded_period,
    seeded_report,
)


async def test_questions_per_local_day_by_outcome(session: AsyncSession) -> None:
    report = await seeded_report(session)
    assert [day.day for day in report.days] == list(seeded_period().days)
    assert len(report.days) == 14
    found = {
        day.day: {outcome.value: n for outcome, n in day.questions.items() if n}
        for day in report.days
        if any(day.questions.values())
    }
    assert found == EXPECTED_QUESTIONS
    assert report.questions() == 9
    assert report.questions(Outcome.ESCALATED) == 1


async def test_unplaced_share_per_week(session: AsyncSession) -> None:
    report = await seeded_report(session)
    weeks = [(week.monday, week.questions, week.unplaced) for week in report.weeks]
    assert weeks == [(date(2026, 8, 10), 7, 2), (date(2026, 8, 17), 2, 1)]
    assert report.weeks[1].unplaced_share == 0.5


async def test_topics_by_volume_with_feedback_and_tickets(session: AsyncSession) -> None:
    report = await seeded_report(session)
    topics = [
        (topic.title, topic.answered, topic.helpful, topic.unhelpful, topic.tickets)
        for topic in report.topics
    ]
    assert topics == [
        ("Media sosial", 3, 2, 1, 2),
        ("Kampanye", 1, 0, 1, 1),
        ("Tanpa topik", 0, 0, 0, 1),
    ]
    assert report.topics[0].helpful_share == pytest.approx(2 / 3)


async def test_ticket_flows_per_local_day(session: AsyncSession) -> None:
    report = await seeded_report(session)
    flows = {
        day.day.day: (day.tickets_opened, day.tickets_claimed, day.tickets_closed)
        for day in report.days
        if day.tickets_opened or day.tickets_claimed or day.tickets_closed
    }
    assert flows == {
        10: (1, 1, 1),  # opened and claimed the 10th; the ticket of the 9th closed
        11: (1, 0, 1),  # opened 23.30 WIB (16.30 UTC)
        12: (0, 1, 0),
        14: (1, 1, 0),
        16: (1, 0, 0),
        18: (0, 0, 1),
    }


async def test_waits_in_office_time_across_weekend_and_holiday(session: AsyncSession) -> None:
    report = await seeded_report(session)
    assert report.first_reply == Durations(count=3, median=120, p90=180)
    assert report.close == Durations(count=2, median=360, p90=480)
    waits = {
        row.number: (row.minutes_to_first_reply, row.minutes_to_close) for row in report.tickets
    }
    assert sorted(waits.values(), key=str) == sorted(
        [(30, 480), (180, None), (120, 240), (None, None)], key=str
    )


async def test_consultants_are_numbered_by_volume_without_names(session: AsyncSession) -> None:
    report = await seeded_report(session)
    consultants = [
        (c.label, c.tickets, c.first_reply.median, c.rating_count, c.rating_mean)
        for c in report.consultants
    ]
    assert consultants == [("Konsultan 1", 2, 75, 2, 4.5), ("Konsultan 2", 1, 180, 0, None)]


async def test_ratings_of_the_periods_tickets(session: AsyncSession) -> None:
    report = await seeded_report(session)
    assert report.ratings == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1}
    assert report.rating_mean == 4.5


async def test_ticket_rows_in_local_time_without_names_or_ids(session: AsyncSession) -> None:
    report = await seeded_report(session)
    rows = report.tickets
    assert [row.opened.strftime("%d %H:%M") for row in rows] == [
        "10 07:00",
        "11 23:30",
        "14 15:00",
        "16 20:00",
    ]
    assert [row.topic for row in rows] == [
        "Tanpa topik",
        "Kampanye",
        "Media sosial",
        "Media sosial",
    ]
    assert rows[0].reason == "ASN menceritakan kasusnya sendiri"
    assert [row.consultant for row in rows] == ["Konsultan 1", "Konsultan 2", "Konsultan 1", None]
    assert [row.rating for row in rows] == [4, None, 5, None]
    assert all(row.pseudonym and row.question is None for row in rows)
    shown = repr(report)
    for private in ("Nama Asli", "asli", "Ani", "Budi", "501", "502", "1001", "1004"):
        assert private not in shown


async def test_question_texts_only_when_asked_and_never_erased(session: AsyncSession) -> None:
    report = await seeded_report(session, include_texts=True)
    assert [row.question for row in report.tickets] == [
        "Saya dilaporkan ke Bawaslu.",
        None,  # its ASN erased their data
        "Apakah boleh like postingan calon?",
        QUESTION_4,
    ]
    assert report.texts_included


async def test_an_empty_period_reports_zeros(session: AsyncSession) -> None:
    report = await build_report(
        session, seeded_period(), knowledge=load_knowledge_base(), office_hours=OFFICE_HOURS
    )
    assert report.questions() == 0 and report.tickets == () and report.topics == ()
    assert report.first_reply == Durations(0, None, None)
    assert report.rating_mean is None

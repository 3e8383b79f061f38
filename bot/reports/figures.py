"""The coordinators' report for a period: ``build_report`` is the one call that makes it.

Counting happens in the database (GROUP BY on the local day and the topic); only the tickets
opened in the period are read row by row, for their waits in office hours (Python's calendar
of Indonesian holidays) and the workbook's one row per ticket.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.knowledge import KnowledgeBase
from bot.queue.office_hours import OfficeHours
from bot.reports.model import DayFigures, Durations, Report
from bot.reports.periods import Period
from bot.reports.questions import questions_per_day, topic_figures, weeks_of
from bot.reports.tickets import (
    consultant_figures,
    consultant_labels,
    consultant_totals,
    ratings_of,
    ticket_flows,
    ticket_rows,
)
from bot.settings import Settings


async def build_report(
    session: AsyncSession,
    period: Period,
    *,
    knowledge: KnowledgeBase,
    office_hours: OfficeHours,
    include_texts: bool = False,
) -> Report:
    """Every figure of the report for ``period`` (read only; the caller owns the session)."""
    questions = await questions_per_day(session, period)
    flows = await ticket_flows(session, period)
    totals = await consultant_totals(session, period)
    labels = consultant_labels(totals)
    tickets = await ticket_rows(
        session,
        period,
        knowledge=knowledge,
        office_hours=office_hours,
        labels=labels,
        include_texts=include_texts,
    )
    days = tuple(
        DayFigures(
            day=day,
            questions=questions[day],
            tickets_opened=flows.opened[day],
            tickets_claimed=flows.claimed[day],
            tickets_closed=flows.closed[day],
        )
        for day in period.days
    )
    return Report(
        period=period,
        days=days,
        topics=await topic_figures(session, period, knowledge),
        first_reply=Durations.of(
            [
                row.minutes_to_first_reply
                for row in tickets
                if row.minutes_to_first_reply is not None
            ]
        ),
        close=Durations.of(
            [row.minutes_to_close for row in tickets if row.minutes_to_close is not None]
        ),
        consultants=consultant_figures(totals, labels, tickets),
        ratings=await ratings_of(session, period),
        weeks=weeks_of(questions),
        tickets=tickets,
        texts_included=include_texts,
    )


async def report_for_period(
    sessions: async_sessionmaker[AsyncSession],
    period: Period,
    *,
    settings: Settings,
    knowledge: KnowledgeBase,
) -> Report:
    """The report for ``period`` in a session of its own, closed before anything is sent;
    office hours and question texts as configured."""
    async with sessions() as session:
        return await build_report(
            session,
            period,
            knowledge=knowledge,
            office_hours=OfficeHours.from_settings(settings.queue),
            include_texts=settings.reports.include_texts,
        )

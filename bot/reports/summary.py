"""The report's short summary, the first message a coordinator receives (``report_summary``
in messages.yml); the charts follow it."""

from __future__ import annotations

from bot.knowledge import KnowledgeBase
from bot.reports.model import Durations, Outcome, Report

TOP_TOPICS = 3


def summary_html(report: Report, knowledge: KnowledgeBase, *, heading: str) -> str:
    """The figures a coordinator reads first, in Indonesian; ``heading`` names the report."""
    total = report.questions()
    rated = sum(report.ratings.values())
    topics = [t for t in report.topics if t.answered or t.tickets][:TOP_TOPICS]
    return knowledge.message(
        "report_summary",
        heading=heading,
        period=report.period.label,
        questions=total,
        answered=_count(report.questions(Outcome.ANSWERED), total),
        clarified=_count(report.questions(Outcome.CLARIFIED), total),
        out_of_scope=_count(report.questions(Outcome.OUT_OF_SCOPE), total),
        escalated=_count(report.questions(Outcome.ESCALATED), total),
        opened=sum(day.tickets_opened for day in report.days),
        closed=sum(day.tickets_closed for day in report.days),
        first_reply=_durations(report.first_reply),
        to_close=_durations(report.close),
        rating=f"{report.rating_mean:.1f}".replace(".", ",") if report.rating_mean else "–",
        rated=rated,
        topics=", ".join(f"{t.title} ({t.answered + t.tickets})" for t in topics) or "–",
    )


def _count(part: int, total: int) -> str:
    """ "12 (40%)"."""
    return f"{part} ({round(100 * part / total)}%)" if total else "0"


def _durations(durations: Durations) -> str:
    """ "median 1 j 20 m, 90% dalam 5 j" in office time; "–" without tickets."""
    if durations.median is None or durations.p90 is None:
        return "–"
    return f"median {office_minutes(durations.median)}, 90% dalam {office_minutes(durations.p90)}"


def office_minutes(minutes: float) -> str:
    """ "45 m", "2 j", "1 j 20 m"."""
    whole = round(minutes)
    hours, rest = divmod(whole, 60)
    if not hours:
        return f"{rest} m"
    return f"{hours} j {rest} m" if rest else f"{hours} j"

"""The questions' side of the report: outcomes per local day, topics and their feedback."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.intents import SMALL_TALK_INTENTS
from bot.knowledge import KnowledgeBase
from bot.queue.topics import topic_title
from bot.reports.local_days import count_per_day, within
from bot.reports.model import UNPLACED, Outcome, TopicFigures, WeekFigures
from bot.reports.periods import Period
from bot.storage.enums import MessageDirection
from bot.storage.models import Feedback, Message, Ticket

QUESTION = (Message.direction == MessageDirection.IN, Message.action.in_(list(Outcome)))
"""An ASN's question the assistant read: an inbound message with its outcome."""


async def questions_per_day(
    session: AsyncSession, period: Period
) -> dict[date, dict[Outcome, int]]:
    """Every day of the period → questions by outcome."""
    days: dict[date, dict[Outcome, int]] = {day: dict.fromkeys(Outcome, 0) for day in period.days}
    rows = await count_per_day(session, Message.created_at, period, *QUESTION, by=[Message.action])
    for day, action, count in rows:
        days[day][Outcome(action)] += count
    return days


def weeks_of(days: dict[date, dict[Outcome, int]]) -> tuple[WeekFigures, ...]:
    """Questions and those not placed on a topic, per week (Monday to Sunday)."""
    questions: Counter[date] = Counter()
    unplaced: Counter[date] = Counter()
    for day, outcomes in days.items():
        monday = day - timedelta(days=day.weekday())
        questions[monday] += sum(outcomes.values())
        unplaced[monday] += sum(outcomes[outcome] for outcome in UNPLACED)
    mondays = sorted({day - timedelta(days=day.weekday()) for day in days})
    return tuple(WeekFigures(monday, questions[monday], unplaced[monday]) for monday in mondays)


async def topic_figures(
    session: AsyncSession, period: Period, knowledge: KnowledgeBase
) -> tuple[TopicFigures, ...]:
    """Per topic: questions answered, 👍 and 👎, tickets opened; most answered first."""
    figures: dict[str | None, Counter[str]] = defaultdict(Counter)
    answered = await session.execute(
        select(Message.intent, func.count())
        .where(*within(Message.created_at, period), *QUESTION)
        .where(Message.action == Outcome.ANSWERED)
        .group_by(Message.intent)
    )
    for intent, count in answered.tuples():
        figures[intent]["answered"] += count
    feedback = await session.execute(
        select(Feedback.intent, Feedback.helpful, func.count())
        .where(*within(Feedback.created_at, period))
        .group_by(Feedback.intent, Feedback.helpful)
    )
    for intent, helpful, count in feedback.tuples():
        figures[intent]["helpful" if helpful else "unhelpful"] += count
    tickets = await session.execute(
        select(Ticket.topic, func.count())
        .where(*within(Ticket.created_at, period))
        .group_by(Ticket.topic)
    )
    for topic, count in tickets.tuples():
        figures[topic]["tickets"] += count
    rows = [
        TopicFigures(
            title=display_topic(knowledge, topic),
            answered=counts["answered"],
            helpful=counts["helpful"],
            unhelpful=counts["unhelpful"],
            tickets=counts["tickets"],
        )
        for topic, counts in figures.items()
        if topic not in SMALL_TALK_INTENTS
    ]
    return tuple(sorted(rows, key=lambda row: (-row.answered, -row.tickets, row.title)))


def display_topic(knowledge: KnowledgeBase, topic: str | None) -> str:
    """The topic as people read it, capitalised ("Media sosial", "Tanpa topik")."""
    title = topic_title(knowledge, topic)
    return title[:1].upper() + title[1:]

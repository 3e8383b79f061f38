"""The tickets' side of the report: flows per local day, times in office hours, consultants
(as "Konsultan 1..n", the mapping kept in memory only) and ratings."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.knowledge import KnowledgeBase
from bot.queue.office_hours import OfficeHours
from bot.queue.topics import reason_phrase
from bot.reports.local_days import count_per_day, within
from bot.reports.model import RATINGS, ConsultantFigures, Durations, TicketRow
from bot.reports.periods import Period
from bot.reports.questions import display_topic
from bot.storage.models import Ticket, User

CONSULTANT_LABEL = "Konsultan {number}"


@dataclass(frozen=True, slots=True)
class TicketFlows:
    opened: Counter[date]
    claimed: Counter[date]
    closed: Counter[date]


async def ticket_flows(session: AsyncSession, period: Period) -> TicketFlows:
    """Tickets opened, claimed and closed per local day."""

    async def per_day(column: InstrumentedAttribute[datetime | None]) -> Counter[date]:
        rows = await count_per_day(session, column, period)
        return Counter({day: count for day, count in rows})

    return TicketFlows(
        opened=await per_day(Ticket.created_at),
        claimed=await per_day(Ticket.claimed_at),
        closed=await per_day(Ticket.closed_at),
    )


async def ratings_of(session: AsyncSession, period: Period) -> dict[int, int]:
    """Tickets opened in the period by rating, 1 to 5."""
    rows = await session.execute(
        select(Ticket.rating, func.count())
        .where(*within(Ticket.created_at, period), Ticket.rating.is_not(None))
        .group_by(Ticket.rating)
    )
    ratings = dict.fromkeys(RATINGS, 0)
    ratings.update({rating: count for rating, count in rows.tuples() if rating is not None})
    return ratings


@dataclass(frozen=True, slots=True)
class ConsultantTotals:
    consultant_id: int
    tickets: int
    rating_count: int
    rating_mean: float | None


async def consultant_totals(session: AsyncSession, period: Period) -> list[ConsultantTotals]:
    """Per consultant holding tickets opened in the period: those tickets and their ratings;
    the most tickets first (the order of "Konsultan 1..n")."""
    rows = await session.execute(
        select(
            Ticket.consultant_id, func.count(), func.count(Ticket.rating), func.avg(Ticket.rating)
        )
        .where(*within(Ticket.created_at, period), Ticket.consultant_id.is_not(None))
        .group_by(Ticket.consultant_id)
    )
    totals = [
        ConsultantTotals(consultant, tickets, rated, float(mean) if mean is not None else None)
        for consultant, tickets, rated, mean in rows.tuples()
    ]
    return sorted(totals, key=lambda total: (-total.tickets, total.consultant_id))


def consultant_labels(totals: list[ConsultantTotals]) -> dict[int, str]:
    """Consultant id → "Konsultan N": a pseudonym for this report only, never stored."""
    return {
        total.consultant_id: CONSULTANT_LABEL.format(number=rank)
        for rank, total in enumerate(totals, start=1)
    }


async def ticket_rows(
    session: AsyncSession,
    period: Period,
    *,
    knowledge: KnowledgeBase,
    office_hours: OfficeHours,
    labels: dict[int, str],
    include_texts: bool,
) -> tuple[TicketRow, ...]:
    """One row per ticket opened in the period, oldest first; its waits in office minutes."""
    question = Ticket.question if include_texts else None
    columns = [
        Ticket.id,
        User.pseudonym,
        Ticket.topic,
        Ticket.reason,
        Ticket.created_at,
        Ticket.claimed_at,
        Ticket.first_reply_at,
        Ticket.closed_at,
        Ticket.consultant_id,
        Ticket.rating,
        User.data_deleted_at,
    ]
    statement = (
        select(*columns, *([question] if question is not None else []))
        .join(User, User.telegram_user_id == Ticket.user_id)
        .where(*within(Ticket.created_at, period))
        .order_by(Ticket.created_at, Ticket.id)
    )
    zone = period.zone

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(zone) if moment is not None else None

    def office_minutes(opened: datetime, moment: datetime | None) -> float | None:
        if moment is None:
            return None
        return office_hours.office_time_between(opened, moment).total_seconds() / 60

    rows = []
    for row in (await session.execute(statement)).tuples():
        number, pseudonym, topic, reason, opened, claimed, replied, closed = row[:8]
        consultant, rating, erased_at = row[8:11]
        text = row[11] if include_texts and erased_at is None else None
        rows.append(
            TicketRow(
                number=number,
                pseudonym=pseudonym,
                topic=display_topic(knowledge, topic),
                reason=reason_phrase(reason),
                opened=opened.astimezone(zone),
                claimed=local(claimed),
                first_reply=local(replied),
                closed=local(closed),
                minutes_to_first_reply=office_minutes(opened, replied),
                minutes_to_close=office_minutes(opened, closed),
                consultant=labels.get(consultant) if consultant is not None else None,
                rating=rating,
                question=text,
            )
        )
    return tuple(rows)


def consultant_figures(
    totals: list[ConsultantTotals], labels: dict[int, str], rows: tuple[TicketRow, ...]
) -> tuple[ConsultantFigures, ...]:
    """Per consultant: tickets held, office minutes to first reply, ratings."""
    waits: dict[str, list[float]] = {label: [] for label in labels.values()}
    for row in rows:
        if row.consultant is not None and row.minutes_to_first_reply is not None:
            waits[row.consultant].append(row.minutes_to_first_reply)
    return tuple(
        ConsultantFigures(
            label=labels[total.consultant_id],
            tickets=total.tickets,
            first_reply=Durations.of(waits[labels[total.consultant_id]]),
            rating_count=total.rating_count,
            rating_mean=total.rating_mean,
        )
        for total in totals
    )

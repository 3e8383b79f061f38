"""Ticket statistics for the consultants' report (medians computed in Python, any dialect)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.enums import EscalationReason, TicketStatus
from bot.storage.models import Ticket


@dataclass(frozen=True, slots=True)
class TicketStatistics:
    total: int
    by_status: dict[TicketStatus, int]
    by_reason: dict[EscalationReason, int]
    # Most frequent first; None is "no topic".
    by_topic: dict[str | None, int]
    # From opening the ticket to the consultant's first reply.
    median_minutes_to_first_reply: float | None
    average_rating: float | None
    rated_count: int


async def ticket_statistics(
    session: AsyncSession, *, since: datetime | None = None
) -> TicketStatistics:
    """Summarise tickets opened since ``since`` (all tickets when None)."""
    opened: ColumnElement[bool] = Ticket.created_at >= since if since is not None else true()

    by_status = dict.fromkeys(TicketStatus, 0)
    rows = await session.execute(
        select(Ticket.status, func.count()).where(opened).group_by(Ticket.status)
    )
    for status, count in rows.tuples():
        by_status[status] = count

    by_reason = dict.fromkeys(EscalationReason, 0)
    rows_reason = await session.execute(
        select(Ticket.reason, func.count()).where(opened).group_by(Ticket.reason)
    )
    for reason, count in rows_reason.tuples():
        by_reason[reason] = count

    rows_topic = await session.execute(
        select(Ticket.topic, func.count()).where(opened).group_by(Ticket.topic)
    )
    topics = sorted(rows_topic.tuples(), key=lambda row: (-row[1], row[0] is None, row[0] or ""))

    replies = await session.execute(
        select(Ticket.created_at, Ticket.first_reply_at).where(
            opened, Ticket.first_reply_at.is_not(None)
        )
    )
    minutes = [
        (replied - created).total_seconds() / 60
        for created, replied in replies.tuples()
        if replied is not None
    ]

    rated_count, rating_sum = (
        await session.execute(
            select(func.count(Ticket.rating), func.sum(Ticket.rating)).where(opened)
        )
    ).one()
    return TicketStatistics(
        total=sum(by_status.values()),
        by_status=by_status,
        by_reason=by_reason,
        by_topic=dict(topics),
        median_minutes_to_first_reply=statistics.median(minutes) if minutes else None,
        average_rating=float(rating_sum) / rated_count if rated_count else None,
        rated_count=int(rated_count),
    )

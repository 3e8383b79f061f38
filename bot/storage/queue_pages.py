"""The open queue one page at a time, filtered, counted in the database (read only).

``awaiting_reply_since`` is when the ASN of a claimed ticket started waiting for the
consultants: the ticket's opening when no consultant has answered yet, else the first of the
ASN's messages in the ticket after the consultants' last answer (none: not waiting). It is
the first unanswered message, not the last, as helpdesks count waiting: an ASN who writes
"halo?" after three hours has waited three hours, not one minute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Subquery, and_, case, func, null, select, true, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.storage.base import UTCDateTime
from bot.storage.enums import MessageDirection, TicketStatus
from bot.storage.models import Message, Ticket, User

CONSULTANT_REPLY_ACTION = "konsultan"
"""``messages.action`` of a consultant's answer relayed to the ASN (handlers/staff_replies.py)."""


class QueueFilter(StrEnum):
    """Which open tickets a page lists; the value is the word in the button and the command."""

    SEMUA = "semua"
    SAYA = "saya"
    """Claimed by the consultant who asks."""
    BARU = "baru"
    """Not claimed by anyone."""
    MENUNGGU = "menunggu"
    """Claimed, and the ASN waits for the consultants' answer."""


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """Open tickets in each filter, for the consultant who asked."""

    semua: int
    saya: int
    baru: int
    menunggu: int

    def of(self, queue_filter: QueueFilter) -> int:
        count: int = getattr(self, queue_filter.value)
        return count


@dataclass(frozen=True, slots=True)
class QueueEntry:
    ticket: Ticket
    user: User | None
    awaiting_reply_since: datetime | None


@dataclass(frozen=True, slots=True)
class QueuePage:
    """One page of the filtered queue; ``number`` is within 1..``pages`` whatever was asked."""

    queue_filter: QueueFilter
    number: int
    pages: int
    counts: QueueCounts
    entries: list[QueueEntry]


def _awaiting_reply_since() -> ColumnElement[datetime]:
    """When the ASN of a claimed ticket started waiting for an answer (NULL: not waiting)."""
    answer = aliased(Message)
    last_answer = (
        select(func.max(answer.created_at))
        .where(
            answer.ticket_id == Ticket.id,
            answer.direction == MessageDirection.OUT,
            answer.action == CONSULTANT_REPLY_ACTION,
        )
        .correlate(Ticket)
        .scalar_subquery()
    )
    first_unanswered = (
        select(func.min(Message.created_at))
        .where(
            Message.ticket_id == Ticket.id,
            Message.direction == MessageDirection.IN,
            Message.created_at > last_answer,
        )
        .correlate(Ticket)
        .scalar_subquery()
    )
    since = case(
        (Ticket.status != TicketStatus.DIAMBIL, null()),
        (Ticket.first_reply_at.is_(None), Ticket.created_at),
        else_=first_unanswered,
    )
    return type_coerce(since, UTCDateTime)


def _open_queue() -> Subquery:
    """Open tickets (through the status index) with when their ASN started waiting."""
    return (
        select(
            Ticket.id.label("ticket_id"),
            Ticket.status.label("status"),
            Ticket.consultant_id.label("consultant_id"),
            Ticket.created_at.label("created_at"),
            Ticket.deadline.label("deadline"),
            _awaiting_reply_since().label("awaiting_since"),
        )
        .where(Ticket.status.in_((TicketStatus.BARU, TicketStatus.DIAMBIL)))
        .subquery("open_queue")
    )


async def queue_page(
    session: AsyncSession,
    *,
    queue_filter: QueueFilter,
    page: int,
    page_size: int,
    consultant_id: int,
) -> QueuePage:
    """Count the open tickets of every filter, then read page ``page`` of ``queue_filter``
    (the last page when ``page`` is past it): tickets with a deadline first, the soonest
    first; then the rest oldest first, or in "menunggu" the longest waiting first."""
    queue = _open_queue()
    mine = and_(queue.c.status == TicketStatus.DIAMBIL, queue.c.consultant_id == consultant_id)
    conditions: dict[QueueFilter, ColumnElement[bool]] = {
        QueueFilter.SEMUA: true(),
        QueueFilter.SAYA: mine,
        QueueFilter.BARU: queue.c.status == TicketStatus.BARU,
        QueueFilter.MENUNGGU: queue.c.awaiting_since.is_not(None),
    }
    counted = [func.count(case((condition, 1))) for condition in conditions.values()]
    row = (await session.execute(select(*counted).select_from(queue))).one()
    counts = QueueCounts(**{kind.value: count for kind, count in zip(conditions, row, strict=True)})
    pages = max(1, math.ceil(counts.of(queue_filter) / page_size))
    number = min(max(page, 1), pages)
    order = (
        queue.c.deadline.is_(None),
        queue.c.deadline,
        queue.c.awaiting_since if queue_filter is QueueFilter.MENUNGGU else queue.c.created_at,
        queue.c.ticket_id,
    )
    statement = (
        select(Ticket, User, queue.c.awaiting_since)
        .join(queue, queue.c.ticket_id == Ticket.id)
        .outerjoin(User, User.telegram_user_id == Ticket.user_id)
        .where(conditions[queue_filter])
        .order_by(*order)
        .limit(page_size)
        .offset((number - 1) * page_size)
        .execution_options(populate_existing=True)
    )
    rows = (await session.execute(statement)).tuples()
    entries = [QueueEntry(ticket, user, since) for ticket, user, since in rows]
    return QueuePage(queue_filter, number, pages, counts, entries)

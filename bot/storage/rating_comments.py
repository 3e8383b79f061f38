"""The optional comment after a rating: asked for, awaited for a while, stored once.

The request lives on the ticket (``comment_requested_at``), so a restart of the bot between
the rating and the comment loses nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import BindParameter, Select, bindparam, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.storage._sql import execute_counting
from bot.storage.base import UTCDateTime, utcnow
from bot.storage.enums import TicketStatus
from bot.storage.models import Ticket
from bot.storage.ticket_queries import get_ticket


async def request_rating_comment(
    session: AsyncSession, *, ticket_id: int, user_id: int, at: datetime | None = None
) -> bool:
    """Await a comment on the user's rated, closed ticket; False if it is not one."""
    requested = await execute_counting(
        session,
        update(Ticket)
        .where(
            Ticket.id == ticket_id,
            Ticket.user_id == user_id,
            Ticket.status == TicketStatus.SELESAI,
            Ticket.rating.is_not(None),
        )
        .values(comment_requested_at=at or utcnow()),
    )
    await get_ticket(session, ticket_id=ticket_id)
    return requested == 1


def _pending_comment_statement() -> Select[tuple[Ticket]]:
    """Built once: with ``aliased`` this construction cost more CPU than the query itself."""
    open_ticket = aliased(Ticket)
    user_id: BindParameter[int] = bindparam("user_id")
    return (
        select(Ticket)
        .where(
            Ticket.user_id == user_id,
            Ticket.comment_requested_at.is_not(None),
            Ticket.comment_requested_at > bindparam("since", type_=UTCDateTime),
            ~exists().where(
                open_ticket.user_id == user_id, open_ticket.status != TicketStatus.SELESAI
            ),
        )
        .order_by(Ticket.comment_requested_at.desc(), Ticket.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


_PENDING_COMMENT = _pending_comment_statement()


async def pending_rating_comment(
    session: AsyncSession, *, user_id: int, now: datetime, window: timedelta
) -> Ticket | None:
    """The ticket whose comment the user's next text is, or None.

    That is the ticket a comment was asked for most recently within ``window`` before ``now``
    — unless the user has opened a ticket since: then they talk to a consultant again.
    """
    parameters = {"user_id": user_id, "since": now - window}
    return (await session.scalars(_PENDING_COMMENT, parameters)).first()


async def store_rating_comment(
    session: AsyncSession, *, ticket_id: int, user_id: int, comment: str | None
) -> bool:
    """Store the awaited comment and stop awaiting; False if none was awaited (any more)."""
    stored = await execute_counting(
        session,
        update(Ticket)
        .where(
            Ticket.id == ticket_id,
            Ticket.user_id == user_id,
            Ticket.comment_requested_at.is_not(None),
        )
        .values(rating_comment=comment, comment_requested_at=None),
    )
    return stored == 1

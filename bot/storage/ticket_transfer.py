"""Who holds a claimed ticket, beyond claim and release: a hand-over the owner offers and the
named consultant accepts or declines, a coordinator's takeover or release, and the release of a
ticket whose owner stayed silent too long (``handlers.staff_jobs``).

Every change is a conditional UPDATE on the state it was decided from (the status, the owner,
the offer), so of two presses, two coordinators or two workers at once exactly one wins; each
records its audit event in the same transaction. Data functions flush, the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import execute_counting
from bot.storage.audit import record_audit_event
from bot.storage.base import utcnow
from bot.storage.enums import AuditAction, TicketStatus
from bot.storage.models import Ticket
from bot.storage.ticket_queries import get_ticket
from bot.storage.tickets import RELEASED

NO_OFFER: dict[str, Any] = {
    "transfer_to_id": None,
    "transfer_to_name": None,
    "transfer_offered_at": None,
}


def _last_owner_act() -> Any:
    """The owner's last act on a ticket (its claim when nothing since)."""
    return func.coalesce(Ticket.owner_active_at, Ticket.claimed_at)


@dataclass(frozen=True, slots=True)
class OwnerChange:
    """A ticket whose owner changed, and who held it before."""

    ticket: Ticket
    former_owner_id: int
    former_owner_name: str | None


async def _change(
    session: AsyncSession,
    ticket_id: int,
    conditions: list[Any],
    values: dict[str, Any],
    audit: tuple[int | None, AuditAction, str | None],
) -> Ticket | None:
    """Apply ``values`` if the ticket still meets ``conditions``; audit it; the ticket or None."""
    changed = await execute_counting(
        session, update(Ticket).where(Ticket.id == ticket_id, *conditions).values(**values)
    )
    if not changed:
        return None
    actor_id, action, detail = audit
    await record_audit_event(
        session, actor_id=actor_id, action=action, ticket_id=ticket_id, detail=detail
    )
    return await get_ticket(session, ticket_id=ticket_id)


def _held_by(owner_id: int) -> list[Any]:
    return [Ticket.status == TicketStatus.DIAMBIL, Ticket.consultant_id == owner_id]


async def offer_transfer(
    session: AsyncSession, *, ticket_id: int, owner_id: int, to_id: int, to_name: str
) -> Ticket | None:
    """The owner offers the ticket to a colleague (replacing an earlier offer); None if they
    no longer own it."""
    values = {"transfer_to_id": to_id, "transfer_to_name": to_name, "transfer_offered_at": utcnow()}
    audit = (owner_id, AuditAction.ALIHKAN, f"ke {to_id}")
    return await _change(session, ticket_id, _held_by(owner_id), values, audit)


async def cancel_transfer(session: AsyncSession, *, ticket_id: int, owner_id: int) -> Ticket | None:
    """The owner withdraws their pending offer; None if there was none."""
    conditions = [*_held_by(owner_id), Ticket.transfer_to_id.is_not(None)]
    audit = (owner_id, AuditAction.BATAL_ALIHAN, None)
    return await _change(session, ticket_id, conditions, NO_OFFER, audit)


def _new_owner(consultant_id: int, name: str) -> dict[str, Any]:
    """The ticket's new owner, as if they had just claimed it: reminders start afresh."""
    now = utcnow()
    return {
        **NO_OFFER,
        "consultant_id": consultant_id,
        "consultant_name": name,
        "claimed_at": now,
        "owner_active_at": now,
        "last_reminder_at": None,
    }


async def accept_transfer(
    session: AsyncSession, *, ticket_id: int, receiver_id: int, receiver_name: str
) -> OwnerChange | None:
    """The named receiver accepts: the ticket is theirs. None if the offer is gone (withdrawn,
    declined, accepted already, or the ticket released or closed)."""
    ticket = await get_ticket(session, ticket_id=ticket_id)
    if ticket is None or ticket.consultant_id is None or ticket.transfer_to_id != receiver_id:
        return None
    former_id, former_name = ticket.consultant_id, ticket.consultant_name
    values = _new_owner(receiver_id, receiver_name)
    conditions = [*_held_by(former_id), Ticket.transfer_to_id == receiver_id]
    audit = (receiver_id, AuditAction.TERIMA_ALIHAN, f"dari {former_id}")
    changed = await _change(session, ticket_id, conditions, values, audit)
    return OwnerChange(changed, former_id, former_name) if changed else None


async def decline_transfer(
    session: AsyncSession, *, ticket_id: int, receiver_id: int
) -> Ticket | None:
    """The named receiver declines: the offer is cleared; None if it was no longer theirs."""
    conditions = [Ticket.status == TicketStatus.DIAMBIL, Ticket.transfer_to_id == receiver_id]
    audit = (receiver_id, AuditAction.TOLAK_ALIHAN, None)
    return await _change(session, ticket_id, conditions, NO_OFFER, audit)


async def take_over_ticket(
    session: AsyncSession, *, ticket_id: int, coordinator_id: int, coordinator_name: str
) -> OwnerChange | None:
    """A coordinator takes a colleague's claimed ticket; None if it is not claimed by someone
    else (any more)."""
    ticket = await get_ticket(session, ticket_id=ticket_id)
    if ticket is None or ticket.consultant_id in (None, coordinator_id):
        return None
    former_id, former_name = ticket.consultant_id, ticket.consultant_name
    assert former_id is not None
    values = _new_owner(coordinator_id, coordinator_name)
    audit = (coordinator_id, AuditAction.AMBIL_ALIH, f"dari {former_id}")
    changed = await _change(session, ticket_id, _held_by(former_id), values, audit)
    return OwnerChange(changed, former_id, former_name) if changed else None


async def release_for_owner(
    session: AsyncSession, *, ticket_id: int, coordinator_id: int
) -> OwnerChange | None:
    """A coordinator hands a colleague's claimed ticket back to the queue; None if it is not
    claimed by someone else (any more)."""
    ticket = await get_ticket(session, ticket_id=ticket_id)
    if ticket is None or ticket.consultant_id in (None, coordinator_id):
        return None
    former_id, former_name = ticket.consultant_id, ticket.consultant_name
    assert former_id is not None
    audit = (coordinator_id, AuditAction.LEPAS_KOORDINATOR, f"dari {former_id}")
    changed = await _change(session, ticket_id, _held_by(former_id), RELEASED, audit)
    return OwnerChange(changed, former_id, former_name) if changed else None


async def touch_owner_activity(
    session: AsyncSession, *, ticket_id: int, consultant_id: int
) -> None:
    """Record that the ticket's owner acted on it now (a reply, a note); others' acts do not
    count."""
    await execute_counting(
        session,
        update(Ticket)
        .where(Ticket.id == ticket_id, *_held_by(consultant_id))
        .values(owner_active_at=utcnow()),
    )


async def tickets_with_silent_owner(session: AsyncSession, *, before: datetime) -> list[Ticket]:
    """Claimed tickets whose owner has not acted on them since ``before`` by the wall clock
    (a coarse sift: the decision counts office time), oldest first."""
    statement = (
        select(Ticket)
        .where(Ticket.status == TicketStatus.DIAMBIL, _last_owner_act() <= before)
        .order_by(Ticket.created_at, Ticket.id)
        .execution_options(populate_existing=True)
    )
    return list(await session.scalars(statement))


async def release_silent_owner(
    session: AsyncSession, *, ticket_id: int, owner_id: int, silent_since: datetime
) -> Ticket | None:
    """Give the ticket back to the queue if ``owner_id`` still holds it and has not acted on it
    after ``silent_since``; None otherwise (another worker did, or the owner acted)."""
    conditions = [*_held_by(owner_id), _last_owner_act() <= silent_since]
    audit = (None, AuditAction.LEPAS_OTOMATIS, f"dari {owner_id}")
    return await _change(session, ticket_id, conditions, RELEASED, audit)

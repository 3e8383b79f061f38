"""Ticket lifecycle: baru → diambil → selesai, with atomic, race-safe transitions.

Transitions are conditional UPDATEs, so two consultants (or processes) acting at once cannot
both win. Claim, release, close record their own audit event in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import execute_counting, insert_ignoring_conflicts
from bot.storage.audit import record_audit_event
from bot.storage.base import utcnow
from bot.storage.enums import (
    AuditAction,
    ClosedBy,
    EscalationReason,
    IntakeStep,
    TicketStatus,
)
from bot.storage.models import Ticket
from bot.storage.ticket_notes import delete_notes_closed_before
from bot.storage.ticket_queries import get_open_ticket, get_ticket

RELEASED: dict[str, object] = {
    "status": TicketStatus.BARU,
    "consultant_id": None,
    "consultant_name": None,
    "claimed_at": None,
    "owner_active_at": None,
    "last_reminder_at": None,
    "transfer_to_id": None,
    "transfer_to_name": None,
    "transfer_offered_at": None,
}
"""A ticket back in the queue: no owner, no pending hand-over, reminders start afresh."""


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"
    ALREADY_CLAIMED = "already_claimed"
    CLOSED = "closed"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class ClaimResult:
    outcome: ClaimOutcome
    ticket: Ticket | None

    @property
    def claimed(self) -> bool:
        return self.outcome is ClaimOutcome.CLAIMED

    @property
    def owner_id(self) -> int | None:
        """The consultant holding the ticket (the winner when it was already claimed)."""
        return self.ticket.consultant_id if self.ticket is not None else None

    @property
    def owner_name(self) -> str | None:
        return self.ticket.consultant_name if self.ticket is not None else None


async def open_ticket(
    session: AsyncSession,
    *,
    user_id: int,
    reason: EscalationReason | str,
    question: str | None,
    topic: str | None = None,
    intake_step: IntakeStep | None = None,
) -> tuple[Ticket, bool]:
    """Open a ticket for the user, at ``intake_step`` of the intake (None: without one); if
    one is already open return it and False instead."""
    existing = await get_open_ticket(session, user_id=user_id)
    if existing is not None:
        return existing, False
    created = await insert_ignoring_conflicts(
        session,
        Ticket,
        user_id=user_id,
        status=TicketStatus.BARU,
        reason=EscalationReason(reason),
        question=question,
        topic=topic,
        intake_step=intake_step,
        created_at=utcnow(),
    )
    # Ours, or the one a concurrent transaction opened (the partial unique index let one win).
    ticket = await get_open_ticket(session, user_id=user_id)
    if ticket is None:
        raise RuntimeError(f"no open ticket for user {user_id} after opening one")
    return ticket, created


async def claim_ticket(
    session: AsyncSession, *, ticket_id: int, consultant_id: int, consultant_name: str
) -> ClaimResult:
    """Claim a ``baru`` ticket for a consultant; exactly one concurrent claim wins."""
    claimed = await execute_counting(
        session,
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status == TicketStatus.BARU)
        .values(
            status=TicketStatus.DIAMBIL,
            consultant_id=consultant_id,
            consultant_name=consultant_name,
            claimed_at=utcnow(),
            owner_active_at=utcnow(),
            last_reminder_at=None,
        ),
    )
    ticket = await get_ticket(session, ticket_id=ticket_id)
    if claimed:
        await record_audit_event(
            session, actor_id=consultant_id, action=AuditAction.AMBIL, ticket_id=ticket_id
        )
        return ClaimResult(ClaimOutcome.CLAIMED, ticket)
    if ticket is None:
        return ClaimResult(ClaimOutcome.NOT_FOUND, None)
    if ticket.status == TicketStatus.SELESAI:
        return ClaimResult(ClaimOutcome.CLOSED, ticket)
    return ClaimResult(ClaimOutcome.ALREADY_CLAIMED, ticket)


async def release_ticket(
    session: AsyncSession, *, ticket_id: int, consultant_id: int
) -> Ticket | None:
    """Hand a claimed ticket back to the queue; only its owner can. None if not allowed."""
    released = await execute_counting(
        session,
        update(Ticket)
        .where(
            Ticket.id == ticket_id,
            Ticket.status == TicketStatus.DIAMBIL,
            Ticket.consultant_id == consultant_id,
        )
        .values(**RELEASED),
    )
    if not released:
        return None
    await record_audit_event(
        session, actor_id=consultant_id, action=AuditAction.LEPAS, ticket_id=ticket_id
    )
    return await get_ticket(session, ticket_id=ticket_id)


async def close_ticket(
    session: AsyncSession,
    *,
    ticket_id: int,
    closed_by: ClosedBy | str,
    actor_id: int | None = None,
) -> Ticket | None:
    """Close an open ticket; None if it is unknown or already closed (so closing is idempotent)."""
    closed_by = ClosedBy(closed_by)
    closed = await execute_counting(
        session,
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status != TicketStatus.SELESAI)
        .values(
            status=TicketStatus.SELESAI,
            closed_at=utcnow(),
            closed_by=closed_by,
            # Nothing waits on a closed ticket: no hand-over offer, no intake question.
            transfer_to_id=None,
            transfer_to_name=None,
            transfer_offered_at=None,
            intake_step=None,
        ),
    )
    if not closed:
        return None
    await record_audit_event(
        session,
        actor_id=actor_id,
        action=AuditAction.TUTUP,
        ticket_id=ticket_id,
        detail=closed_by.value,
    )
    return await get_ticket(session, ticket_id=ticket_id)


async def clear_ticket_texts_closed_before(session: AsyncSession, *, cutoff: datetime) -> int:
    """Remove the question, the agency, the rating comment and the internal notes of tickets closed
    before ``cutoff`` (the retention period counts from the end of the case; an open ticket
    keeps its question for the consultant); status, topic, times and rating stay. Return how
    many tickets' texts were cleared."""
    await delete_notes_closed_before(session, cutoff=cutoff)
    return await execute_counting(
        session,
        update(Ticket)
        .where(
            Ticket.closed_at < cutoff,
            or_(
                Ticket.question.is_not(None),
                Ticket.rating_comment.is_not(None),
                Ticket.agency.is_not(None),
            ),
        )
        .values(question=None, rating_comment=None, comment_requested_at=None, agency=None),
    )

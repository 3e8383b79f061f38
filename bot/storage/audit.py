"""Audit trail of what consultants, users and the bot did with tickets and data."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.enums import AuditAction
from bot.storage.models import AuditEvent


async def record_audit_event(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: AuditAction | str,
    ticket_id: int | None = None,
    detail: str | None = None,
) -> AuditEvent:
    """Store one audit event; ``actor_id`` is None for the bot itself (e.g. auto-close)."""
    event = AuditEvent(actor_id=actor_id, action=str(action), ticket_id=ticket_id, detail=detail)
    session.add(event)
    await session.flush()
    return event

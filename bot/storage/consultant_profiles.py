"""Consultants as the bot knows them: the name they go by (for colleagues choosing whom to hand
a ticket to) and whether the ASN may see it. Without a row: unknown, and only the role shown."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import execute_counting, insert_ignoring_conflicts
from bot.storage.audit import record_audit_event
from bot.storage.base import utcnow
from bot.storage.enums import AuditAction
from bot.storage.models import ConsultantProfile


async def remember_consultant(session: AsyncSession, *, consultant_id: int, name: str) -> None:
    """Record the name a consultant goes by now (an insert, or an update when it changed)."""
    inserted = await insert_ignoring_conflicts(
        session, ConsultantProfile, telegram_user_id=consultant_id, display_name=name
    )
    if not inserted:
        await execute_counting(
            session,
            update(ConsultantProfile)
            .where(
                ConsultantProfile.telegram_user_id == consultant_id,
                ConsultantProfile.display_name.is_distinct_from(name),
            )
            .values(display_name=name, updated_at=utcnow()),
        )


async def known_consultants(
    session: AsyncSession, *, among: Collection[int]
) -> list[ConsultantProfile]:
    """The consultants of ``among`` the bot knows a name for, by name."""
    statement = (
        select(ConsultantProfile)
        .where(
            ConsultantProfile.telegram_user_id.in_(list(among)),
            ConsultantProfile.display_name.is_not(None),
        )
        .order_by(ConsultantProfile.display_name, ConsultantProfile.telegram_user_id)
    )
    return list(await session.scalars(statement))


async def shown_name(session: AsyncSession, *, consultant_id: int | None) -> str | None:
    """The consultant's name when they chose to show it to the ASN; None: the role only."""
    if consultant_id is None:
        return None
    profile = await session.get(ConsultantProfile, consultant_id, populate_existing=True)
    if profile is None or not profile.show_name:
        return None
    return profile.display_name


async def set_show_name(
    session: AsyncSession, *, consultant_id: int, name: str, show: bool
) -> None:
    """Store whether the ASN sees the consultant's name, with an audit event."""
    await remember_consultant(session, consultant_id=consultant_id, name=name)
    await execute_counting(
        session,
        update(ConsultantProfile)
        .where(ConsultantProfile.telegram_user_id == consultant_id)
        .values(show_name=show, updated_at=utcnow()),
    )
    await record_audit_event(
        session,
        actor_id=consultant_id,
        action=AuditAction.TAMPILKAN_NAMA,
        detail="nama" if show else "peran",
    )

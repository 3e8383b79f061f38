"""Jobs that run once across workers: the first worker to claim a run's name does it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import insert_ignoring_conflicts
from bot.storage.base import utcnow
from bot.storage.models import ScheduledRun


async def claim_run(session: AsyncSession, name: str) -> bool:
    """Claim the run ``name`` in the caller's transaction; False if a worker already has."""
    return await insert_ignoring_conflicts(session, ScheduledRun, name=name, created_at=utcnow())

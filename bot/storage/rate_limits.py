"""Each user's messages per minute, counted in the database so that every worker sees them.

The count lives in ``send_budget`` (scope ``user:<id>``), one row per user and minute: one
statement per message, and a second worker counts on the same row. Fixed one-minute windows
let a user send up to twice the limit across a window's edge; that is the price of one row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

WINDOW_SECONDS = 60
_COUNT = text(
    "INSERT INTO send_budget (scope, second, sent) VALUES (:scope, :second, 1) "
    "ON CONFLICT (scope, second) DO UPDATE SET sent = send_budget.sent + 1 "
    "RETURNING sent"
)


async def count_user_message(session: AsyncSession, *, user_id: int, now: datetime) -> int:
    """Count one message of ``user_id``; return how many they sent in this minute, it included."""
    window = int(now.timestamp()) // WINDOW_SECONDS * WINDOW_SECONDS
    result = await session.execute(_COUNT, {"scope": f"user:{user_id}", "second": window})
    return int(result.scalar_one())

"""Per-user counts in fixed time windows, in the database so that every worker sees them.

The counts live in ``send_budget``, one row per scope and window: one statement per event, and
a second worker counts on the same row. Fixed windows let a user reach twice a limit across a
window's edge; that is the price of one row. The send budget's sweep deletes windows older than
``bot.send_budget.KEEP_WINDOWS_SECONDS`` (300 s): no window here may be longer.

- ``user:<id>``: each user's messages, edits and button presses per minute (the abuse limit);
- ``maaf:<id>``: the apologies for a technical problem a user got in five minutes (one).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

WINDOW_SECONDS = 60
APOLOGY_WINDOW_SECONDS = 300
"""A user is told of a technical problem at most once in this many seconds."""
_COUNT = text(
    "INSERT INTO send_budget (scope, second, sent) VALUES (:scope, :second, 1) "
    "ON CONFLICT (scope, second) DO UPDATE SET sent = send_budget.sent + 1 "
    "RETURNING sent"
)


async def _count(session: AsyncSession, *, scope: str, now: datetime, seconds: int) -> int:
    window = int(now.timestamp()) // seconds * seconds
    result = await session.execute(_COUNT, {"scope": scope, "second": window})
    return int(result.scalar_one())


async def count_user_message(session: AsyncSession, *, user_id: int, now: datetime) -> int:
    """Count one message, edit or press of ``user_id``; return how many they sent in this
    minute, it included."""
    return await _count(session, scope=f"user:{user_id}", now=now, seconds=WINDOW_SECONDS)


async def apology_due(session: AsyncSession, *, user_id: int, now: datetime) -> bool:
    """Whether ``user_id`` is to be told of a technical problem now: the first time in the
    window (``APOLOGY_WINDOW_SECONDS``); counted either way."""
    scope = f"maaf:{user_id}"
    return await _count(session, scope=scope, now=now, seconds=APOLOGY_WINDOW_SECONDS) == 1

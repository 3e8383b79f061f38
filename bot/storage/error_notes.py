"""Error notes for the staff chat: at most one per kind of error every few minutes, with a count.

A bug hit by every press of a button must not fill the staff group with notes. The notes are
rows of the staff outbox (``StaffNotice`` of kind ``error_note``, their kind of error in
``coalesce_key``); one more occurrence of an error is decided from the newest note of its kind:

- that note still waits its turn (pending and due): it counts one more, its text redrawn;
- it is in a worker's hands or waits out a failed send, or it was settled less than
  ``NOTE_WINDOW`` ago: the occurrence is held on it, to be reported by the next note;
- none, or settled longer ago: a new note is due, reporting this occurrence and those held.

So at most one note of a kind waits at a time, and none is dated in the future (a notice not
yet due would stop the outbox's ordered drain). The payload keeps ``html`` (what the drainer
posts), ``occurrences`` (counted in it) and ``held`` (counted since it was taken in hand).
Occurrences held after the last note are reported when the error happens again, not before.
Data functions flush; the caller commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import StaffNotice
from bot.storage.outbox import NoticeKind

NOTE_WINDOW = timedelta(minutes=5)
"""After a note about an error is sent, the next about the same error waits this long."""

Render = Callable[[int], str]
"""The note's HTML for a number of occurrences."""


async def count_error(
    session: AsyncSession,
    *,
    key: str,
    render: Render,
    now: datetime,
    window: timedelta = NOTE_WINDOW,
) -> dict[str, Any] | None:
    """Count one occurrence of the error ``key``: the payload of a new note to queue (kind
    ``error_note``, coalesce key ``key``), or None when the newest note took it."""
    latest = await session.scalar(
        select(StaffNotice)
        .where(StaffNotice.kind == NoticeKind.ERROR_NOTE.value, StaffNotice.coalesce_key == key)
        .order_by(StaffNotice.id.desc())
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if latest is None:
        return note_payload(render, 1)
    content = latest.content
    held = int(content.get("held", 0))
    settled_at = latest.sent_at or latest.given_up_at
    if settled_at is None and latest.due_at <= now:
        occurrences = int(content.get("occurrences", 1)) + held + 1
        await _store(session, latest, note_payload(render, occurrences))
        return None
    if settled_at is None or now - settled_at < window:
        await _store(session, latest, {**content, "held": held + 1})
        return None
    if held:
        await _store(session, latest, {**content, "held": 0})
    return note_payload(render, held + 1)


def note_payload(render: Render, occurrences: int) -> dict[str, Any]:
    """A note's payload: its HTML and the occurrences it reports, none held yet."""
    return {"html": render(occurrences), "occurrences": occurrences, "held": 0}


async def _store(session: AsyncSession, notice: StaffNotice, content: dict[str, Any]) -> None:
    notice.payload = json.dumps(content)
    await session.flush()

"""The queue's clock: one function, so tests can move time without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """Return the current time, timezone-aware UTC (patch this in tests)."""
    return datetime.now(UTC)

"""Counting rows per local day of the office inside the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.reports.periods import Period

ReportColumn = InstrumentedAttribute[datetime] | InstrumentedAttribute[datetime | None]
"""A model's timestamp column."""
_ZONE_KEY = re.compile(r"[A-Za-z0-9_+\-/]+")


def local_day(session: AsyncSession, column: ReportColumn, period: Period) -> ColumnElement[Any]:
    """The local date of a UTC timestamp column, in SQL.

    PostgreSQL converts with the zone itself (daylight saving included). SQLite, which knows no
    zones, shifts by the zone's offset at the period's start: exact for zones without daylight
    saving, such as Indonesia's WIB, WITA and WIT. The zone and the offset are written into the
    statement (not bound), so that the same expression in SELECT and GROUP BY is one.
    """
    zone = period.zone.key
    if not _ZONE_KEY.fullmatch(zone):
        raise ValueError(f"unexpected time zone name {zone!r}")
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(literal_column(f"'{zone}'"), column), Date)
    return func.date(column, literal_column(f"'{_offset_minutes(period):+d} minutes'"))


def within(column: ReportColumn, period: Period) -> tuple[ColumnElement[bool], ...]:
    """``column`` in the period's half-open [start, end)."""
    return (column >= period.start, column < period.end)


def as_date(value: date | datetime | str) -> date:
    """A local day as the database returned it (a date on PostgreSQL, text on SQLite)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


async def count_per_day(
    session: AsyncSession,
    column: ReportColumn,
    period: Period,
    *conditions: ColumnElement[bool],
    by: Sequence[Any] = (),
) -> list[tuple[Any, ...]]:
    """``(local day, *by values, count)`` rows of the rows whose ``column`` falls in the period."""
    day = local_day(session, column, period)
    statement = (
        select(day, *by, func.count())
        .where(*within(column, period), *conditions)
        .group_by(day, *by)
    )
    rows = await session.execute(statement)
    return [(as_date(row[0]), *row[1:]) for row in rows.tuples()]


def _offset_minutes(period: Period) -> int:
    offset = period.start.astimezone(period.zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds() // 60)

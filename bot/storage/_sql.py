"""Small SQL helpers shared by the data functions (private to the storage package)."""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from sqlalchemy import Executable, Table, text
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.dml import Insert


class InsertIgnoringConflicts(Insert):
    """``INSERT .. ON CONFLICT DO NOTHING`` for SQLite (3.24+) and PostgreSQL alike.

    The dialects' own ``insert().on_conflict_do_nothing()`` cannot be cached by SQLAlchemy
    (their ``Insert`` sets ``inherit_cache = False``), so every execution compiled it anew; on
    the per-update hot path that was a measurable share of the bot's CPU. This construct's
    clause is a constant text, part of its cache key, so it compiles once per column set. It
    goes where the dialects put theirs (before RETURNING), and an executemany with RETURNING
    is sent as multi-row INSERTs, as for the dialects' own.
    """

    inherit_cache = True

    def __init__(self, table: Table) -> None:
        super().__init__(table)
        self._post_values_clause = _ON_CONFLICT_DO_NOTHING


_ON_CONFLICT_DO_NOTHING = text("ON CONFLICT DO NOTHING")


async def execute_counting(session: AsyncSession, statement: Executable) -> int:
    """Execute an UPDATE or DELETE without syncing the session and return the row count."""
    result = await session.execute(statement, execution_options={"synchronize_session": False})
    return cast(CursorResult[Any], result).rowcount


async def insert_ignoring_conflicts(
    session: AsyncSession, model: type[DeclarativeBase], **values: Any
) -> bool:
    """INSERT .. ON CONFLICT DO NOTHING; return True if the row was inserted.

    Any unique or primary key conflict is ignored, so concurrent inserts never raise. Column
    defaults apply to the columns not given.
    """
    result = await session.execute(_ignoring_insert(cast(Table, model.__table__)), values)
    return cast(CursorResult[Any], result).rowcount == 1


@cache
def _ignoring_insert(table: Table) -> InsertIgnoringConflicts:
    # One statement object per table, the values passed at execution: SQLAlchemy then derives
    # its cache key once instead of walking new literal values on every call.
    # inline(): no implicit RETURNING of the new key (the row count is all we read).
    return InsertIgnoringConflicts(table).inline()

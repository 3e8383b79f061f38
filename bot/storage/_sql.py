"""Small SQL helpers shared by the data functions (private to the storage package)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


async def execute_counting(session: AsyncSession, statement: Executable) -> int:
    """Execute an UPDATE or DELETE without syncing the session and return the row count."""
    result = await session.execute(statement, execution_options={"synchronize_session": False})
    return cast(CursorResult[Any], result).rowcount


async def insert_ignoring_conflicts(
    session: AsyncSession, model: type[DeclarativeBase], **values: Any
) -> bool:
    """INSERT .. ON CONFLICT DO NOTHING; return True if the row was inserted.

    Any unique or primary key conflict is ignored, so concurrent inserts never raise.
    """
    table = cast(Table, model.__table__)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Executable = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:
        raise NotImplementedError(f"no conflict-free insert for {dialect}")
    result = await session.execute(statement)
    return cast(CursorResult[Any], result).rowcount == 1

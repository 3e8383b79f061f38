"""One unit of database work: a transaction, committed, retried by the one retry policy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import retrying
from bot.storage.database import DatabaseUnavailable, is_transient

T = TypeVar("T")


async def in_transaction(
    sessions: async_sessionmaker[AsyncSession], work: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """Run ``work`` in one transaction and commit it.

    A locked or unreachable database is tried again (``bot.retrying.database``), the whole
    transaction each time; when it stays so, ``DatabaseUnavailable`` is raised.
    """

    async def attempt() -> T:
        async with sessions() as session:
            result = await work(session)
            await session.commit()
            return result

    try:
        return await retrying.call(retrying.database(), attempt)
    except DBAPIError as error:
        if is_transient(error):
            raise DatabaseUnavailable(str(error.orig)) from error
        raise
    except OSError as error:  # the connection could not be opened at all
        raise DatabaseUnavailable(str(error)) from error

"""One unit of database work, committed together with the others waiting at the same moment.

Every step of a question (claim the update, register the user, log the question, record the
reply, mark the update handled) is one unit. Committed one by one, a question cost five
transactions: on this project's 2-core machine the bot then fell to 52 questions a second on
PostgreSQL, below the floor of 90 (``python -m bench``, bench/README.md). So the units waiting
when a transaction starts are done in that one transaction (group commit: nothing waits for a
timer, a unit alone is committed at once, and batches grow with the load).

A database that is locked, unreachable, too slow (PostgreSQL's statement timeout) or out of
free connections (the pool's timeout) is tried again (``bot.retrying.database``), the whole
transaction each time; when it stays so, every unit in it gets ``DatabaseUnavailable``. A
unit that fails otherwise (a refused statement, a bug) rolls the transaction back, and each
unit of it is then done alone, so that only the one at fault fails.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import retrying
from bot.storage.database import DatabaseUnavailable, is_transient

T = TypeVar("T")
Work = Callable[[AsyncSession], Awaitable[Any]]

_committers: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], _GroupCommit] = (
    weakref.WeakKeyDictionary()
)


async def in_transaction(
    sessions: async_sessionmaker[AsyncSession], work: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """Run ``work`` in a transaction and return its result once committed.

    ``work`` may run more than once (a retried transaction) and beside other units in the same
    session: it does database work only, and never waits for another unit.
    """
    committer = _committers.get(sessions)
    if committer is None:
        committer = _committers[sessions] = _GroupCommit(sessions)
    return cast(T, await committer.run(work))


class _GroupCommit:
    """The units waiting for one session factory, and the task that commits them."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._waiting: list[tuple[Work, asyncio.Future[Any]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def run(self, work: Work) -> Any:
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append((work, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="group-commit")
        return await done

    async def _write_all(self) -> None:
        """Commit what waits, batch after batch; end when nothing does."""
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._write(batch)
            except BaseException as error:  # cancelled (stopping), or a bug: nobody waits forever
                for _, done in batch:
                    _settle(done, error=error)
                raise

    async def _write(self, batch: list[tuple[Work, asyncio.Future[Any]]]) -> None:
        try:
            results = await retrying.call(
                retrying.database(), lambda: self._commit([work for work, _ in batch])
            )
        except Exception as error:
            if is_transient(error):
                for _, done in batch:
                    _settle(done, error=DatabaseUnavailable(str(error)))
                return
            await self._one_by_one(batch, error)
        else:
            for (_, done), result in zip(batch, results, strict=True):
                _settle(done, result=result)

    async def _one_by_one(
        self, batch: list[tuple[Work, asyncio.Future[Any]]], error: Exception
    ) -> None:
        if len(batch) == 1:
            _settle(batch[0][1], error=error)
            return
        for unit in batch:
            await self._write([unit])

    async def _commit(self, works: list[Work]) -> list[Any]:
        async with self._sessions() as session:
            results = [await work(session) for work in works]
            await session.commit()
        return results


def _settle(
    done: asyncio.Future[Any], *, result: Any = None, error: BaseException | None = None
) -> None:
    if done.done():  # its caller stopped waiting
        return
    if isinstance(error, asyncio.CancelledError):
        done.cancel()
    elif error is not None:
        done.set_exception(error)
    else:
        done.set_result(result)

"""The reply log: what the bot sent, written in batches after the reply, off its path.

A question is logged, in its own transaction, before it is answered. What the bot then sent,
and the reading of the question it answered, would cost every question a third transaction on
the reply's path; ``ReplyLog`` queues them instead, and one writer task stores everything
queued in one transaction (group commit: nothing waits for a timer, so at low load an entry is
written one transaction after it was queued, and batches grow with the load). A database
outage delays the log, never the replies: the writer retries with backoff and keeps, in order,
what it has not written (little piles up: while the database is down, questions are refused
before they are answered), and ``close`` writes what is left before the bot stops.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from typing import cast

from sqlalchemy import Table, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.database import is_transient
from bot.storage.enums import MessageDirection
from bot.storage.messages import RECORD_READING, Reading, reading_values
from bot.storage.models import Message

logger = logging.getLogger(__name__)

RETRY_SECONDS = 0.5
READER_FLUSH_SECONDS = 5.0
"""How long a reader of the conversation waits for the log before it reads what is there."""
MAX_RETRY_SECONDS = 30.0
_MESSAGES = cast(Table, Message.__table__)
_INSERT_SENT = insert(_MESSAGES).values(direction=MessageDirection.OUT)


@dataclass(frozen=True, slots=True)
class SentReply:
    """One message the bot sent to a chat."""

    chat_id: int
    user_id: int | None
    text: str
    telegram_message_id: int
    intent: str | None = None
    action: str | None = None
    ticket_id: int | None = None


@dataclass(frozen=True, slots=True)
class _Entry:
    reading: Reading | None
    reply: SentReply | None


class ReplyLog:
    """Queue sent replies and question readings; a writer task stores them in batches."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, retry_seconds: float = RETRY_SECONDS
    ) -> None:
        self._sessions = sessions
        self._retry_seconds = retry_seconds
        self._pending: list[_Entry] = []
        self._queued = self._written = 0
        self._has_work = asyncio.Event()
        self._flushes: list[tuple[int, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    def add(self, reply: SentReply | None, reading: Reading | None = None) -> None:
        """Queue a sent reply and/or the reading of the question it answers; returns at once."""
        if reply is None and reading is None:
            return
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_forever(), name="reply-log")
        self._pending.append(_Entry(reading, reply))
        self._queued += 1
        self._has_work.set()

    @property
    def backlog(self) -> int:
        """Entries queued and not yet written."""
        return self._queued - self._written

    async def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued so far is written; False if ``timeout`` passed first.

        Readers of the conversation (a ticket card's history, a deletion) flush first, so
        that they see the replies sent before them.
        """
        if self._written >= self._queued:
            return True
        done = asyncio.get_running_loop().create_future()
        self._flushes.append((self._queued, done))
        try:
            await asyncio.wait_for(asyncio.shield(done), timeout)
        except TimeoutError:
            return False
        return True

    async def close(self, timeout: float = 10.0) -> None:
        """Write what is queued (waiting at most ``timeout`` seconds), then stop the writer."""
        if not await self.flush(timeout):
            logger.error("Reply log: %s entries not written before stopping", self.backlog)
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)

    async def _write_forever(self) -> None:
        delay = self._retry_seconds
        while True:
            await self._has_work.wait()
            self._has_work.clear()
            batch, self._pending = self._pending, []
            if not batch:
                continue
            try:
                await self._write(batch)
            except DBAPIError as error:
                if is_transient(error):
                    self._pending[:0] = batch  # first again, in order
                    self._has_work.set()
                    logger.warning(
                        "Reply log: database unavailable, %s entries wait: %s",
                        self.backlog,
                        error.orig,
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, MAX_RETRY_SECONDS)
                    continue
                await self._write_one_by_one(batch)
            except Exception:  # a bug must not stop the log: report it, go on with the next
                logger.exception("Reply log: %s entries lost", len(batch))
            delay = self._retry_seconds
            self._mark_written(len(batch))

    async def _write(self, batch: list[_Entry]) -> None:
        readings = [reading_values(entry.reading) for entry in batch if entry.reading]
        replies = [asdict(entry.reply) for entry in batch if entry.reply]
        async with self._sessions() as session:
            if readings:
                await session.execute(RECORD_READING, readings)
            if replies:
                await session.execute(_INSERT_SENT, replies)
            await session.commit()

    async def _write_one_by_one(self, batch: list[_Entry]) -> None:
        """A batch the database refused for its content: keep every entry it accepts."""
        for entry in batch:
            try:
                await self._write([entry])
            except Exception as error:  # logged with the entry; the others go on
                logger.error("Reply log: entry not stored (%s): %r", error, entry)

    def _mark_written(self, count: int) -> None:
        self._written += count
        waiting = []
        for target, done in self._flushes:
            if self._written >= target:
                if not done.done():
                    done.set_result(None)
            else:
                waiting.append((target, done))
        self._flushes = waiting

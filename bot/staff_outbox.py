"""The staff outbox's drainer: sends what waits for the staff chat, in order, one at a time.

Handlers store a notice (``bot.storage.outbox.enqueue_notice``) in the transaction that caused
it — a ticket and its card commit together — and never wait for the staff chat themselves.
One drainer per worker sends the notices: it wakes when a transaction of this process that
added one has committed, and otherwise every ``POLL_SECONDS`` (notices of other workers, notices
waiting out a failure, notices left by a restart). It claims a batch under a lease (see
``bot.storage.outbox``), hands each notice — or each group merged into one message — to
``post``, and settles it:

- posted: sent;
- refused for now (flood control, a timeout, a network or server error, a locked database):
  tried again after 1, 2, 4 … 30 s, or as long as a 429 says; the notices after it wait too;
- refused for good (a bad request, the bot no longer in the chat), or still failing
  ``GIVE_UP_AFTER`` after it was made: given up, with an audit event.

A worker that dies while sending leaves its notices leased; once the lease has run out another
worker (or the next start) sends them. None is lost; the one the dead worker had posted but not
yet marked sent (a few milliseconds between Telegram's answer and the commit) comes twice.
(Marking before sending would lose instead the notice a worker dies waiting to send — for the
staff group's budget, seconds — which is far likelier.)

Merging, within a batch: notices of one kind and ``coalesce_key`` become one message when at
least ``MERGE_FROM`` of them wait (new tickets: ``DIGEST_FROM``, a digest naming them), at the
place of the first. A send is not paced here: the bot's rate limiter keeps the staff group's
budget, so a send may simply take a while; the lease is renewed meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot import retrying
from bot.storage import utcnow
from bot.storage.database import DatabaseUnavailable, is_transient
from bot.storage.models import StaffNotice
from bot.storage.outbox import (
    NOTICE_ADDED,
    NoticeKind,
    claim_notices,
    forget_settled_notices,
    give_up_notices,
    mark_notices_sent,
    postpone_notices,
    retry_notice_later,
)
from bot.storage.transaction import in_transaction

logger = logging.getLogger(__name__)

Post = Callable[[Sequence[StaffNotice]], Awaitable[None]]
"""Posts one notice, or a merged group of one kind, to the staff chat; raises if it could not."""

POLL_SECONDS = 2.0
BATCH = 20
"""Notices claimed at once: about a minute of a Telegram group's budget (20 messages)."""
LEASE = timedelta(seconds=60)
"""How long a claimed notice stays hidden from other workers; renewed while sending."""
LONGEST_BACKOFF_SECONDS = 30.0
GIVE_UP_AFTER = timedelta(hours=24)
MERGE_FROM = 2
DIGEST_FROM = 6
"""New tickets waiting together that become one digest instead of their cards."""
KEEP_SETTLED = timedelta(days=7)
STOP_SECONDS = 10.0


def groups_to_post(batch: Sequence[StaffNotice]) -> list[list[StaffNotice]]:
    """The batch as messages, in order: a group merged at its first notice's place, or one."""
    counts: Counter[tuple[str, str | None]] = Counter(
        (notice.kind, notice.coalesce_key) for notice in batch
    )
    groups: list[list[StaffNotice]] = []
    merged: dict[tuple[str, str | None], list[StaffNotice]] = {}
    for notice in batch:
        key = (notice.kind, notice.coalesce_key)
        threshold = DIGEST_FROM if notice.kind == NoticeKind.NEW_TICKET else MERGE_FROM
        if notice.coalesce_key is None or counts[key] < threshold:
            groups.append([notice])
        elif key in merged:
            merged[key].append(notice)
        else:
            merged[key] = [notice]
            groups.append(merged[key])
    return groups


def may_succeed_later(error: BaseException) -> bool:
    """Whether a failed post is worth another try: flood control, a timeout, a network or
    server error (5xx), a database unavailable for now. A timeout is retried although the
    message may have gone: a staff message twice beats a ticket the consultants never see."""
    if isinstance(error, RetryAfter | DatabaseUnavailable) or is_transient(error):
        return True
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def retry_delay(attempts: int, error: BaseException) -> float:
    """Seconds before the next try of a notice that failed ``attempts`` times."""
    if isinstance(error, RetryAfter):
        return retrying.retry_after_seconds(error)
    return min(2.0 ** (attempts - 1), LONGEST_BACKOFF_SECONDS)


class StaffOutbox:
    """The drainer of one worker: ``start`` at start-up, ``stop`` before the bot closes."""

    def __init__(
        self, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], post: Post
    ) -> None:
        self._engine = engine
        self._sessions = sessions
        self._post = post
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._forgotten_at: datetime | None = None
        self._leased: list[int] = []

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        event.listen(self._engine.sync_engine, "rollback", self._on_rollback)
        event.listen(self._engine.sync_engine, "checkin", self._on_checkin)
        self._task = asyncio.create_task(self._run(), name="staff-outbox")

    async def stop(self) -> None:
        """Let the notice being sent finish (up to ``STOP_SECONDS``); the rest wait, stored.

        A send still waiting then (for the budget, or out a 429) is cancelled and its notices
        released at once for the next start or another worker: most likely it had not gone
        yet, and a notice twice is better than one held back for a lease."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_SECONDS)
        except TimeoutError:
            logger.warning("Staff outbox: stopped while a send was waiting")
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            await self._settle(postpone_notices, self._leased, until=utcnow())
        event.remove(self._engine.sync_engine, "rollback", self._on_rollback)
        event.remove(self._engine.sync_engine, "checkin", self._on_checkin)
        self._task = None

    def wake(self) -> None:
        """Look for due notices now."""
        self._wake.set()

    def _on_rollback(self, connection: Connection) -> None:
        connection.info.pop(NOTICE_ADDED, None)  # the notice was not stored after all

    def _on_checkin(self, _dbapi_connection: object, record: ConnectionPoolEntry) -> None:
        """A connection back in the pool after a transaction that added a notice: committed
        (a rollback cleared the mark). The connection's commit event would come too early:
        it fires before the database has the notice."""
        if record.info.pop(NOTICE_ADDED, False) and self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.drain()
                await self._forget_settled()
            except Exception:  # the database, mostly: the notices wait; try again later
                logger.exception("Staff outbox: draining failed; trying again shortly")
            if not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)

    async def drain(self) -> None:
        """Send due notices until none is due, one must wait out a failure, or the outbox stops."""
        while not self._stopping:
            batch = await self._claim()
            if not batch:
                return
            groups = groups_to_post(batch)
            for index, group in enumerate(groups):
                leased = self._leased = [notice.id for later in groups[index:] for notice in later]
                if self._stopping:
                    await self._settle(postpone_notices, leased, until=utcnow())
                    return
                if not await self._send(group, leased):
                    # The head waits out its failure; the notices after it wait behind it.
                    await self._settle(postpone_notices, leased[1:], until=utcnow())
                    return

    async def _claim(self) -> list[StaffNotice]:
        now = utcnow()

        async def claim(session: AsyncSession) -> list[StaffNotice]:
            return await claim_notices(session, now=now, lease_until=now + LEASE, limit=BATCH)

        return await in_transaction(self._sessions, claim)

    async def _send(self, group: list[StaffNotice], leased: list[int]) -> bool:
        """Post one group and settle it; False when it is to be tried again later."""
        head = group[0]
        try:
            await self._while_leased(self._post(group), leased)
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            too_old = utcnow() - head.created_at > GIVE_UP_AFTER
            if may_succeed_later(error) and not too_old:
                delay = retry_delay(head.attempts + 1, error)
                logger.warning(
                    "Staff outbox: %s #%s failed (%s); next try in %.0f s",
                    head.kind,
                    head.id,
                    reason,
                    delay,
                )
                due_at = utcnow() + timedelta(seconds=delay)
                await self._settle(retry_notice_later, head.id, error=reason, due_at=due_at)
                return False
            logger.error(
                "Staff outbox: %s #%s given up (%s)",
                head.kind,
                head.id,
                reason,
                exc_info=not isinstance(error, TelegramError),
            )
            await self._settle(give_up_notices, group, error=reason, at=utcnow())
            return True
        await self._settle(mark_notices_sent, [notice.id for notice in group], at=utcnow())
        return True

    async def _while_leased(self, posting: Awaitable[None], leased: list[int]) -> None:
        """Await the post, renewing the lease of the claimed notices while it takes."""
        task = asyncio.ensure_future(posting)
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=LEASE.total_seconds() / 3)
                if done:
                    return task.result()
                try:
                    await self._settle(postpone_notices, leased, until=utcnow() + LEASE)
                except (DatabaseUnavailable, DBAPIError) as error:
                    logger.warning("Staff outbox: lease not renewed (%s)", error)
        finally:
            task.cancel()

    async def _settle(self, work: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> None:
        async def settle(session: AsyncSession) -> None:
            await work(session, *args, **kwargs)

        await in_transaction(self._sessions, settle)

    async def _forget_settled(self) -> None:
        """Once an hour, delete what was settled ``KEEP_SETTLED`` ago."""
        now = utcnow()
        if self._forgotten_at is not None and now - self._forgotten_at < timedelta(hours=1):
            return
        self._forgotten_at = now
        await self._settle(forget_settled_notices, before=now - KEEP_SETTLED)

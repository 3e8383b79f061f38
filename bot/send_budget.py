"""Telegram's send limits kept by every worker together: a budget per window in the database.

Telegram allows a bot about 30 messages a second, and 20 a minute in one group. Each worker
takes a unit of the shared budget (table ``send_budget``) before it sends, with one atomic
statement; a full window makes it wait for the next one. The budget lives in the database the
workers already share (PostgreSQL when there are several): a budget in each process's memory
let two workers send twice the limit, and Redis would be a second service to run for one
counter. On SQLite (one worker) the same statements run against SQLite.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.constants import FloodLimit
from telegram.ext import BaseRateLimiter

from bot import retrying

logger = logging.getLogger(__name__)

OVERALL_SCOPE = "all"
GROUP_SENDS_PER_MINUTE = int(FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP)  # 20
MAX_WAIT_SECONDS = 120.0
"""A send waits this long at most for a window with room; then it goes anyway (a warning)."""
DATABASE_TIMEOUT_SECONDS = 5.0
FALLBACK_SECONDS = 10.0
"""After a database failure, sends skip the budget this long before it is tried again."""
KEEP_WINDOWS_SECONDS = 300
SWEEP_EVERY_SECONDS = 60

_TAKE_UNIT = text(
    "INSERT INTO send_budget (scope, second, sent) VALUES (:scope, :second, 1) "
    "ON CONFLICT (scope, second) DO UPDATE SET sent = send_budget.sent + 1 "
    "WHERE send_budget.sent < :limit "
    "RETURNING sent"
)
_SWEEP = text("DELETE FROM send_budget WHERE second < :before")

JSONDict = dict[str, Any]
Callback = Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]]


class _DatabaseDown(Exception):
    """The database failed a moment ago: this send goes without the budget."""


@dataclass(frozen=True)
class Window:
    """At most ``limit`` sends in each window of ``seconds``."""

    scope: str
    limit: int
    seconds: int


def sends_a_message(endpoint: str) -> bool:
    """Whether a Bot API request puts a message in a chat: what Telegram's send limits count.

    Edits, callback answers, webhook and chat actions are not counted: Telegram's documented
    limits are on messages sent, and a callback answer must not wait. A 429 on them is still
    waited out.
    """
    if endpoint == "sendChatAction":
        return False
    return endpoint.startswith(("send", "copyMessage", "forwardMessage"))


class SendBudgetLimiter(BaseRateLimiter[None]):
    """python-telegram-bot's rate limiter over the budget shared by every worker.

    A message to a group takes a unit of the group's budget, then every message one of the
    bot's overall budget. Windows are fixed (a second, a group's minute): across a window's
    edge up to twice the limit may go at once, which Telegram's 429, waited out, then paces;
    a budget spread evenly over the second made replies queue at a steady 30 a second. Every
    request then goes under the one retry policy (``bot.retrying.telegram_request``: a 429 is
    waited out; a timeout or a refusal is not retried), each try with new units. If the
    database fails, sends go without the budget for a while (logged once): a brief excess
    over Telegram's limit, which its 429s then pace, is better than a bot that stays silent.

    Until ``use`` gives it the database, and with ``max_sends_per_second`` 0, it only applies
    the retry policy.
    """

    def __init__(
        self,
        max_sends_per_second: int,
        *,
        group_sends_per_window: int = GROUP_SENDS_PER_MINUTE,
        group_window_seconds: int = 60,
        max_wait_seconds: float = MAX_WAIT_SECONDS,
    ) -> None:
        self._max_sends_per_second = max_sends_per_second
        self._group_sends_per_window = group_sends_per_window
        self._group_window_seconds = group_window_seconds
        self._max_wait_seconds = max_wait_seconds
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._fallback_until = 0.0
        self._database_failed = False
        self._next_sweep = 0.0
        self._lines: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def use(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Keep the budget in this database from now on."""
        self._sessions = sessions

    async def initialize(self) -> None:
        """Nothing to open: the database comes through ``use``."""

    async def shutdown(self) -> None:
        """Forget the database, which is closed after the bot."""
        self._sessions = None

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Take the request's units of the budget, then make it under the retry policy."""
        windows = self._windows(endpoint, data)

        async def send() -> bool | JSONDict | list[JSONDict]:
            await self._spend(windows)
            return await callback(*args, **kwargs)

        return await retrying.call(retrying.telegram_request(), send)

    def _windows(self, endpoint: str, data: dict[str, Any]) -> list[Window]:
        if self._max_sends_per_second <= 0 or not sends_a_message(endpoint):
            return []
        windows = [Window(OVERALL_SCOPE, self._max_sends_per_second, 1)]
        group = _group_chat(data.get("chat_id"))
        if group is not None:
            scope = f"chat:{group}"[:32]  # a long @username shares a budget: stricter, harmless
            limit, seconds = self._group_sends_per_window, self._group_window_seconds
            windows.insert(0, Window(scope, limit, seconds))
        return windows

    async def _spend(self, windows: list[Window]) -> None:
        """Wait until each window has a unit for this send; the database failing lets it go."""
        sessions = self._sessions
        if not windows or sessions is None or time.monotonic() < self._fallback_until:
            return
        deadline = time.time() + self._max_wait_seconds
        try:
            for window in windows:
                await self._take(sessions, window, deadline)
        except (SQLAlchemyError, OSError) as error:  # OSError: also a timeout, a refused port
            self._fall_back(error)
            return
        except _DatabaseDown:
            return
        if self._database_failed:
            self._database_failed = False
            logger.info("Send budget: the database answers again")

    async def _take(
        self, sessions: async_sessionmaker[AsyncSession], window: Window, deadline: float
    ) -> None:
        while True:
            unit = await self._wait_in_line(sessions, window, deadline)
            if unit is None:
                wait = self._max_wait_seconds
                logger.warning("Send budget %s full for %.0f s; sending anyway", window.scope, wait)
                return
            start, _sent = unit
            if time.time() < start + window.seconds:
                return
            # The window closed while its unit waited (a stalled loop): take one of the next.

    async def _wait_in_line(
        self, sessions: async_sessionmaker[AsyncSession], window: Window, deadline: float
    ) -> tuple[int, int] | None:
        """A unit of ``window`` (its start, the send's number in it), or None at the deadline.

        A worker's sends of one scope wait in line, first come first served, and only the
        first asks the database: a backlog of a thousand sends costs one statement a window.
        """
        line = self._lines.setdefault(window.scope, asyncio.Lock())
        try:
            async with asyncio.timeout(max(0.0, deadline - time.time())):
                await line.acquire()
        except TimeoutError:
            return None
        try:
            while True:
                start = int(time.time()) // window.seconds * window.seconds
                sent = await self._take_unit(sessions, window, start)
                if sent is not None:
                    return start, sent
                if start + window.seconds > deadline:
                    return None
                await _sleep_until(start + window.seconds)
        finally:
            line.release()

    async def _take_unit(
        self, sessions: async_sessionmaker[AsyncSession], window: Window, start: int
    ) -> int | None:
        """One unit of ``window`` starting at ``start``: the send's number in it, or None."""
        if time.monotonic() < self._fallback_until:
            raise _DatabaseDown
        parameters = {"scope": window.scope, "second": start, "limit": window.limit}
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS), sessions() as session:
            sent = (await session.execute(_TAKE_UNIT, parameters)).scalar_one_or_none()
            if sent == 1 and time.monotonic() >= self._next_sweep:  # a window opened
                self._next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
                await session.execute(_SWEEP, {"before": start - KEEP_WINDOWS_SECONDS})
            await session.commit()
        return None if sent is None else int(sent)

    def _fall_back(self, error: BaseException) -> None:
        self._fallback_until = time.monotonic() + FALLBACK_SECONDS
        if not self._database_failed:
            self._database_failed = True
            logger.warning(
                "Send budget: database unavailable (%s); sending without it until it answers",
                str(error) or type(error).__name__,
            )


def _group_chat(chat_id: object) -> int | str | None:
    """A group, supergroup or channel: a negative id, or an @username (channels only)."""
    if isinstance(chat_id, str):
        try:
            chat_id = int(chat_id)
        except ValueError:
            return chat_id
    if isinstance(chat_id, int) and chat_id < 0:
        return chat_id
    return None


async def _sleep_until(moment: float) -> None:
    delay = moment - time.time()
    if delay > 0:
        await asyncio.sleep(delay)

"""Long-lived resources shared by the handlers, reached through a typed callback context."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import CallbackContext, ExtBot

from bot.knowledge import KnowledgeBase
from bot.nlu.rasa_server import RasaProcess
from bot.nlu.understanding import Reading, Understanding
from bot.settings import Settings
from bot.storage import Ticket
from bot.storage.arrivals import ArrivalLog
from bot.storage.messages import LoggedQuestion
from bot.storage.reply_log import ReplyLog


class ChatLocks:
    """One lock per chat: a user's messages are handled in order, different users in parallel."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    @asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._users[chat_id] = self._users.get(chat_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[chat_id] -= 1
            if not self._users[chat_id]:
                del self._users[chat_id]
                del self._locks[chat_id]


@dataclass
class Services:
    """Everything a handler needs; created in ``post_init``, closed in ``post_shutdown``."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    understanding: Understanding
    knowledge: KnowledgeBase
    arrivals: ArrivalLog
    reply_log: ReplyLog
    rasa: RasaProcess | None = None
    chat_locks: ChatLocks = field(default_factory=ChatLocks)


@dataclass(frozen=True)
class Inbound:
    """A user's message as logged, and the open ticket it was filed under (if any)."""

    question: LoggedQuestion
    ticket: Ticket | None


class BotData:
    """``application.bot_data``: holds the services once ``post_init`` has run."""

    services: Services


class AppContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """Callback context with typed access to the services.

    python-telegram-bot builds one context per update and hands it to every handler of it, so
    a reading started by the update gate reaches the question handler (``take_reading``).
    """

    _early_reading: asyncio.Future[Reading] | None = None
    comment_requested: bool = True
    """False when the update gate found no rating-comment request for the user (a hint that
    spares their text the lookup); True when it could not tell."""
    logged_question: Inbound | None = None
    """The question as the update gate logged it on arrival (``ArrivalLog``); None when the
    gate left the logging to the question handler."""

    @property
    def services(self) -> Services:
        return self.bot_data.services

    def read_early(self, text: str) -> None:
        """Start reading a question now, so Rasa works while the update's database work runs."""
        self._early_reading = asyncio.ensure_future(self.services.understanding.read(text))
        self._early_reading.add_done_callback(_retrieve_outcome)

    def take_reading(self, text: str) -> asyncio.Future[Reading]:
        """The reading started early for this update, or a new one."""
        reading, self._early_reading = self._early_reading, None
        if reading is None:
            reading = asyncio.ensure_future(self.services.understanding.read(text))
            reading.add_done_callback(_retrieve_outcome)
        return reading

    def drop_reading(self, reading: asyncio.Future[Reading] | None = None) -> None:
        """Cancel a reading no longer wanted (by default the early one, if any)."""
        if reading is None:
            reading, self._early_reading = self._early_reading, None
        if reading is not None:
            reading.cancel()


def _retrieve_outcome(reading: asyncio.Future[Reading]) -> None:
    """Mark a reading's failure as seen: whoever awaits it handles it; nobody else logs it."""
    if not reading.cancelled():
        reading.exception()

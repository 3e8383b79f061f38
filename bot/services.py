"""Long-lived resources shared by the handlers, reached through a typed callback context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import CallbackContext, ExtBot

from bot.knowledge import KnowledgeBase
from bot.nlu.rasa_server import RasaProcess
from bot.nlu.understanding import Understanding
from bot.settings import Settings
from bot.staff_outbox import StaffOutbox


@dataclass
class Services:
    """Everything a handler needs; created in ``post_init``, closed in ``post_shutdown``."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    understanding: Understanding
    knowledge: KnowledgeBase  # replaced whole on a reload (handlers/knowledge_reload.py)
    rasa: RasaProcess | None = None
    knowledge_reload_id: int = 0
    """The latest reload request (``knowledge_reloads``) the knowledge base above reflects."""
    approvals: frozenset[tuple[str, str]] = frozenset()
    """The versions of answers LKBH lawyers approved (entry, content hash), read on start,
    after a lawyer's decision here and every 30 s (handlers/knowledge_reload.py); an answer not
    among them carries the not-yet-reviewed line."""
    staff_outbox: StaffOutbox | None = None  # started after the services, in post_init
    # Updates left to be handled again while the database was unavailable, whose user was
    # told so (handlers/errors.py): told once per update, not at every redelivery.
    updates_held_for_the_database: set[int] = field(default_factory=set)


class BotData:
    """``application.bot_data``: holds the services once ``post_init`` has run."""

    services: Services


class AppContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """Callback context with typed access to the services."""

    @property
    def services(self) -> Services:
        return self.bot_data.services

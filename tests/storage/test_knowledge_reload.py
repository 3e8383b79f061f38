"""Every worker follows a coordinator's /muat_ulang_kb (handlers/knowledge_reload.py): its
periodic check reads the reload requests (SQLite and PostgreSQL) and swaps in the knowledge
files read again — unless they have problems, when the knowledge base it has stays."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.knowledge import DEFAULT_PATH, load_knowledge_base
from bot.nlu.client import NluClient
from bot.nlu.understanding import Understanding
from bot.services import AppContext, Services
from bot.settings import KnowledgeSettings, Settings
from bot.storage.knowledge_reviews import record_reload
from handlers.knowledge_reload import follow_reloads


class Worker:
    """What a job's context gives ``follow_reloads``: one worker's services."""

    def __init__(self, services: Services) -> None:
        self.services = services


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_PATH, copy)
    return copy


@pytest.fixture
async def worker(
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    knowledge_copy: Path,
) -> AsyncIterator[Worker]:
    settings = Settings(knowledge=KnowledgeSettings(path=knowledge_copy))
    client = NluClient.from_settings(settings.rasa, url="http://127.0.0.1:9", auth_token=None)
    services = Services(
        settings=settings,
        engine=engine,
        sessions=session_factory,
        understanding=Understanding(client, settings.policy),
        knowledge=load_knowledge_base(knowledge_copy),
    )
    yield Worker(services)
    await client.aclose()


async def request_reload(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        reload_id = await record_reload(session, requested_by=7009)
        await session.commit()
    return reload_id


async def test_a_worker_follows_a_reload_asked_for_elsewhere(
    worker: Worker, knowledge_copy: Path, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    services, context = worker.services, cast(AppContext, worker)
    loaded = services.knowledge
    await follow_reloads(context)
    assert services.knowledge is loaded, "no request: nothing read again"

    salam = knowledge_copy / "answers" / "salam.yml"
    salam.write_text(salam.read_text(encoding="utf-8").replace("Halo!", "Halo lagi!", 1))
    first = await request_reload(session_factory)
    await follow_reloads(context)
    assert services.knowledge is not loaded and services.knowledge_reload_id == first
    assert services.knowledge.entry("salam").text.startswith("Halo lagi!")  # type: ignore[union-attr]

    reloaded = services.knowledge
    await follow_reloads(context)
    assert services.knowledge is reloaded, "the same request is followed once"

    # Broken files: the worker keeps what it has, and does not try the same request again.
    (knowledge_copy / "answers" / "sanksi.yml").unlink()
    second = await request_reload(session_factory)
    await follow_reloads(context)
    assert services.knowledge is reloaded and services.knowledge_reload_id == second

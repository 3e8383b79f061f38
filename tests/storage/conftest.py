"""Every storage test runs on SQLite (a file per test) and on PostgreSQL (a database per test).

PostgreSQL needs TEST_DATABASE_URL, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test;
a fresh database ``test_<random>`` is created through it for each test and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as create_plain_async_engine

from bot.storage import (
    User,
    create_engine,
    create_session_factory,
    get_or_create_user,
    upgrade_database_async,
)
from bot.storage.database import create_migration_engine, normalize_database_url
from bot.storage.migrate import alembic_config

POSTGRES_SKIP_REASON = "TEST_DATABASE_URL not set: PostgreSQL storage tests skipped"

MakeUser = Callable[..., Awaitable[User]]


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
async def database_url(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[str]:
    """Yield the URL of an empty database of the parametrised dialect."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/tanya_netral_test.db"
        return
    async with fresh_postgres_database(POSTGRES_SKIP_REASON) as url:
        yield url


@asynccontextmanager
async def fresh_postgres_database(skip_reason: str) -> AsyncIterator[str]:
    """The URL of a new database ``test_<random>`` made through TEST_DATABASE_URL, dropped
    afterwards; the test is skipped with ``skip_reason`` when that variable is unset."""
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if not admin_url:
        pytest.skip(skip_reason)
    admin = create_plain_async_engine(
        normalize_database_url(admin_url), isolation_level="AUTOCOMMIT"
    )
    name = f"test_{uuid.uuid4().hex[:16]}"
    async with admin.connect() as connection:
        await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = normalize_database_url(admin_url).set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


@pytest.fixture
async def migrated_url(database_url: str) -> str:
    """Apply the real migrations to the empty database."""
    await upgrade_database_async(database_url)
    return database_url


@pytest.fixture
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


@pytest.fixture
def make_user(session: AsyncSession) -> MakeUser:
    """Create (and commit) a user; ``make_user(42)``."""

    async def make(user_id: int, first_name: str = "Sari", username: str | None = None) -> User:
        user = await get_or_create_user(
            session, user_id=user_id, chat_id=user_id, first_name=first_name, username=username
        )
        await session.commit()
        return user

    return make


async def database_at_revision(database_url: str, revision: str, *statements: str) -> None:
    """Migrate an empty database to an older ``revision`` and run ``statements`` in it: the
    starting point of a test of the migrations after it."""

    def upgrade(connection: Connection) -> None:
        from alembic import command

        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    engine = create_migration_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(upgrade)
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()

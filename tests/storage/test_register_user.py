"""The gate's one-statement registration, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import User, mark_user_inactive
from bot.storage.users import PSEUDONYM_PREFIX, register_user


async def _register(
    sessions: async_sessionmaker[AsyncSession], first_name: str, username: str | None
) -> User:
    async with sessions() as session:
        await register_user(
            session, user_id=42, chat_id=4242, first_name=first_name, username=username
        )
        await session.commit()
    async with sessions() as session:
        user = await session.get(User, 42)
    assert user is not None
    return user


async def test_a_new_user_gets_a_pseudonym_and_a_known_one_keeps_it(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    first = await _register(session_factory, "Sari", None)
    assert first.pseudonym.startswith(PSEUDONYM_PREFIX) and first.active
    async with session_factory() as session:
        await mark_user_inactive(session, user_id=42)
        await session.commit()
    again = await _register(session_factory, "Sari Dewi", "saridewi")
    assert (again.pseudonym, again.created_at) == (first.pseudonym, first.created_at)
    assert (again.first_name, again.username, again.active) == ("Sari Dewi", "saridewi", True)

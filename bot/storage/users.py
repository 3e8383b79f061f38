"""Users: created on first contact, identified to consultants by a stable pseudonym."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import insert_ignoring_conflicts
from bot.storage.base import UTCDateTime, utcnow
from bot.storage.models import User

# No 0/O, 1/I/L: pseudonyms are read aloud and typed by consultants.
PSEUDONYM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PSEUDONYM_PREFIX = "ASN-"
_PSEUDONYM_ATTEMPTS = 10
_REGISTER = text(
    "INSERT INTO users (telegram_user_id, chat_id, first_name, username, pseudonym, active,"
    " created_at) VALUES (:user_id, :chat_id, :first_name, :username, :pseudonym, true,"
    " :created_at) ON CONFLICT (telegram_user_id) DO UPDATE SET chat_id = excluded.chat_id,"
    " first_name = excluded.first_name, username = excluded.username, active = true"
).bindparams(bindparam("created_at", type_=UTCDateTime))


def generate_pseudonym() -> str:
    """Return a random pseudonym such as ``ASN-7F3K2``."""
    return PSEUDONYM_PREFIX + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(5))


async def get_user(session: AsyncSession, *, user_id: int) -> User | None:
    """Return the user with this Telegram id, or None."""
    return await session.get(User, user_id)


async def get_or_create_user(
    session: AsyncSession,
    *,
    user_id: int,
    chat_id: int,
    first_name: str | None,
    username: str | None,
) -> User:
    """Return the user, creating it (with a new pseudonym) on first contact.

    Name fields and the chat are refreshed and the user is marked active again.
    Safe when two updates of the same new user are handled at once.
    """
    user = await session.get(User, user_id)
    changes = {"chat_id": chat_id, "first_name": first_name, "username": username, "active": True}
    if user is None:
        user = await _insert_user(session, user_id=user_id, fields=changes)
    for field, value in changes.items():
        if getattr(user, field) != value:
            setattr(user, field, value)
    await session.flush()
    return user


async def register_user(
    session: AsyncSession,
    *,
    user_id: int,
    chat_id: int,
    first_name: str | None,
    username: str | None,
) -> None:
    """``get_or_create_user`` in one statement, for every private update: the user is created
    with a new pseudonym, or their chat and names refreshed and marked active. A pseudonym
    taken by someone else (one chance in millions) fails the statement; done again, it draws
    another."""
    values = {
        "user_id": user_id,
        "chat_id": chat_id,
        "first_name": first_name,
        "username": username,
        "pseudonym": generate_pseudonym(),
        "created_at": utcnow(),
    }
    await session.execute(_REGISTER, values)


async def _insert_user(
    session: AsyncSession, *, user_id: int, fields: Mapping[str, object]
) -> User:
    for _ in range(_PSEUDONYM_ATTEMPTS):
        await insert_ignoring_conflicts(
            session, User, telegram_user_id=user_id, pseudonym=generate_pseudonym(), **fields
        )
        # Either our row, or one a concurrent transaction created; None if the pseudonym clashed.
        user = await session.get(User, user_id, populate_existing=True)
        if user is not None:
            return user
    raise RuntimeError(f"could not find a free pseudonym for user {user_id}")


async def mark_user_inactive(session: AsyncSession, *, user_id: int) -> bool:
    """Mark the user inactive (they blocked the bot); False if the user is unknown."""
    user = await session.get(User, user_id)
    if user is None:
        return False
    user.active = False
    await session.flush()
    return True


async def set_share_name(session: AsyncSession, *, user_id: int, share_name: bool) -> User | None:
    """Record whether consultants may see the user's name; None if the user is unknown."""
    user = await session.get(User, user_id)
    if user is None:
        return None
    user.share_name = share_name
    await session.flush()
    return user

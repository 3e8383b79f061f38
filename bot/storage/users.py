"""Users: created on first contact, identified to consultants by a stable pseudonym."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import cast

from sqlalchemy import Table, bindparam, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._sql import execute_counting, insert_ignoring_conflicts
from bot.storage.models import Ticket, User

# No 0/O, 1/I/L: pseudonyms are read aloud and typed by consultants.
PSEUDONYM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PSEUDONYM_PREFIX = "ASN-"
_PSEUDONYM_ATTEMPTS = 10


_USERS = cast(Table, User.__table__)
# Built once (see ``_sql``); the column order is that of ``register_user``'s fields, then
# whether any of the user's tickets awaits a rating comment.
_REGISTERED_DETAILS = select(
    _USERS.c.chat_id,
    _USERS.c.first_name,
    _USERS.c.username,
    _USERS.c.active,
    exists().where(
        Ticket.user_id == _USERS.c.telegram_user_id, Ticket.comment_requested_at.is_not(None)
    ),
).where(_USERS.c.telegram_user_id == bindparam("user_id"))


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
) -> bool:
    """Do what ``get_or_create_user`` does, in as few statements as possible (every update).

    A known user whose details did not change costs one SELECT; a new user a SELECT and an
    INSERT. Nothing is loaded into the session. Returns whether a rating comment may be
    awaited from the user (a ticket of theirs has a comment request): when not, their next
    text need not be checked for one.
    """
    fields = {"chat_id": chat_id, "first_name": first_name, "username": username, "active": True}
    row = (await session.execute(_REGISTERED_DETAILS, {"user_id": user_id})).first()
    stored, comment_requested = (None, False) if row is None else (tuple(row[:4]), bool(row[4]))
    if stored is None:
        inserted = await insert_ignoring_conflicts(
            session, User, telegram_user_id=user_id, pseudonym=generate_pseudonym(), **fields
        )
        if not inserted:  # created concurrently, or the pseudonym was taken: the careful path
            await get_or_create_user(
                session, user_id=user_id, chat_id=chat_id, first_name=first_name, username=username
            )
    elif stored != tuple(fields.values()):
        changed = update(User).where(User.telegram_user_id == user_id).values(**fields)
        await execute_counting(session, changed)
    return comment_requested


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

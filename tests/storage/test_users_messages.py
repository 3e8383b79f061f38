"""Users, message log, feedback, update dedupe, retention and UTC timestamps."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import (
    Feedback,
    Message,
    MessageDirection,
    ProcessedUpdate,
    User,
    delete_messages_older_than,
    delete_processed_updates_older_than,
    get_or_create_user,
    get_user,
    log_message,
    mark_user_inactive,
    record_feedback,
    set_share_name,
    utcnow,
)
from tests.storage.conftest import MakeUser


async def test_new_user_gets_a_stable_pseudonym(session: AsyncSession) -> None:
    user = await get_or_create_user(
        session, user_id=5_000_000_001, chat_id=5_000_000_001, first_name="Budi", username=None
    )
    await session.commit()
    assert re.fullmatch(r"ASN-[2-9A-HJKMNP-Z]{5}", user.pseudonym)
    assert (user.share_name, user.active) == (False, True)

    again = await get_or_create_user(
        session, user_id=5_000_000_001, chat_id=5_000_000_001, first_name="Budi S", username="bs"
    )
    await session.commit()
    assert again.pseudonym == user.pseudonym
    assert (again.first_name, again.username) == ("Budi S", "bs")


async def test_blocked_user_is_reactivated_on_next_message(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7)
    assert await mark_user_inactive(session, user_id=7)
    assert not await mark_user_inactive(session, user_id=8)
    await session.commit()
    assert (await get_user(session, user_id=7)).active is False  # type: ignore[union-attr]

    user = await get_or_create_user(session, user_id=7, chat_id=7, first_name="S", username=None)
    assert user.active is True


async def test_share_name(session: AsyncSession, make_user: MakeUser) -> None:
    await make_user(7)
    user = await set_share_name(session, user_id=7, share_name=True)
    assert user is not None and user.share_name is True
    assert await set_share_name(session, user_id=99, share_name=True) is None


async def test_same_new_user_twice_at_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async def create() -> str:
        async with session_factory() as session:
            user = await get_or_create_user(
                session, user_id=11, chat_id=11, first_name="Ani", username=None
            )
            await session.commit()
            return user.pseudonym

    pseudonyms = await asyncio.gather(create(), create(), create())
    assert len(set(pseudonyms)) == 1
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1


async def test_log_message_and_feedback(session: AsyncSession, make_user: MakeUser) -> None:
    await make_user(7)
    message_id = await log_message(
        session,
        chat_id=7,
        user_id=7,
        direction="in",
        text="pns boleh like postingan paslon gak",
        intent="medsos_like_share",
        confidence=0.93,
        action="answer",
        telegram_message_id=120,
    )
    photo_id = await log_message(
        session, chat_id=7, user_id=7, direction=MessageDirection.IN, text=None, kind="photo"
    )
    feedback = await record_feedback(
        session, user_id=7, intent="medsos_like_share", helpful=False, answer_message_id=121
    )
    await session.commit()
    assert message_id != photo_id
    message, photo = (
        await session.get_one(Message, message_id),
        await session.get_one(Message, photo_id),
    )
    assert message.direction is MessageDirection.IN
    assert message.confidence == pytest.approx(0.93)
    assert (photo.kind, photo.text) == ("photo", None)
    assert feedback.helpful is False
    with pytest.raises(ValueError, match="sideways"):
        await log_message(session, chat_id=7, user_id=7, direction="sideways", text="x")


async def test_retention_deletes_only_old_rows(session: AsyncSession, make_user: MakeUser) -> None:
    await make_user(7)
    now = utcnow()
    for age_days in (400, 200, 1):
        message_id = await log_message(session, chat_id=7, user_id=7, direction="in", text="x")
        message = await session.get_one(Message, message_id)
        message.created_at = now - timedelta(days=age_days)
    session.add_all([ProcessedUpdate(update_id=1), ProcessedUpdate(update_id=2)])
    await session.commit()

    assert await delete_messages_older_than(session, cutoff=now - timedelta(days=180)) == 2
    assert await delete_processed_updates_older_than(session, cutoff=now + timedelta(1)) == 2
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(Message)) == 1


async def test_timestamps_are_aware_utc_when_read_back(
    session_factory: async_sessionmaker[AsyncSession], make_user: MakeUser
) -> None:
    jakarta = datetime(2024, 11, 27, 9, 30, 15, 123456, tzinfo=UTC).astimezone(
        ZoneInfo("Asia/Jakarta")
    )
    await make_user(7)
    async with session_factory() as session:
        message_id = await log_message(session, chat_id=7, user_id=7, direction="in", text="x")
        message = await session.get_one(Message, message_id)
        message.created_at = jakarta
        await session.commit()

    async with session_factory() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("SET TIME ZONE 'America/New_York'"))
        stored = await session.get(Message, message_id)
        user = await session.get(User, 7)
        assert stored is not None and user is not None
        for value in (stored.created_at, user.created_at):
            assert value.tzinfo is UTC
        assert stored.created_at == datetime(2024, 11, 27, 9, 30, 15, 123456, tzinfo=UTC)
        # Comparisons in SQL use the same instant.
        cutoff = datetime(2024, 11, 27, 16, 30, 16, tzinfo=jakarta.tzinfo)
        older = select(func.count()).where(Message.created_at < cutoff)
        assert await session.scalar(older) == 1


async def test_naive_datetimes_are_refused(session: AsyncSession, make_user: MakeUser) -> None:
    await make_user(7)
    feedback = await record_feedback(session, user_id=7, intent=None, helpful=True)
    feedback.created_at = datetime(2024, 1, 1)
    with pytest.raises(Exception, match="naive datetime"):
        await session.flush()
    await session.rollback()
    assert await session.scalar(select(func.count()).select_from(Feedback)) == 0

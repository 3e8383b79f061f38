"""The send budget shared by every worker, on SQLite and PostgreSQL: two limiters on one
database (as two workers) keep Telegram's limits together, a 429 is waited out, nothing else is
retried, and a database that is down does not silence the bot."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.error import BadRequest, RetryAfter, TelegramError, TimedOut

from bot.send_budget import SendBudgetLimiter
from bot.storage import create_engine, create_session_factory

GROUP = -1001234567890


class FakeTelegram:
    """The request python-telegram-bot hands the limiter: it records each send's time and
    chat, or raises the next of ``errors``."""

    def __init__(self, *errors: TelegramError) -> None:
        self.errors = list(errors)
        self.calls = 0
        self.sends: list[tuple[float, object]] = []

    async def __call__(self, endpoint: str, data: dict[str, Any], **_timeouts: Any) -> Any:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        self.sends.append((time.time(), data.get("chat_id")))
        return {"message_id": len(self.sends)}

    def times(self, chat_id: object = None) -> list[float]:
        return sorted(at for at, chat in self.sends if chat_id is None or chat == chat_id)


async def _send(
    limiter: SendBudgetLimiter,
    telegram: FakeTelegram,
    chat_id: int,
    endpoint: str = "sendMessage",
) -> Any:
    data = {"chat_id": chat_id, "text": "halo"}
    return await limiter.process_request(telegram, (endpoint, data), {}, endpoint, data, None)


async def _units(sessions: async_sessionmaker[AsyncSession], scope: str = "all") -> int:
    async with sessions() as session:
        statement = text("SELECT COALESCE(SUM(sent), 0) FROM send_budget WHERE scope = :scope")
        return int((await session.execute(statement, {"scope": scope})).scalar_one())


def _limiter(
    sessions: async_sessionmaker[AsyncSession], *args: Any, **kw: Any
) -> SendBudgetLimiter:
    limiter = SendBudgetLimiter(*args, **kw)
    limiter.use(sessions)
    return limiter


@pytest.fixture
async def second_worker(migrated_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The sessions of a second worker: its own engine on the same database."""
    engine = create_engine(migrated_url)
    yield create_session_factory(engine)
    await engine.dispose()


async def test_two_workers_keep_the_overall_budget_together(
    session_factory: async_sessionmaker[AsyncSession],
    second_worker: async_sessionmaker[AsyncSession],
) -> None:
    workers = [_limiter(session_factory, 30), _limiter(second_worker, 30)]
    telegram = FakeTelegram()
    began = time.time()
    await asyncio.gather(*(_send(workers[n % 2], telegram, 1000 + n) for n in range(90)))
    times = telegram.times()
    assert len(times) == 90
    assert max(Counter(int(at) for at in times).values()) <= 30
    # Three full windows: the last send is in the third second.
    assert times[-1] - began > 1.0


async def test_a_group_budget_holds_across_workers_and_other_chats_go_on(
    session_factory: async_sessionmaker[AsyncSession],
    second_worker: async_sessionmaker[AsyncSession],
) -> None:
    """Three a window of two seconds (20 a minute in production): six sends need two windows."""
    workers = [
        _limiter(sessions, 30, group_sends_per_window=3, group_window_seconds=2)
        for sessions in (session_factory, second_worker)
    ]
    telegram = FakeTelegram()
    await asyncio.gather(
        *(_send(workers[n % 2], telegram, GROUP) for n in range(6)),
        _send(workers[0], telegram, 4242),  # a private chat: the bot's budget only
    )
    times = telegram.times(GROUP)
    assert len(times) == 6
    assert max(Counter(int(at) // 2 for at in times).values()) <= 3
    assert await _units(session_factory, f"chat:{GROUP}") == 6
    assert await _units(session_factory, "chat:4242") == 0
    assert await _units(session_factory) == 7


async def test_a_backlog_waits_in_line_and_asks_the_database_once_a_window(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """15 sends at 5 a second: 15 units taken, a full window asked about once, in order."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO send_budget"):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    telegram = FakeTelegram()
    limiter = _limiter(session_factory, 5)
    await asyncio.gather(*(_send(limiter, telegram, 100 + n) for n in range(15)))
    assert [chat for _, chat in telegram.sends] == [100 + n for n in range(15)]
    assert 15 < len(statements) <= 15 + 4  # two or three full windows seen, a margin of one


async def test_a_429_is_waited_out_and_each_try_takes_a_unit(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    telegram = FakeTelegram(RetryAfter(0), RetryAfter(0))
    assert await _send(_limiter(session_factory, 30), telegram, 42) == {"message_id": 1}
    assert telegram.calls == 3
    assert await _units(session_factory) == 3


@pytest.mark.parametrize("error", [BadRequest("Chat not found"), TimedOut()])
async def test_a_refused_or_timed_out_send_is_not_retried(
    session_factory: async_sessionmaker[AsyncSession], error: TelegramError
) -> None:
    """A send that timed out may have been delivered: it is not sent twice."""
    telegram = FakeTelegram(error)
    with pytest.raises(type(error)):
        await _send(_limiter(session_factory, 30), telegram, 42)
    assert telegram.calls == 1


async def test_without_the_database_a_429_is_still_waited_out() -> None:
    telegram = FakeTelegram(RetryAfter(0))
    assert await _send(SendBudgetLimiter(30), telegram, 42) == {"message_id": 1}
    assert telegram.calls == 2


async def test_only_messages_take_units_and_budget_zero_takes_none(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    telegram = FakeTelegram()
    limiter = _limiter(session_factory, 30)
    for endpoint in ("editMessageText", "answerCallbackQuery", "sendChatAction", "setWebhook"):
        await _send(limiter, telegram, GROUP, endpoint)
    unlimited = _limiter(session_factory, 0)
    await asyncio.gather(*(_send(unlimited, telegram, GROUP) for _ in range(100)))
    assert telegram.calls == 104
    async with session_factory() as session:
        assert (await session.execute(text("SELECT COUNT(*) FROM send_budget"))).scalar_one() == 0


async def test_a_window_still_full_after_the_longest_wait_lets_the_send_go(
    session_factory: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    limiter = _limiter(
        session_factory, 30, group_sends_per_window=1, group_window_seconds=3600, max_wait_seconds=0
    )
    telegram = FakeTelegram()
    with caplog.at_level(logging.WARNING, logger="bot.send_budget"):
        await _send(limiter, telegram, GROUP)
        await _send(limiter, telegram, GROUP)
    assert len(telegram.sends) == 2
    assert [r.getMessage() for r in caplog.records] == [
        f"Send budget chat:{GROUP} full for 0 s; sending anyway"
    ]


async def test_old_windows_are_swept_when_a_window_opens(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    old = int(time.time()) - 1000
    async with session_factory() as session:
        for scope in ("all", "user:7", f"chat:{GROUP}"):
            await session.execute(
                text("INSERT INTO send_budget (scope, second, sent) VALUES (:scope, :second, 5)"),
                {"scope": scope, "second": old},
            )
        await session.commit()
    await _send(_limiter(session_factory, 30), FakeTelegram(), 42)
    async with session_factory() as session:
        rows = (await session.execute(text("SELECT scope, sent FROM send_budget"))).all()
    assert [tuple(row) for row in rows] == [("all", 1)]


async def test_an_unreachable_database_does_not_hold_sends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing listens on port 1: every send goes, and the outage is logged once."""
    engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/tanya_netral")
    telegram = FakeTelegram()
    try:
        limiter = _limiter(create_session_factory(engine), 30)
        with caplog.at_level(logging.WARNING, logger="bot.send_budget"):
            await asyncio.gather(*(_send(limiter, telegram, GROUP) for _ in range(3)))
            await _send(limiter, telegram, 42)
    finally:
        await engine.dispose()
    assert len(telegram.sends) == 4
    assert len(caplog.records) == 1
    assert "database unavailable" in caplog.records[0].getMessage()

"""The staff outbox: stored with what caused it, claimed in order, retried, given up, merged.

Every test runs on SQLite and on PostgreSQL; the drainer posts to a fake staff chat (a plain
recorder that fails when told to), the database is real.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.error import Forbidden, NetworkError, RetryAfter

from bot import staff_outbox
from bot.staff_outbox import DIGEST_FROM, StaffOutbox, groups_to_post
from bot.storage import AuditEvent, create_engine, create_session_factory, utcnow
from bot.storage.models import StaffNotice
from bot.storage.outbox import (
    GIVEN_UP_ACTION,
    NoticeKind,
    claim_notices,
    enqueue_notice,
    forget_settled_notices,
    mark_notices_sent,
    retry_notice_later,
)

Sessions = async_sessionmaker[AsyncSession]


@dataclass
class FakeStaffChat:
    """Records what the drainer posts; raises the queued failures first."""

    failures: list[BaseException] = field(default_factory=list)
    seconds_per_post: float = 0.0
    posted: list[list[int]] = field(default_factory=list)
    shared_log: list[int] | None = None

    async def __call__(self, notices: Sequence[StaffNotice]) -> None:
        if self.seconds_per_post:
            await asyncio.sleep(self.seconds_per_post)
        if self.failures:
            raise self.failures.pop(0)
        self.posted.append([notice.id for notice in notices])
        if self.shared_log is not None:
            self.shared_log.extend(notice.id for notice in notices)


@pytest.fixture
async def outbox_of(
    engine: AsyncEngine, session_factory: Sessions
) -> AsyncIterator[Callable[[FakeStaffChat], StaffOutbox]]:
    started: list[StaffOutbox] = []

    def start(chat: FakeStaffChat) -> StaffOutbox:
        outbox = StaffOutbox(engine, session_factory, chat)
        outbox.start()
        started.append(outbox)
        return outbox

    yield start
    for outbox in started:
        await outbox.stop()


async def add(
    sessions: Sessions,
    count: int = 1,
    kind: NoticeKind = NoticeKind.NOTE,
    *,
    key: str | None = None,
    ticket_id: int | None = None,
) -> list[int]:
    async with sessions() as session:
        notices = [
            await enqueue_notice(
                session, kind, {"html": f"n{i}"}, ticket_id=ticket_id, coalesce_key=key
            )
            for i in range(count)
        ]
        await session.commit()
    return [notice.id for notice in notices]


async def notices(sessions: Sessions) -> list[StaffNotice]:
    async with sessions() as session:
        return list(await session.scalars(select(StaffNotice).order_by(StaffNotice.id)))


async def eventually(check: Callable[[], object], seconds: float = 10.0) -> None:
    """Wait until ``check()`` (or what it returns, awaited) is true; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def all_sent(sessions: Sessions) -> bool:
    """Whether every notice is marked sent (right after its post: wait with ``eventually``)."""
    return all(notice.sent_at is not None for notice in await notices(sessions))


async def stored(sessions: Sessions, notice_id: int) -> StaffNotice:
    async with sessions() as session:
        found = await session.get(StaffNotice, notice_id)
    assert found is not None
    return found


async def test_claim_leases_due_notices_in_order_up_to_the_first_not_due(
    session_factory: Sessions,
) -> None:
    ids = await add(session_factory, 5)
    now = utcnow()
    async with session_factory() as session:
        await retry_notice_later(session, ids[2], error="NetworkError", due_at=now + timedelta(60))
        await session.commit()
    async with session_factory() as session:
        claimed = await claim_notices(
            session, now=now, lease_until=now + timedelta(seconds=60), limit=10
        )
        await session.commit()
    assert [n.id for n in claimed] == ids[:2]  # the third waits out a failure: so do the rest
    async with session_factory() as session:  # leased: nobody else takes them now
        assert await claim_notices(session, now=now, lease_until=now, limit=10) == []
    later = now + timedelta(seconds=61)
    async with session_factory() as session:
        again = await claim_notices(session, now=later, lease_until=later, limit=2)
    assert [n.id for n in again] == ids[:2]  # a lease that ran out (a worker died) is free


async def test_settled_notices_are_no_longer_claimed_and_are_forgotten_after_a_while(
    session_factory: Sessions,
) -> None:
    ids = await add(session_factory, 3)
    now = utcnow()
    async with session_factory() as session:
        await mark_notices_sent(session, ids[:2], at=now)
        await session.commit()
    async with session_factory() as session:
        [left] = await claim_notices(session, now=now, lease_until=now, limit=10)
        assert left.id == ids[2] and left.content == {"html": "n2"}
        assert await forget_settled_notices(session, before=now) == 0
        assert await forget_settled_notices(session, before=now + timedelta(seconds=1)) == 2
        await session.commit()
    assert [n.id for n in await notices(session_factory)] == [ids[2]]


def notice(id: int, kind: NoticeKind, key: str | None = None) -> StaffNotice:
    return StaffNotice(id=id, kind=kind.value, coalesce_key=key, payload="{}")


def test_merging_rules() -> None:
    relay, note, card = NoticeKind.RELAY, NoticeKind.NOTE, NoticeKind.NEW_TICKET
    batch = [
        notice(1, NoticeKind.ERROR_NOTE, "galat:KeyError"),
        notice(2, relay),
        notice(3, note, "pengingat:7"),
        notice(4, NoticeKind.ERROR_NOTE, "galat:KeyError"),
        notice(5, note, "pengingat:8"),
        notice(6, note, "pengingat:7"),
        notice(7, relay),
    ]
    merged = [[n.id for n in group] for group in groups_to_post(batch)]
    assert merged == [[1, 4], [2], [3, 6], [5], [7]]
    few = [notice(i, card, "tiket_baru") for i in range(1, DIGEST_FROM)]
    assert [len(group) for group in groups_to_post(few)] == [1] * (DIGEST_FROM - 1)
    many = [notice(i, card, "tiket_baru") for i in range(1, DIGEST_FROM + 1)]
    assert [len(group) for group in groups_to_post([notice(0, relay), *many])] == [1, DIGEST_FROM]


async def test_drainer_posts_in_order_and_wakes_on_the_commit_that_added_a_notice(
    session_factory: Sessions,
    outbox_of: Callable[[FakeStaffChat], StaffOutbox],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(staff_outbox, "POLL_SECONDS", 600.0)  # only a wake-up can send soon
    chat = FakeStaffChat()
    outbox_of(chat)
    [first] = await add(session_factory)
    await eventually(lambda: chat.posted == [[first]], seconds=5)
    ids = await add(session_factory, 3)
    await eventually(lambda: len(chat.posted) == 4, seconds=5)
    assert chat.posted == [[first], *([i] for i in ids)]
    await eventually(lambda: all_sent(session_factory))
    assert all(n.attempts == 0 for n in await notices(session_factory))


async def test_a_staff_chat_down_for_now_holds_the_queue_then_everything_arrives_in_order(
    session_factory: Sessions, outbox_of: Callable[[FakeStaffChat], StaffOutbox]
) -> None:
    chat = FakeStaffChat(failures=[NetworkError("Bad Gateway"), RetryAfter(1)])
    outbox_of(chat)
    ids = await add(session_factory, 3)
    await eventually(lambda: len(chat.posted) == 3, seconds=10)  # after 1 s, then 1 s (429)
    assert chat.posted == [[i] for i in ids]
    await eventually(lambda: all_sent(session_factory))
    head, *rest = await notices(session_factory)
    assert (
        head.attempts == 2
        and head.last_error == "RetryAfter: Flood control exceeded. Retry in 1 seconds"
    )
    assert head.sent_at is not None and all(n.attempts == 0 and n.sent_at for n in rest)


async def test_a_send_that_can_never_succeed_is_given_up_with_an_audit_event(
    session_factory: Sessions, outbox_of: Callable[[FakeStaffChat], StaffOutbox]
) -> None:
    chat = FakeStaffChat(failures=[Forbidden("Forbidden: bot was kicked from the supergroup chat")])
    outbox_of(chat)
    kicked, after = await add(session_factory, 2)
    await eventually(lambda: chat.posted == [[after]])
    async with session_factory() as session:
        given_up = await session.get(StaffNotice, kicked)
        [audit] = await session.scalars(select(AuditEvent))
    assert given_up is not None and given_up.given_up_at and given_up.sent_at is None
    assert audit.action == GIVEN_UP_ACTION and f"note #{kicked}" in (audit.detail or "")
    assert "bot was kicked" in (audit.detail or "")


async def test_a_notice_failing_for_a_day_is_given_up(
    session_factory: Sessions, outbox_of: Callable[[FakeStaffChat], StaffOutbox]
) -> None:
    old, fresh = await add(session_factory, 2)
    async with session_factory() as session:
        day_ago = utcnow() - timedelta(hours=25)
        await session.execute(
            update(StaffNotice).where(StaffNotice.id == old).values(created_at=day_ago)
        )
        await session.commit()
    chat = FakeStaffChat(failures=[NetworkError("Bad Gateway")])
    outbox_of(chat)
    await eventually(lambda: chat.posted == [[fresh]])
    given_up = await stored(session_factory, old)
    assert given_up.given_up_at is not None and given_up.last_error == "NetworkError: Bad Gateway"


async def test_notices_waiting_together_are_merged(
    session_factory: Sessions, outbox_of: Callable[[FakeStaffChat], StaffOutbox]
) -> None:
    errors = await add(session_factory, 3, NoticeKind.ERROR_NOTE, key="galat:KeyError")
    cards = await add(
        session_factory, DIGEST_FROM, NoticeKind.NEW_TICKET, key="tiket_baru", ticket_id=1
    )
    chat = FakeStaffChat()
    outbox_of(chat)
    await eventually(lambda: len(chat.posted) == 2)
    assert chat.posted == [errors, cards]
    await eventually(lambda: all_sent(session_factory))


async def test_concurrent_claims_hand_out_each_notice_once(
    engine: AsyncEngine, session_factory: Sessions
) -> None:
    ids = await add(session_factory, 5)
    now = utcnow()

    async def claim() -> list[int]:
        async with session_factory() as session:
            claimed = await claim_notices(
                session, now=now, lease_until=now + timedelta(seconds=60), limit=10
            )
            await asyncio.sleep(0.05)  # hold the rows while the others try
            await session.commit()
            return [notice.id for notice in claimed]

    results = await asyncio.gather(*(claim() for _ in range(6)))
    assert sorted(results, key=len) == [[]] * 5 + [ids]


async def test_two_workers_never_post_the_same_notice_and_keep_the_order(
    migrated_url: str, session_factory: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not migrated_url.startswith("postgresql"):
        pytest.skip("several workers run on PostgreSQL only")
    monkeypatch.setattr(staff_outbox, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(staff_outbox, "BATCH", 4)
    ids = await add(session_factory, 60)
    log: list[int] = []
    chats = [FakeStaffChat(seconds_per_post=0.01, shared_log=log) for _ in range(2)]
    engines = [create_engine(migrated_url) for _ in chats]
    first, second = (
        StaffOutbox(engine, create_session_factory(engine), chat)
        for engine, chat in zip(engines, chats, strict=True)
    )
    try:
        first.start()
        await eventually(lambda: len(log) >= 10)
        second.start()  # both claim at once from here on
        await eventually(lambda: len(log) >= 30)
        await first.stop()  # a worker leaves in the middle of a batch: the other goes on
        await eventually(lambda: len(log) >= len(ids))
    finally:
        for worker in (first, second):
            await worker.stop()
        for engine in engines:
            await engine.dispose()
    assert log == ids  # each once, in order, whichever worker sent it
    assert all(chat.posted for chat in chats)
    assert await all_sent(session_factory)


async def test_what_a_dead_worker_was_sending_is_sent_once_its_lease_runs_out(
    engine: AsyncEngine, session_factory: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staff_outbox, "LEASE", timedelta(seconds=1))
    monkeypatch.setattr(staff_outbox, "POLL_SECONDS", 0.1)
    ids = await add(session_factory, 2)
    hanging = FakeStaffChat(seconds_per_post=3600)
    dying = StaffOutbox(engine, session_factory, hanging)
    dying.start()
    await eventually(lambda: leased(session_factory, ids))
    assert dying._task is not None
    dying._task.cancel()  # killed in the middle of the send, as by SIGKILL: nothing settled

    chat = FakeStaffChat()
    survivor = StaffOutbox(engine, session_factory, chat)
    started = time.monotonic()
    survivor.start()
    try:
        await eventually(lambda: chat.posted == [[i] for i in ids])
        assert time.monotonic() - started < 2.0
        await eventually(lambda: all_sent(session_factory))
    finally:
        await survivor.stop()


async def leased(sessions: Sessions, ids: list[int]) -> bool:
    now = utcnow()
    return all(notice.due_at > now for notice in await notices(sessions) if notice.id in ids)

"""The arrival log: many updates' first database work in one transaction, each update once.

An update is remembered (a repeat is dropped), its private sender registered (and told whether
a rating comment may be awaited), and its message logged: an admitted question filed under the
user's open ticket, a refused message with the refusal's action. A row the database refuses
fails its own update only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage import (
    ClosedBy,
    EscalationReason,
    Message,
    MessageDirection,
    ProcessedUpdate,
    Ticket,
    TicketStatus,
    User,
    claim_ticket,
    close_ticket,
    create_engine,
    create_session_factory,
    open_ticket,
    rate_ticket,
    request_rating_comment,
)
from bot.storage.arrivals import Admission, Arrival, ArrivalLog, InboundMessage, Sender
from bot.storage.users import mark_user_inactive
from tests.storage.conftest import CountingJudge, MakeUser

CASE = EscalationReason.KONSULTASI_KASUS
RATE_LIMITED = "rate_limited"


def _sender(
    user_id: int,
    *,
    chat_id: int | None = None,
    first_name: str | None = "Sari",
    username: str | None = None,
) -> Sender:
    return Sender(
        user_id=user_id,
        chat_id=user_id if chat_id is None else chat_id,
        first_name=first_name,
        username=username,
    )


def _message(
    user_id: int,
    telegram_message_id: int,
    text: str | None,
    *,
    chat_id: int | None = None,
    kind: str = "text",
    is_question: bool = True,
) -> InboundMessage:
    return InboundMessage(
        chat_id=user_id if chat_id is None else chat_id,
        user_id=user_id,
        text=text,
        kind=kind,
        telegram_message_id=telegram_message_id,
        is_question=is_question,
    )


def _question(
    update_id: int,
    user_id: int,
    text: str,
    *,
    sender: Sender | None = None,
    judge: CountingJudge | None = None,
) -> Arrival:
    """A private text question of ``user_id`` (telegram message id = update id + 1000)."""
    return Arrival(
        update_id=update_id,
        sender=sender or _sender(user_id),
        message=_message(user_id, update_id + 1000, text),
        judge=judge,
    )


def _question_id(admission: Admission) -> int:
    """The id of the question the admission logged (there must be one)."""
    assert admission.question is not None
    return admission.question.message_id


async def _inbound(sessions: async_sessionmaker[AsyncSession]) -> list[Message]:
    """Every stored message, in the order of their ids (read through a fresh session)."""
    async with sessions() as session:
        return list(await session.scalars(select(Message).order_by(Message.id)))


async def _processed(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    async with sessions() as session:
        rows = await session.scalars(select(ProcessedUpdate.update_id))
        return sorted(rows)


async def _users(sessions: async_sessionmaker[AsyncSession]) -> dict[int, User]:
    async with sessions() as session:
        return {user.telegram_user_id: user for user in await session.scalars(select(User))}


async def _record_all(log: ArrivalLog, arrivals: Sequence[Arrival]) -> list[Admission]:
    """Queue all the arrivals before the writer runs, so that they make one batch."""
    return list(await asyncio.gather(*(log.record(arrival) for arrival in arrivals)))


async def _comment_requested_ticket(session: AsyncSession, user_id: int) -> Ticket:
    ticket, _ = await open_ticket(session, user_id=user_id, reason=CASE, question="tolong")
    await close_ticket(session, ticket_id=ticket.id, closed_by=ClosedBy.KONSULTAN)
    assert await rate_ticket(session, ticket_id=ticket.id, user_id=user_id, rating=5)
    assert await request_rating_comment(session, ticket_id=ticket.id, user_id=user_id)
    await session.commit()
    return ticket


async def test_arrivals_gathered_at_once_are_written_in_one_transaction_in_order(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda _connection: commits.append(1))
    users = [201, 202, 203, 204, 205]
    arrivals = [
        _question(
            100 + n,
            users[n % len(users)],
            f"pertanyaan {n}",
            sender=_sender(users[n % len(users)], first_name=f"Nama {users[n % len(users)]}"),
        )
        for n in range(40)
    ]
    log = ArrivalLog(session_factory)
    try:
        admissions = await _record_all(log, arrivals)
    finally:
        await log.close()

    assert log.transactions == 1
    assert len(commits) == 1
    assert all(a.new and not a.comment_requested and a.ticket is None for a in admissions)
    questions = [a.question for a in admissions]
    assert all(q is not None and q.ticket_id is None for q in questions)
    message_ids = [q.message_id for q in questions if q is not None]
    assert message_ids == sorted(message_ids) and len(set(message_ids)) == 40

    stored = await _inbound(session_factory)
    assert [m.id for m in stored] == message_ids  # ascending in the order of queueing
    assert [
        (m.chat_id, m.user_id, m.direction, m.text, m.kind, m.telegram_message_id) for m in stored
    ] == [
        (
            users[n % 5],
            users[n % 5],
            MessageDirection.IN,
            f"pertanyaan {n}",
            "text",
            1100 + n,
        )
        for n in range(40)
    ]
    assert all(m.action is None and m.ticket_id is None and m.intent is None for m in stored)
    assert await _processed(session_factory) == list(range(100, 140))

    registered = await _users(session_factory)
    assert sorted(registered) == users
    for user_id, user in registered.items():
        assert (user.chat_id, user.first_name, user.username, user.active) == (
            user_id,
            f"Nama {user_id}",
            None,
            True,
        )
        assert user.pseudonym.startswith("ASN-") and len(user.pseudonym) == 9
    assert len({user.pseudonym for user in registered.values()}) == 5


async def test_a_later_batch_gets_later_message_ids(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    log = ArrivalLog(session_factory)
    try:
        first = await _record_all(log, [_question(1, 7, "satu"), _question(2, 8, "dua")])
        second = await _record_all(log, [_question(3, 7, "tiga")])
    finally:
        await log.close()
    assert log.transactions == 2
    ids = [a.question.message_id for a in first + second if a.question is not None]
    assert len(ids) == 3 and ids == sorted(ids)
    assert [m.text for m in await _inbound(session_factory)] == ["satu", "dua", "tiga"]


async def test_a_repeated_update_is_dropped_without_being_judged_or_logged(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    log = ArrivalLog(session_factory)
    try:
        [first] = await _record_all(log, [_question(10, 7, "pertama")])
        repeat_judge, new_judge, twin_judge = CountingJudge(), CountingJudge(), CountingJudge()
        admissions = await _record_all(
            log,
            [
                _question(
                    10,
                    7,
                    "ulang",
                    sender=_sender(7, first_name="Nama Lain", username="lain"),
                    judge=repeat_judge,
                ),
                _question(11, 8, "baru", judge=new_judge),
                _question(11, 9, "kembar", judge=twin_judge),
            ],
        )
    finally:
        await log.close()

    assert first.new and first.question is not None
    repeat, new, twin = admissions
    assert repeat == Admission(new=False) and twin == Admission(new=False)
    assert repeat.question is None and twin.question is None
    assert new.new and new.question is not None and not new.comment_requested
    assert (repeat_judge.calls, new_judge.calls, twin_judge.calls) == (0, 1, 0)

    stored = await _inbound(session_factory)
    assert [(m.user_id, m.text) for m in stored] == [(7, "pertama"), (8, "baru")]
    assert [m.id for m in stored] == [first.question.message_id, new.question.message_id]
    assert await _processed(session_factory) == [10, 11]
    registered = await _users(session_factory)
    assert sorted(registered) == [7, 8]  # the twin's sender (9) is not registered
    assert (registered[7].first_name, registered[7].username) == ("Sari", None)  # nor updated


async def test_an_update_delivered_to_two_workers_is_new_to_one_of_them(
    migrated_url: str,
) -> None:
    engines = [create_engine(migrated_url), create_engine(migrated_url)]
    logs = [ArrivalLog(create_session_factory(engine)) for engine in engines]
    try:
        for update_id in range(1, 11):
            first, second = await asyncio.gather(
                *(log.record(_question(update_id, 7, f"q{update_id}")) for log in logs)
            )
            assert sorted([first.new, second.new]) == [False, True]
    finally:
        for log in logs:
            await log.close()
        for engine in engines:
            await engine.dispose()


async def test_senders_are_registered_and_told_whether_a_comment_is_awaited(
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    make_user: MakeUser,
) -> None:
    known = await make_user(7, first_name="Sari", username="sari")
    await make_user(8, first_name="Budi")
    await make_user(9, first_name="Wati")
    assert await mark_user_inactive(session, user_id=9)
    await session.commit()
    rated = await _comment_requested_ticket(session, 8)
    pseudonyms = {
        user_id: user.pseudonym for user_id, user in (await _users(session_factory)).items()
    }
    assert set(pseudonyms) == {7, 8, 9} and pseudonyms[7] == known.pseudonym

    log = ArrivalLog(session_factory)
    try:
        renamed, commenting, returning, newcomer = await _record_all(
            log,
            [
                Arrival(
                    update_id=1,
                    sender=_sender(7, chat_id=77, first_name="Sari Dewi", username="sari_dewi"),
                    message=_message(7, 501, "pertanyaan Sari", chat_id=77),
                ),
                _question(2, 8, "sangat membantu", sender=_sender(8, first_name="Budi")),
                _question(3, 9, "pertanyaan Wati", sender=_sender(9, first_name="Wati")),
                _question(4, 10, "pertanyaan Tono", sender=_sender(10, first_name="Tono")),
            ],
        )
    finally:
        await log.close()

    assert renamed.new and not renamed.comment_requested and renamed.question is not None
    assert commenting.new and commenting.comment_requested
    assert commenting.question is None and commenting.ticket is None
    assert returning.new and not returning.comment_requested and returning.question is not None
    assert newcomer.new and not newcomer.comment_requested and newcomer.question is not None

    registered = await _users(session_factory)
    assert {
        user_id: (u.chat_id, u.first_name, u.username, u.active, u.pseudonym)
        for user_id, u in registered.items()
    } == {
        7: (77, "Sari Dewi", "sari_dewi", True, pseudonyms[7]),
        8: (8, "Budi", None, True, pseudonyms[8]),
        9: (9, "Wati", None, True, pseudonyms[9]),
        10: (10, "Tono", None, True, registered[10].pseudonym),
    }
    assert registered[10].pseudonym.startswith("ASN-")
    assert registered[10].pseudonym not in pseudonyms.values()

    stored = await _inbound(session_factory)
    assert [(m.chat_id, m.user_id, m.text, m.telegram_message_id) for m in stored] == [
        (77, 7, "pertanyaan Sari", 501),
        (9, 9, "pertanyaan Wati", 1003),
        (10, 10, "pertanyaan Tono", 1004),
    ]
    assert all(m.action is None and m.ticket_id is None for m in stored)
    async with session_factory() as check:
        ticket = await check.get(Ticket, rated.id)
        assert ticket is not None and ticket.comment_requested_at is not None  # untouched


async def test_a_question_is_filed_under_the_open_ticket_but_not_a_closed_one(
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    make_user: MakeUser,
) -> None:
    for user_id in (7, 8, 9, 10):
        await make_user(user_id)
    new_ticket, _ = await open_ticket(session, user_id=7, reason=CASE, question="awal 7")
    claimed_ticket, _ = await open_ticket(session, user_id=9, reason=CASE, question="awal 9")
    claim = await claim_ticket(
        session, ticket_id=claimed_ticket.id, consultant_id=555, consultant_name="Konsultan"
    )
    assert claim.claimed
    closed_ticket, _ = await open_ticket(session, user_id=8, reason=CASE, question="awal 8")
    await close_ticket(session, ticket_id=closed_ticket.id, closed_by=ClosedBy.KONSULTAN)
    await session.commit()

    log = ArrivalLog(session_factory)
    try:
        with_new, with_closed, with_claimed, without = await _record_all(
            log,
            [
                _question(1, 7, "lanjutan 7"),
                _question(2, 8, "lanjutan 8"),
                _question(3, 9, "lanjutan 9"),
                _question(4, 10, "pertanyaan 10"),
            ],
        )
    finally:
        await log.close()

    assert with_new.question is not None and with_new.question.ticket_id == new_ticket.id
    assert with_new.ticket is not None
    assert (with_new.ticket.id, with_new.ticket.user_id, with_new.ticket.status) == (
        new_ticket.id,
        7,
        TicketStatus.BARU,
    )
    assert with_claimed.question is not None
    assert with_claimed.question.ticket_id == claimed_ticket.id
    assert with_claimed.ticket is not None
    assert (with_claimed.ticket.id, with_claimed.ticket.status) == (
        claimed_ticket.id,
        TicketStatus.DIAMBIL,
    )
    for unfiled in (with_closed, without):
        assert unfiled.question is not None and unfiled.question.ticket_id is None
        assert unfiled.ticket is None

    ids = [_question_id(a) for a in (with_new, with_closed, with_claimed, without)]
    stored = await _inbound(session_factory)
    assert [(m.id, m.user_id, m.text, m.ticket_id) for m in stored] == [
        (ids[0], 7, "lanjutan 7", new_ticket.id),
        (ids[1], 8, "lanjutan 8", None),
        (ids[2], 9, "lanjutan 9", claimed_ticket.id),
        (ids[3], 10, "pertanyaan 10", None),
    ]


async def test_a_refused_message_is_logged_with_the_refusal_judged_once(
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    make_user: MakeUser,
) -> None:
    await make_user(7)
    await open_ticket(session, user_id=7, reason=CASE, question="awal")
    await session.commit()
    refuse_text, refuse_photo, admit = (
        CountingJudge(RATE_LIMITED),
        CountingJudge(RATE_LIMITED),
        CountingJudge(None),
    )
    log = ArrivalLog(session_factory)
    try:
        refused, refused_photo, admitted = await _record_all(
            log,
            [
                _question(1, 7, "terlalu cepat", judge=refuse_text),
                Arrival(
                    update_id=2,
                    sender=_sender(8),
                    message=_message(8, 1002, "keterangan", kind="photo", is_question=False),
                    judge=refuse_photo,
                ),
                _question(3, 9, "boleh", judge=admit),
            ],
        )
    finally:
        await log.close()

    assert (refuse_text.calls, refuse_photo.calls, admit.calls) == (1, 1, 1)
    assert refused == Admission(new=True, comment_requested=False, question=None, ticket=None)
    assert refused_photo == Admission(new=True, comment_requested=False)
    assert admitted.question is not None and admitted.question.ticket_id is None

    stored = await _inbound(session_factory)
    assert [
        (m.user_id, m.text, m.kind, m.telegram_message_id, m.action, m.ticket_id) for m in stored
    ] == [
        (7, "terlalu cepat", "text", 1001, RATE_LIMITED, None),  # not filed under the ticket
        (8, "keterangan", "photo", 1002, RATE_LIMITED, None),
        (9, "boleh", "text", 1003, None, None),
    ]
    assert admitted.question.message_id == stored[2].id


async def test_an_admitted_message_that_is_no_question_is_left_to_the_handlers(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    judge = CountingJudge(None)
    log = ArrivalLog(session_factory)
    try:
        command, sticker, bare = await _record_all(
            log,
            [
                Arrival(
                    update_id=1,
                    sender=_sender(7),
                    message=_message(7, 1001, "/start", is_question=False),
                    judge=judge,
                ),
                Arrival(
                    update_id=2,
                    sender=_sender(8),
                    message=_message(8, 1002, None, kind="sticker", is_question=False),
                ),
                Arrival(update_id=3),  # e.g. a staff group's update: nothing but the id
            ],
        )
    finally:
        await log.close()

    assert command == Admission(new=True, comment_requested=False)
    assert sticker == Admission(new=True, comment_requested=False)
    assert bare == Admission(new=True, comment_requested=True)  # no sender: not known
    assert judge.calls == 1
    assert await _inbound(session_factory) == []
    assert await _processed(session_factory) == [1, 2, 3]
    assert sorted(await _users(session_factory)) == [7, 8]


async def test_a_row_the_database_refuses_fails_only_its_own_arrival(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    judges = [
        CountingJudge(),
        CountingJudge(RATE_LIMITED),
        CountingJudge(),
        CountingJudge(RATE_LIMITED),
    ]
    bad = Arrival(  # logged as refused for a user who does not exist: a foreign key violation
        update_id=2,
        message=_message(999_999, 1002, "tanpa pengguna"),
        judge=judges[1],
    )
    log = ArrivalLog(session_factory)
    try:
        results = await asyncio.gather(
            log.record(_question(1, 7, "baik 1", judge=judges[0])),
            log.record(bad),
            log.record(_question(3, 8, "baik 3", judge=judges[2])),
            log.record(_question(4, 9, "ditolak 4", judge=judges[3])),
            return_exceptions=True,
        )
    finally:
        await log.close()

    first, failed, third, refused = results
    assert isinstance(failed, IntegrityError)
    assert isinstance(first, Admission) and first.question is not None
    assert isinstance(third, Admission) and third.question is not None
    assert refused == Admission(new=True, comment_requested=False)
    assert [judge.calls for judge in judges] == [1, 1, 1, 1]  # not again when redone
    assert log.transactions == 3  # the batch failed; each good arrival was redone alone

    stored = await _inbound(session_factory)
    assert [(m.user_id, m.text, m.action) for m in stored] == [
        (7, "baik 1", None),
        (8, "baik 3", None),
        (9, "ditolak 4", RATE_LIMITED),
    ]
    assert [stored[0].id, stored[1].id] == [first.question.message_id, third.question.message_id]
    assert await _processed(session_factory) == [1, 3, 4]  # the failed one may come again
    assert sorted(await _users(session_factory)) == [7, 8, 9]


@pytest.mark.parametrize("twins", [1, 3])
async def test_the_same_user_several_times_in_a_batch_is_registered_once(
    session_factory: async_sessionmaker[AsyncSession], twins: int
) -> None:
    log = ArrivalLog(session_factory)
    try:
        admissions = await _record_all(
            log, [_question(n, 7, f"pertanyaan {n}") for n in range(1, twins + 1)]
        )
    finally:
        await log.close()
    assert all(a.new and a.question is not None for a in admissions)
    registered = await _users(session_factory)
    assert list(registered) == [7] and registered[7].pseudonym.startswith("ASN-")
    assert [m.text for m in await _inbound(session_factory)] == [
        f"pertanyaan {n}" for n in range(1, twins + 1)
    ]

"""Hand-over, coordinator override and auto-release (issue 22, item 2), end to end: the real
bot process, the Bot API stand-in, real Rasa, SQLite and PostgreSQL.

The owner offers a ticket with /alihkan N (a button per known colleague, or as a reply to the
colleague's message); only the named receiver may accept or decline under the card. A
coordinator takes over (/ambil_alih N) or releases (/lepas N) a colleague's ticket; others are
refused. A silent owner's ticket goes back to the queue in office time. The ASN is told who now
handles the case: by role, by name once the consultant chose /tampilkan_nama.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import AuditEvent, Ticket, TicketStatus
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import (
    ALWAYS_OPEN,
    ON_SQLITE_AND_POSTGRESQL,
    STAFF_CHAT_ID,
    open_ticket_through_the_bot,
)
from tests.e2e.queue_clock import QueueClock
from tests.e2e.test_reminders import at, next_christmas_on_a_weekday, working_day_after
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord

pytestmark = [pytest.mark.e2e, pytest.mark.rasa, ON_SQLITE_AND_POSTGRESQL]

ASN = FakeUser(861, first_name="Sari")
ANDI = FakeUser(7001, first_name="Andi")
BUDI = FakeUser(7002, first_name="Budi")
CITRA = FakeUser(7003, first_name="Citra")
"""Citra is the coordinator."""
CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
BY_ROLE = "kini ditangani konsultan LKBH KORPRI lain"
BACK_IN_QUEUE = "kembali ke antrean"


async def run_bot(
    standin: BotApiStandIn, env: dict[str, str], tmp_path: Path, queue: dict[str, object]
) -> BotProcess:
    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump({"queue": queue}))
    full = {**env, "COORDINATOR_IDS": str(CITRA.id), "TANYA_NETRAL_CONFIG": str(config)}
    process = BotProcess(standin, tmp_path / "bot.log", **full)
    await process.start()
    return process


@pytest.fixture
async def team_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    """Office hours always open (no after-hours notices among the messages)."""
    process = await run_bot(standin, bot_env, tmp_path, ALWAYS_OPEN)
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


def saying(words: str) -> Callable[[SentRecord], bool]:
    return lambda record: words in text_of(record)


async def claimed_ticket(
    standin: BotApiStandIn, db: async_sessionmaker[AsyncSession], owner: FakeUser
) -> tuple[int, SentRecord]:
    """The ASN's case becomes a ticket and ``owner`` claims it: its number and its card."""
    n = await open_ticket_through_the_bot(standin, db, ASN, CASE)
    [card] = await standin.wait_for_sent(
        lambda r: f"tiket:ambil:{n}" in r.callback_data, chat_id=STAFF_CHAT_ID, timeout=20
    )
    mark = len(standin.sent)
    await standin.press_button(owner, card, f"tiket:ambil:{n}", chat_id=STAFF_CHAT_ID)
    await standin.wait_for_sent(saying("sudah ditangani"), chat_id=ASN.id, since=mark)
    return n, card


async def in_group(standin: BotApiStandIn, who: FakeUser, text: str, **where: int) -> SentRecord:
    """``who`` writes in the staff group; the bot's first answer there."""
    mark = len(standin.sent)
    sent = await standin.send_text(who, text, chat_id=STAFF_CHAT_ID, **where)  # type: ignore[arg-type]
    [reply] = await standin.wait_for_sent(
        lambda r: r.reply_to_message_id == sent["message"]["message_id"],
        chat_id=STAFF_CHAT_ID,
        since=mark,
    )
    return reply


async def press(standin: BotApiStandIn, who: FakeUser, message: SentRecord, data: str) -> str:
    """Press a button; the bot's answer to the press."""
    answered = len(standin.callback_answers)
    await standin.press_button(who, message, data, chat_id=message.chat_id)
    await standin.wait_for_call(
        "answerCallbackQuery", lambda call: call.status == 200, count=answered + 1
    )
    return standin.callback_answers[answered].text or ""


async def choose_to_show_name(standin: BotApiStandIn, who: FakeUser) -> None:
    """/tampilkan_nama in the consultant's private chat, then [Tampilkan nama saya]."""
    mark = len(standin.sent)
    await standin.send_text(who, "/tampilkan_nama")
    [ask] = await standin.wait_for_sent(saying("ASN melihat"), chat_id=who.id, since=mark)
    await press(standin, who, ask, "namakonsultan:nama")
    await standin.wait_for_call(
        "editMessageText", lambda c: "Konsultan LKBH KORPRI (" in str(c.params.get("text"))
    )


async def owner_of(db: async_sessionmaker[AsyncSession], n: int) -> tuple[str, int | None]:
    async with db() as session:
        ticket = await session.get(Ticket, n)
        assert ticket is not None
        return ticket.status.value, ticket.consultant_id


async def audit(db: async_sessionmaker[AsyncSession], n: int) -> list[str]:
    async with db() as session:
        statement = select(AuditEvent.action).where(AuditEvent.ticket_id == n)
        return list(await session.scalars(statement.order_by(AuditEvent.id)))


async def test_hand_over_accepted_by_the_named_receiver_the_asn_told_by_role_then_name(
    standin: BotApiStandIn, team_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    # Budi has used a staff command, so the bot knows him; Citra has not.
    mark = len(standin.sent)
    await standin.send_text(BUDI, "/tampilkan_nama")
    await standin.wait_for_sent(chat_id=BUDI.id, since=mark)
    n, card = await claimed_ticket(standin, db, ANDI)

    choice = await in_group(standin, ANDI, f"/alihkan {n}")
    assert choice.callback_data == [f"alihkan:{n}:{BUDI.id}"]
    mark = len(standin.sent)
    await press(standin, ANDI, choice, f"alihkan:{n}:{BUDI.id}")
    [offer] = await standin.wait_for_sent(
        lambda r: f"alihan:terima:{n}" in r.callback_data, chat_id=STAFF_CHAT_ID, since=mark
    )
    assert offer.reply_to_message_id == card.message_id  # under the card
    assert "Andi menawarkan" in text_of(offer) and "kepada Budi" in text_of(offer)

    # Nobody but Budi may answer the offer.
    refused = await press(standin, ANDI, offer, f"alihan:terima:{n}")
    assert "hanya dia" in refused and "Budi" in refused
    assert await owner_of(db, n) == ("diambil", ANDI.id)

    mark = len(standin.sent)
    await press(standin, BUDI, offer, f"alihan:terima:{n}")
    [told] = await standin.wait_for_sent(saying(BY_ROLE), chat_id=ASN.id, since=mark)
    assert "Budi" not in text_of(told)
    assert await owner_of(db, n) == ("diambil", BUDI.id)
    assert (await audit(db, n))[-2:] == ["alihkan", "terima_alihan"]

    # The former owner's answer is refused; the new owner's reaches the ASN, by role.
    mark = len(standin.sent)
    refusal = await in_group(standin, ANDI, f"/jawab {n} Jawaban dari Andi")
    assert "sedang ditangani Budi" in text_of(refusal)
    await in_group(standin, BUDI, f"/jawab {n} Baik Bu, saya lanjutkan kasusnya.")
    [answer] = await standin.wait_for_sent(saying("saya lanjutkan"), chat_id=ASN.id, since=mark)
    assert text_of(answer).startswith("💬 Konsultan LKBH KORPRI:")
    assert not [r for r in standin.sent_to(ASN.id)[-3:] if "Jawaban dari Andi" in text_of(r)]
    async with db() as session:  # the owner's answer counts as acting on it (auto-release)
        ticket = await session.get(Ticket, n)
        assert ticket is not None and ticket.claimed_at is not None
        assert ticket.owner_active_at is not None and ticket.owner_active_at > ticket.claimed_at

    # Budi chooses to show his name: his next answer carries it.
    await choose_to_show_name(standin, BUDI)
    mark = len(standin.sent)
    await in_group(standin, BUDI, f"/jawab {n} Mohon kirim surat panggilannya.")
    [named] = await standin.wait_for_sent(saying("surat panggilannya"), chat_id=ASN.id, since=mark)
    assert text_of(named).startswith("💬 Konsultan LKBH KORPRI (Budi):")
    assert (await audit(db, n))[-1] == "jawab"


async def test_decline_coordinator_release_and_takeover_others_refused(
    standin: BotApiStandIn, team_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    n, _ = await claimed_ticket(standin, db, ANDI)
    # Andi names Budi by replying to his message in the group.
    talk = await standin.send_text(BUDI, "Saya bisa bantu kasus bawaslu", chat_id=STAFF_CHAT_ID)
    sent = await in_group(
        standin, ANDI, f"/alihkan {n}", reply_to_message_id=talk["message"]["message_id"]
    )
    assert "ditawarkan kepada Budi" in text_of(sent)
    [offer] = await standin.wait_for_sent(
        lambda r: f"alihan:tolak:{n}" in r.callback_data, chat_id=STAFF_CHAT_ID
    )
    mark = len(standin.sent)
    await press(standin, BUDI, offer, f"alihan:tolak:{n}")
    # Andi never wrote to the bot privately: he hears it in the group.
    await standin.wait_for_sent(saying("Budi menolak"), chat_id=STAFF_CHAT_ID, since=mark)
    async with db() as session:
        ticket = await session.get(Ticket, n)
        assert ticket is not None and ticket.transfer_to_id is None
    assert (await owner_of(db, n)) == ("diambil", ANDI.id)
    assert (await audit(db, n))[-1] == "tolak_alihan"

    # A consultant who is not a coordinator can neither take over nor release it.
    assert "hanya koordinator" in text_of(await in_group(standin, BUDI, f"/ambil_alih {n}"))
    assert "sedang ditangani Andi" in text_of(await in_group(standin, BUDI, f"/lepas {n}"))
    assert await owner_of(db, n) == ("diambil", ANDI.id)

    # The coordinator releases Andi's ticket: back in the queue, the ASN and Andi told.
    mark = len(standin.sent)
    reply = await in_group(standin, CITRA, f"/lepas {n}")
    assert "dikembalikan ke antrian" in text_of(reply)
    await standin.wait_for_sent(saying(BACK_IN_QUEUE), chat_id=ASN.id, since=mark)
    await standin.wait_for_sent(
        saying("Koordinator Citra mengembalikan"), chat_id=STAFF_CHAT_ID, since=mark
    )
    assert await owner_of(db, n) == ("baru", None)
    assert (await audit(db, n))[-1] == "lepas_koordinator"

    # Andi claims it again; the coordinator, showing her name, takes it over.
    await in_group(standin, ANDI, f"/ambil {n}")
    await choose_to_show_name(standin, CITRA)
    mark = len(standin.sent)
    await in_group(standin, CITRA, f"/ambil_alih {n}")
    [told] = await standin.wait_for_sent(
        saying("kini ditangani konsultan LKBH KORPRI Citra"), chat_id=ASN.id, since=mark
    )
    await standin.wait_for_sent(
        saying("Koordinator Citra mengambil alih"), chat_id=STAFF_CHAT_ID, since=mark
    )
    assert await owner_of(db, n) == ("diambil", CITRA.id)
    assert (await audit(db, n))[-1] == "ambil_alih"
    assert "lain" not in text_of(told)


# -- auto-release -------------------------------------------------------------------------------

QUIET_SECONDS = 3.0


@pytest.fixture
async def clock(tmp_path: Path) -> QueueClock:
    return QueueClock(tmp_path / "queue_clock")


@pytest.fixture
async def releasing_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path, clock: QueueClock
) -> AsyncIterator[BotProcess]:
    """Default office hours, holidays off; an owner silent 30 minutes of office time loses the
    ticket; the queue clock on Natal, 10.00."""
    clock.set(at(next_christmas_on_a_weekday(), 10))
    queue = {
        "release_silent_owner_minutes": 30,
        "remind_unclaimed_minutes": 0,  # the queue is checked every second
        "remind_unanswered_minutes": 600,
        "remind_every_minutes": 600,
        "auto_close_days": 3650,
    }
    process = await run_bot(standin, {**bot_env, **clock.env}, tmp_path, queue)
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


async def test_a_silent_owner_loses_the_ticket_in_office_time_once_and_is_told(
    standin: BotApiStandIn,
    releasing_bot: BotProcess,
    db: async_sessionmaker[AsyncSession],
    clock: QueueClock,
) -> None:
    mark = len(standin.sent)
    await standin.send_text(ANDI, "/antrian")  # Andi has a private chat with the bot
    await standin.wait_for_sent(chat_id=ANDI.id, since=mark)
    n, card = await claimed_ticket(standin, db, ANDI)
    # Natal: a holiday, the office is closed; silence does not count.
    await asyncio.sleep(QUIET_SECONDS)
    assert await owner_of(db, n) == ("diambil", ANDI.id)

    mark = len(standin.sent)
    clock.set(at(working_day_after(next_christmas_on_a_weekday()), 9))
    [private] = await standin.wait_for_sent(saying(BACK_IN_QUEUE), chat_id=ANDI.id, since=mark)
    assert f"/ambil {n}" in text_of(private)
    [group] = await standin.wait_for_sent(
        saying("belum menindaklanjutinya"), chat_id=STAFF_CHAT_ID, since=mark
    )
    assert group.reply_to_message_id == card.message_id and "Andi" in text_of(group)
    await standin.wait_for_sent(saying(BACK_IN_QUEUE), chat_id=ASN.id, since=mark)
    assert await owner_of(db, n) == ("baru", None)
    await asyncio.sleep(QUIET_SECONDS)  # the check runs every second: still once
    told = [
        r.chat_id
        for r in standin.sent[mark:]
        if r.method == "sendMessage" and BACK_IN_QUEUE in text_of(r)
    ]
    assert sorted(told) == sorted([ANDI.id, ASN.id, STAFF_CHAT_ID]), told
    assert (await audit(db, n)).count("lepas_otomatis") == 1
    async with db() as session:
        ticket = await session.get(Ticket, n)
        assert ticket is not None and ticket.status == TicketStatus.BARU

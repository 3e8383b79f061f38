"""/antrian at peak, end to end: 35 open tickets in every state, paged and filtered with buttons
that edit the one message in place, live waiting times, and presses that must do nothing.

The bulk of the queue is written into the database before the bot starts (the journey that
makes a ticket is not the point here); three tickets take the real path — a case handed
over, /ambil, /jawab and the ASN writing again — so "waiting for our reply" is read from what
the bot itself logged. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.knowledge import load_knowledge_base
from bot.storage import (
    ClosedBy,
    EscalationReason,
    Message,
    MessageDirection,
    Ticket,
    claim_ticket,
    close_ticket,
    create_engine,
    create_session_factory,
    get_or_create_user,
    get_ticket,
    open_ticket,
    record_first_reply,
    upgrade_database_async,
    utcnow,
)
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import ON_SQLITE_AND_POSTGRESQL, STAFF_CHAT_ID, open_ticket_through_the_bot
from tests.telegram_standin import BotApiStandIn, FakeUser

pytestmark = [pytest.mark.e2e, pytest.mark.rasa, ON_SQLITE_AND_POSTGRESQL]

ANDI = FakeUser(7001, first_name="Andi", last_name="Konsultan")
BUDI = FakeUser(7002, first_name="Budi", last_name="Konsultan")
OUTSIDER = FakeUser(9201, first_name="Tamu")
ASNS = [FakeUser(8400 + n, first_name=f"Asn{n}") for n in range(3)]
SEEDED = 32
TOPICS = ("media_sosial", "kampanye", "konsultasi_kasus", None)
KNOWLEDGE = load_knowledge_base()


@dataclass(frozen=True)
class Seeded:
    """A ticket written before the bot started: its id, pseudonym and state."""

    ticket_id: int
    pseudonym: str
    state: str  # baru | andi_menunggu | budi_dibalas | budi_menunggu


async def seed_queue(url: str) -> list[Seeded]:
    """32 open tickets opened 400 to 369 minutes ago, in four states by turn: unclaimed;
    Andi's, never answered; Budi's, answered; Budi's, answered and the ASN wrote again."""
    await upgrade_database_async(url)
    engine = create_engine(url)
    now, seeded = utcnow(), []
    try:
        async with create_session_factory(engine)() as session:
            for n in range(SEEDED):
                user_id = 20000 + n
                user = await get_or_create_user(
                    session,
                    user_id=user_id,
                    chat_id=user_id,
                    first_name=f"Pengguna{n}",
                    username=None,
                )
                ticket, _ = await open_ticket(
                    session,
                    user_id=user_id,
                    reason=EscalationReason.KONSULTASI_KASUS,
                    question=f"pertanyaan {n}",
                    topic=TOPICS[n % len(TOPICS)],
                )
                opened = now - timedelta(minutes=400 - n)
                await session.execute(
                    update(Ticket).where(Ticket.id == ticket.id).values(created_at=opened)
                )
                state = ("baru", "andi_menunggu", "budi_dibalas", "budi_menunggu")[n % 4]
                if state != "baru":
                    owner = ANDI if state.startswith("andi") else BUDI
                    await claim_ticket(
                        session,
                        ticket_id=ticket.id,
                        consultant_id=owner.id,
                        consultant_name=f"{owner.first_name} {owner.last_name}",
                    )
                if state.startswith("budi"):
                    await said(session, ticket.id, user_id, opened + timedelta(minutes=20), "out")
                if state == "budi_menunggu":  # waiting since 100 - n minutes
                    await said(session, ticket.id, user_id, now - timedelta(minutes=100 - n), "in")
                seeded.append(Seeded(ticket.id, user.pseudonym, state))
            await session.commit()
    finally:
        await engine.dispose()
    return seeded


async def said(
    session: AsyncSession, ticket_id: int, user_id: int, at: datetime, direction: str
) -> None:
    """The ASN's message (``in``) or a consultant's answer (``out``) in the ticket, at ``at``."""
    answer = direction == "out"
    session.add(
        Message(
            chat_id=user_id,
            user_id=user_id,
            direction=MessageDirection(direction),
            text="jawaban" if answer else "pak, bagaimana?",
            action="konsultan" if answer else None,
            ticket_id=ticket_id,
            created_at=at,
        )
    )
    await session.flush()
    if answer:
        await record_first_reply(session, ticket_id=ticket_id, at=at)


@pytest.fixture
async def seeded(database_url: str) -> list[Seeded]:
    return await seed_queue(database_url)


@pytest.fixture
async def queue_bot(
    seeded: list[Seeded], standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    """The bot, started on the seeded queue; no reminders of its old tickets take the staff
    group's send budget (20 messages a minute) from the replies this test waits for."""
    config = tmp_path / "config.yml"
    never = 10 * 365 * 24 * 60
    config.write_text(
        f"queue:\n  remind_unclaimed_minutes: {never}\n  remind_unanswered_minutes: {never}\n"
    )
    env = {**bot_env, "TANYA_NETRAL_CONFIG": str(config)}
    process = BotProcess(standin, tmp_path / "bot.log", **env)
    await process.start()
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


async def staff_command(standin: BotApiStandIn, user: FakeUser, text: str) -> tuple[int, str]:
    """Send a command in the staff group; return the bot's reply to it (id and text)."""
    mark = len(standin.sent)
    sent = await standin.send_text(user, text, chat_id=STAFF_CHAT_ID)
    command_id = sent["message"]["message_id"]
    [reply] = await standin.wait_for_sent(
        lambda r: r.method == "sendMessage" and r.reply_to_message_id == command_id,
        chat_id=STAFF_CHAT_ID,
        since=mark,
        timeout=20,
    )
    assert reply.message_id is not None
    return reply.message_id, reply.plain_text or ""


def shown(standin: BotApiStandIn, message_id: int) -> tuple[str, list[list[str]], list[str]]:
    """The queue message as it is now: its text, its buttons' labels by row, their data."""
    message = standin.message(STAFF_CHAT_ID, message_id)
    assert message is not None
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    labels = [[button["text"] for button in row] for row in rows]
    data = [button["callback_data"] for row in rows for button in row]
    return message["text"], labels, data


async def press(standin: BotApiStandIn, user: FakeUser, message_id: int, data: str) -> str:
    """Press a button of the queue message; wait until the press is answered; return the
    message's text as it is then."""
    answered = len(standin.callback_answers)
    await standin.press_button(user, message_id, data, chat_id=STAFF_CHAT_ID)
    await standin.wait_for_call(
        "answerCallbackQuery", lambda c: c.status == 200, count=answered + 1, timeout=20
    )
    return shown(standin, message_id)[0]


def ticket_lines(text: str) -> dict[int, str]:
    """Each ticket's two lines, by ticket number."""
    lines, found = text.splitlines(), {}
    for index, line in enumerate(lines):
        if line[:2] in ("🆕 ", "🟡 "):
            found[int(line.split()[1])] = f"{line}\n{lines[index + 1].strip()}"
    return found


async def early_in_a_minute() -> None:
    """Wait for a minute with time left: two presses within it show the same text."""
    second = datetime.now(UTC).second
    if second > 45:
        await asyncio.sleep(61 - second)


def error_notes(standin: BotApiStandIn) -> list[str]:
    return [
        r.plain_text or ""
        for r in standin.sent_to(STAFF_CHAT_ID)
        if "Galat" in (r.plain_text or "")
    ]


CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"


async def open_through_the_bot(
    standin: BotApiStandIn, db: async_sessionmaker[AsyncSession]
) -> list[int]:
    """Three ASNs hand a case to the consultants; Andi claims and answers the first, whose ASN
    writes again, and claims the second without answering; the third stays unclaimed."""
    numbers = [await open_ticket_through_the_bot(standin, db, asn, CASE) for asn in ASNS]
    first, second, _ = numbers
    assert "sekarang Anda tangani" in (await staff_command(standin, ANDI, f"/ambil {first}"))[1]
    assert (
        "terkirim" in (await staff_command(standin, ANDI, f"/jawab {first} Baik, kami bantu."))[1]
    )
    mark = len(standin.sent)
    await standin.send_text(ASNS[0], "Terima kasih, surat panggilannya untuk besok pagi.")
    await standin.wait_for_sent(
        lambda r: "surat panggilannya" in (r.plain_text or ""), chat_id=STAFF_CHAT_ID, since=mark
    )
    assert "sekarang Anda tangani" in (await staff_command(standin, ANDI, f"/ambil {second}"))[1]
    return numbers


async def test_the_queue_pages_filters_and_refreshes_in_place_at_peak(
    standin: BotApiStandIn,
    queue_bot: BotProcess,
    seeded: list[Seeded],
    db: async_sessionmaker[AsyncSession],
) -> None:
    first, second, third = await open_through_the_bot(standin, db)
    pseudonyms = {s.ticket_id: s.pseudonym for s in seeded}
    # Waiting for our reply, the longest first: Andi's never answered (since they opened,
    # hours ago), then Budi's whose ASN wrote again (since 97 to 69 minutes ago).
    waiting_seeded = [s.ticket_id for s in seeded if s.state == "andi_menunggu"]
    waiting_seeded += [s.ticket_id for s in seeded if s.state == "budi_menunggu"]

    # One page of ten, oldest first, in one message with its buttons.
    message_id, text = await staff_command(standin, ANDI, "/antrian")
    lines = ticket_lines(text)
    assert "Halaman 1/4 · 35 tiket" in text
    assert list(lines) == [s.ticket_id for s in seeded[:10]]
    media = KNOWLEDGE.title("media_sosial")
    assert lines[seeded[0].ticket_id].startswith(
        f"🆕 {seeded[0].ticket_id} · {media} · {pseudonyms[seeded[0].ticket_id]}"
    )
    # Times as of now (the bot took a while to start: minutes may have passed since seeding).
    assert re.search(r"belum diambil · menunggu 6 jam 4\d menit$", lines[seeded[0].ticket_id])
    assert f"{KNOWLEDGE.title('kampanye')} · " in lines[seeded[1].ticket_id]
    assert re.search(
        r"diambil Andi Konsultan · ⏳ menunggu balasan 6 jam [34]\d menit · dibuka 6 jam",
        lines[seeded[1].ticket_id],
    )
    assert "diambil Budi Konsultan · sudah dibalas · dibuka 6 jam" in lines[seeded[2].ticket_id]
    assert re.search(r"⏳ menunggu balasan 1 jam [34]\d menit", lines[seeded[3].ticket_id])
    _, labels, _ = shown(standin, message_id)
    assert labels == [
        ["✅ Semua (35)", "Punya saya (10)"],
        ["Belum diambil (9)", "Menunggu balasan (18)"],
        ["1/4", "▶"],
        ["↻ Perbarui"],
    ]

    # Forward to the last page, where the tickets opened through the bot are.
    for page in (2, 3):
        text = await press(standin, ANDI, message_id, f"antrian:semua:{page}")
        assert f"Halaman {page}/4" in text
        assert list(ticket_lines(text)) == [
            s.ticket_id for s in seeded[(page - 1) * 10 : page * 10]
        ]
    text = await press(standin, ANDI, message_id, "antrian:semua:4")
    lines = ticket_lines(text)
    assert list(lines) == [s.ticket_id for s in seeded[30:]] + [first, second, third]
    assert re.search(
        r"diambil Andi Konsultan · ⏳ menunggu balasan (kurang dari )?1 menit", lines[first]
    )
    assert "diambil Andi Konsultan · ⏳ menunggu balasan" in lines[second]
    assert re.search(r"belum diambil · menunggu (kurang dari )?1 menit", lines[third])
    assert shown(standin, message_id)[1][2] == ["◀", "4/4"]
    edits = [
        r
        for r in standin.sent_to(STAFF_CHAT_ID)
        if r.method == "editMessageText" and r.message_id == message_id
    ]
    assert len(edits) == 3  # the same message each time, no new one

    # Filters: waiting for our reply (the longest waiting first), mine, unclaimed.
    text = await press(standin, ANDI, message_id, "antrian:menunggu:1")
    assert "Antrian · menunggu balasan" in text and "Halaman 1/2 · 18 tiket dari 35 terbuka" in text
    assert list(ticket_lines(text)) == waiting_seeded[:10]
    assert shown(standin, message_id)[1][1] == ["Belum diambil (9)", "✅ Menunggu balasan (18)"]
    text = await press(standin, ANDI, message_id, "antrian:menunggu:2")
    assert list(ticket_lines(text)) == [*waiting_seeded[10:], second, first]
    text = await press(standin, ANDI, message_id, "antrian:saya:1")
    andis = [s.ticket_id for s in seeded if s.state.startswith("andi")] + [first, second]
    assert "Antrian · diambil Andi" in text and list(ticket_lines(text)) == andis
    text = await press(standin, BUDI, message_id, "antrian:saya:1")  # mine: whoever presses
    assert "Antrian · diambil Budi" in text and len(ticket_lines(text)) == 10
    text = await press(standin, ANDI, message_id, "antrian:baru:1")
    unclaimed = [s.ticket_id for s in seeded if s.state == "baru"] + [third]
    assert list(ticket_lines(text)) == unclaimed

    # Live waiting times: three hours pass for the newest ticket; the refresh shows them.
    async with db() as session:
        ticket = await get_ticket(session, ticket_id=third)
        assert ticket is not None
        earlier = ticket.created_at - timedelta(hours=3)
        await session.execute(update(Ticket).where(Ticket.id == third).values(created_at=earlier))
        await session.commit()
    text = await press(standin, ANDI, message_id, "antrian:baru:1")
    assert "belum diambil · menunggu 3 jam" in ticket_lines(text)[third]
    # Pressed again within the minute nothing changed: answered, no error.
    await early_in_a_minute()
    await press(standin, ANDI, message_id, "antrian:baru:1")
    await press(standin, ANDI, message_id, "antrian:baru:1")
    refused = [
        c
        for c in standin.calls
        if c.method == "editMessageText"
        and str(c.params.get("message_id")) == str(message_id)
        and c.status != 200
    ]
    assert refused and all("not modified" in (c.description or "") for c in refused)

    # A page that no longer exists shows the last one: tickets closed meanwhile.
    await press(standin, ANDI, message_id, "antrian:menunggu:1")
    text = await press(standin, ANDI, message_id, "antrian:menunggu:2")
    assert "Halaman 2/2" in text
    async with db() as session:
        for ticket_id in waiting_seeded[:8]:
            await close_ticket(session, ticket_id=ticket_id, closed_by=ClosedBy.KONSULTAN)
        await session.commit()
    text = await press(standin, ANDI, message_id, "antrian:menunggu:2")
    assert "Halaman 1/1 · 10 tiket" in text
    assert list(ticket_lines(text)) == [*waiting_seeded[8:], second, first]

    # Someone who is not a consultant is refused and the message stays; forged data too.
    before = shown(standin, message_id)
    alert = KNOWLEDGE.message("staff_only_alert")
    await press(standin, OUTSIDER, message_id, "antrian:semua:1")
    assert standin.callback_answers[-1].text == alert and standin.callback_answers[-1].show_alert
    for forged in ("antrian:semua:0", "antrian:semua:99999999999", "antrian:lain:1"):
        answered = len(standin.callback_answers)
        await standin.deliver_raw(
            standin.make_callback_query(ANDI, message_id, forged, chat_id=STAFF_CHAT_ID)
        )
        await standin.wait_for_call("answerCallbackQuery", count=answered + 1)
        assert standin.callback_answers[-1].text == KNOWLEDGE.message("stale_button")
    assert shown(standin, message_id) == before

    # Typed shortcuts; every listing stayed within Telegram's limit.
    _, text = await staff_command(standin, ANDI, "/antrian baru 2")
    assert "Antrian · belum diambil" in text and "Halaman 1/1 · 9 tiket" in text
    _, text = await staff_command(standin, ANDI, "/antrian nanti")
    assert text.startswith("Format: /antrian [saya|baru|menunggu] [halaman]")
    assert error_notes(standin) == []
    assert not [c for c in standin.calls if "too long" in (c.description or "").lower()]

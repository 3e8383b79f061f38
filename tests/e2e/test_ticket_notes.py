"""Internal notes (issue 22, item 1): any consultant — the owner or a colleague — writes on a
ticket with /catatan N teks (in the staff group or privately), or with a message starting with
#catatan in reply to the card or in the ticket's forum topic. The ASN receives none of it; the
notes show in /tiket N (among the messages, marked 📝) and on the card (the newest three).
The real bot process, the Bot API stand-in, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import AuditEvent, Ticket
from bot.storage.models import TicketNote
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import (
    ON_SQLITE_AND_POSTGRESQL,
    STAFF_CHAT_ID,
    always_open_config,
    open_ticket_through_the_bot,
)
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord

pytestmark = [pytest.mark.e2e, pytest.mark.rasa, ON_SQLITE_AND_POSTGRESQL]

ASN = FakeUser(832, first_name="Sari")
ANDI = FakeUser(7001, first_name="Andi", last_name="Konsultan")
BUDI = FakeUser(7002, first_name="Budi")
CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
FORUM_CHAT_ID = -1002000000032
NOTES = (
    "ASN takut dipanggil, cek dulu isi surat panggilannya",
    "Saran: minta kronologi tertulis sebelum sidang",
    "Pernah ada kasus serupa di Bogor tahun lalu",
    "Sudah saya telepon, jadwal sidang Kamis",
)


async def run_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path, staff_chat: int
) -> BotProcess:
    """The bot with office hours always open (no after-hours notice among the messages)."""
    config = always_open_config(tmp_path)
    env = {**bot_env, "STAFF_CHAT_ID": str(staff_chat), "TANYA_NETRAL_CONFIG": str(config)}
    process = BotProcess(standin, tmp_path / "bot.log", **env)
    await process.start()
    return process


@pytest.fixture
async def group_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    process = await run_bot(standin, bot_env, tmp_path, STAFF_CHAT_ID)
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


@pytest.fixture
async def forum_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    standin.add_group(FORUM_CHAT_ID, "LKBH — forum", is_forum=True)
    process = await run_bot(standin, bot_env, tmp_path, FORUM_CHAT_ID)
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


async def open_claimed_ticket(
    standin: BotApiStandIn, db: async_sessionmaker[AsyncSession], staff_chat: int
) -> tuple[int, SentRecord]:
    """The ASN's case becomes a ticket; Andi claims it. Its number and its card."""
    await open_ticket_through_the_bot(standin, db, ASN, CASE)
    [card] = await standin.wait_for_sent(
        lambda r: "bawaslu" in text_of(r), chat_id=staff_chat, timeout=20
    )
    async with db() as session:
        n = (await session.scalars(select(Ticket.id))).one()
    await standin.press_button(ANDI, card.message_id or 0, f"tiket:ambil:{n}", chat_id=staff_chat)
    await standin.wait_for_sent(lambda r: "sudah ditangani" in text_of(r), chat_id=ASN.id)
    return n, card


async def confirmed(standin: BotApiStandIn, chat_id: int, mark: int, n: int) -> SentRecord:
    """The bot's confirmation that a note was stored on ticket ``n``."""
    [reply] = await standin.wait_for_sent(
        lambda r: f"Catatan internal tersimpan pada tiket {n}" in text_of(r),
        chat_id=chat_id,
        since=mark,
    )
    return reply


async def history(standin: BotApiStandIn, consultant: FakeUser, n: int) -> str:
    """/tiket N in the consultant's private chat, all its parts as one text."""
    mark = len(standin.sent)
    await standin.send_text(consultant, f"/tiket {n}")
    parts = await standin.wait_for_sent(
        lambda r: f"Tiket {n}" in text_of(r), chat_id=consultant.id, since=mark
    )
    return "\n".join(text_of(part) for part in parts)


async def test_owner_and_colleague_write_notes_the_asn_never_sees(
    standin: BotApiStandIn, group_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    n, card = await open_claimed_ticket(standin, db, STAFF_CHAT_ID)
    start = len(standin.sent)
    on_card = {"chat_id": STAFF_CHAT_ID, "reply_to_message_id": card.message_id}

    # The owner, with /catatan in the staff group: stored, confirmed, announced under the card.
    mark = len(standin.sent)
    await standin.send_text(ANDI, f"/catatan {n} {NOTES[0]}", chat_id=STAFF_CHAT_ID)
    await confirmed(standin, STAFF_CHAT_ID, mark, n)
    [announced] = await standin.wait_for_sent(
        lambda r: NOTES[0] in text_of(r) and r.method == "sendMessage",
        chat_id=STAFF_CHAT_ID,
        since=mark,
    )
    assert text_of(announced).startswith(
        "📝 Catatan internal (tidak terlihat oleh ASN) — Andi Konsultan"
    )
    assert announced.reply_to_message_id == card.message_id

    # A colleague who does not own the ticket, with /catatan in a private chat.
    mark = len(standin.sent)
    await standin.send_text(BUDI, f"/catatan {n} {NOTES[1]}")
    await confirmed(standin, BUDI.id, mark, n)
    await standin.wait_for_sent(lambda r: NOTES[1] in text_of(r), chat_id=STAFF_CHAT_ID, since=mark)

    # The colleague, then the owner, reply to the card with a message marked #catatan.
    for author, marked in ((BUDI, f"#catatan {NOTES[2]}"), (ANDI, f"#Catatan: {NOTES[3]}")):
        mark = len(standin.sent)
        await standin.send_text(author, marked, **on_card)
        await confirmed(standin, STAFF_CHAT_ID, mark, n)

    # A plain reply from the owner still reaches the ASN — and is all the ASN received.
    mark = len(standin.sent)
    await standin.send_text(ANDI, "Baik Bu, besok kami dampingi.", **on_card)
    await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    to_asn = [text_of(r) for r in standin.sent[start:] if r.chat_id == ASN.id]
    assert len(to_asn) == 1 and "besok kami dampingi" in to_asn[0]

    # Stored with their authors, each audited (without its text).
    async with db() as session:
        notes = list(await session.scalars(select(TicketNote).order_by(TicketNote.id)))
        audited = list(
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "catatan"))
        )
    assert [(note.text, note.author_id) for note in notes] == [
        (NOTES[0], ANDI.id),
        (NOTES[1], BUDI.id),
        (NOTES[2], BUDI.id),
        (NOTES[3], ANDI.id),
    ]
    assert [e.actor_id for e in audited] == [ANDI.id, BUDI.id, BUDI.id, ANDI.id]
    assert all(e.ticket_id == n and not any(t in (e.detail or "") for t in NOTES) for e in audited)

    # The card shows the newest three notes.
    [shown] = await standin.wait_for_sent(
        lambda r: (
            r.method == "editMessageText"
            and r.message_id == card.message_id
            and NOTES[3] in text_of(r)
        ),
        chat_id=STAFF_CHAT_ID,
        since=start,
    )
    assert "Catatan internal (tidak terlihat oleh ASN):" in text_of(shown)
    assert all(note in text_of(shown) for note in NOTES[1:]) and NOTES[0] not in text_of(shown)

    # /tiket N shows every note, marked 📝 with its author, among the messages by time.
    shown_history = await history(standin, BUDI, n)
    lines = shown_history.splitlines()
    for author, note in zip(
        ("Andi Konsultan", "Budi", "Budi", "Andi Konsultan"), NOTES, strict=True
    ):
        assert any(line.endswith(f"📝 Catatan {author}: {note}") for line in lines), note
    positions = [shown_history.index(text) for text in (*NOTES, "besok kami dampingi")]
    assert positions == sorted(positions)


async def test_a_marked_message_in_the_tickets_topic_stays_a_note(
    standin: BotApiStandIn, forum_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    n, card = await open_claimed_ticket(standin, db, FORUM_CHAT_ID)
    thread = card.message_thread_id
    assert thread is not None
    start = len(standin.sent)
    in_topic = {"chat_id": FORUM_CHAT_ID, "message_thread_id": thread}

    # The owner and a colleague write in the topic, replying to nothing, marked as notes.
    for author, marked in ((ANDI, f"#catatan {NOTES[0]}"), (BUDI, f"#catatan\n{NOTES[1]}")):
        mark = len(standin.sent)
        await standin.send_text(author, marked, **in_topic)
        reply = await confirmed(standin, FORUM_CHAT_ID, mark, n)
        assert reply.message_thread_id == thread

    # The marker alone stores nothing and explains the format; a message merely mentioning
    # the hashtag later on is an answer.
    mark = len(standin.sent)
    await standin.send_text(ANDI, "#catatan", **in_topic)
    await standin.wait_for_sent(lambda r: "Format: /catatan" in text_of(r), since=mark)
    mark = len(standin.sent)
    await standin.send_text(ANDI, "Bu, ini bukan #catatan: bawa SK asli.", **in_topic)
    await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    to_asn = [text_of(r) for r in standin.sent[start:] if r.chat_id == ASN.id]
    assert len(to_asn) == 1 and "bawa SK asli" in to_asn[0]

    async with db() as session:
        notes = list(await session.scalars(select(TicketNote.text).order_by(TicketNote.id)))
    assert notes == [NOTES[0], NOTES[1]]
    shown_history = await history(standin, ANDI, n)
    assert f"📝 Catatan Andi Konsultan: {NOTES[0]}" in shown_history
    assert f"📝 Catatan Budi: {NOTES[1]}" in shown_history


async def test_only_consultants_may_write_notes(
    standin: BotApiStandIn, group_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    n, _ = await open_claimed_ticket(standin, db, STAFF_CHAT_ID)
    mark = len(standin.sent)
    await standin.send_text(ASN, f"/catatan {n} saya mau lihat")
    [refusal] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert "konsultan" in text_of(refusal).lower()
    mark = len(standin.sent)
    await standin.send_text(ANDI, "/catatan 99999999999 teks")
    [usage] = await standin.wait_for_sent(chat_id=ANDI.id, since=mark)
    assert text_of(usage).startswith("Format: /catatan")
    mark = len(standin.sent)
    await standin.send_text(ANDI, f"/catatan {n + 1} teks")
    [missing] = await standin.wait_for_sent(chat_id=ANDI.id, since=mark)
    assert f"Tiket {n + 1} tidak ditemukan" in text_of(missing)
    async with db() as session:
        assert list(await session.scalars(select(TicketNote))) == []

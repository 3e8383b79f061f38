"""Canned replies (issue 22, item 3): ``/kirim N topik`` sends a knowledge-base answer into a
ticket — to the ASN exactly as the assistant shows it, labelled as from LKBH KORPRI, without the
assistant's feedback buttons — and only the ticket's owner may send it. The real bot process,
Rasa, the Bot API stand-in, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.knowledge.base import load_knowledge_base
from bot.storage import AuditEvent, Message, Ticket
from bot.telegram_text import visible_text
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import (
    ON_SQLITE_AND_POSTGRESQL,
    STAFF_CHAT_ID,
    always_open_config,
    open_ticket_through_the_bot,
)
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord
from tests.telegram_standin.models import JSONDict, utf16_len

pytestmark = [pytest.mark.e2e, pytest.mark.rasa, ON_SQLITE_AND_POSTGRESQL]

ASN = FakeUser(851, first_name="Rina")
READER = FakeUser(852, first_name="Dodi")
"""Another ASN, who reads the same topic from the assistant's menu."""
ANDI = FakeUser(7001, first_name="Andi", last_name="Konsultan")
BUDI = FakeUser(7002, first_name="Budi", last_name="Konsultan")
CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
LABEL = visible_text(load_knowledge_base().message("consultant_label"))


@pytest.fixture
async def open_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    """The bot with office hours always open (no after-hours notice to the ASN)."""
    config = always_open_config(tmp_path)
    process = BotProcess(standin, tmp_path / "bot.log", **bot_env, TANYA_NETRAL_CONFIG=str(config))
    await process.start()
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


def shown(record: SentRecord) -> tuple[str, list[tuple]]:
    """A message as its reader sees it: text and formatting."""
    message = record.message or {}
    return message.get("text", ""), formatting(message.get("entities", []))


DRAFT_LINE = "\n\nℹ️ Jawaban ini belum ditinjau advokat LKBH KORPRI."
"""Under an answer no LKBH lawyer has approved, as the assistant sends it; a consultant's
``/kirim`` is the LKBH's own word and goes without it."""


def without_draft_line(seen: tuple[str, list[tuple]]) -> tuple[str, list[tuple]]:
    """The assistant's answer as a consultant sends it: without the unapproved line."""
    text, formats = seen
    assert text.endswith(DRAFT_LINE), text[-80:]
    cut = utf16_len(text.removesuffix(DRAFT_LINE))
    return text.removesuffix(DRAFT_LINE), [f for f in formats if f[1] < cut]


def formatting(entities: list[JSONDict]) -> list[tuple]:
    return sorted((e["type"], e["offset"], e["length"], e.get("url")) for e in entities)


def after_label(record: SentRecord) -> tuple[str, list[tuple]]:
    """What follows the LKBH label line in a labelled message, and its formatting."""
    message = record.message or {}
    text, head = message.get("text", ""), f"{LABEL}\n\n"
    assert text.startswith(head), text[:80]
    shift = utf16_len(head)
    entities = message.get("entities", [])
    moved = [{**e, "offset": e["offset"] - shift} for e in entities if e["offset"] >= shift]
    return text[len(head) :], formatting(moved)


async def assistant_answer(standin: BotApiStandIn) -> SentRecord:
    """The media_sosial answer as the assistant sends it: READER picks it from /bantuan."""
    mark = len(standin.sent)
    await standin.send_text(READER, "/bantuan")
    [menu] = await standin.wait_for_sent(chat_id=READER.id, since=mark)
    mark = len(standin.sent)
    await standin.press_button(READER, menu, "topik:media_sosial")
    [answer] = await standin.wait_for_sent(chat_id=READER.id, since=mark)
    return answer


async def open_claimed_ticket(standin: BotApiStandIn, db: async_sessionmaker[AsyncSession]) -> int:
    """The ASN's case becomes a ticket and Andi claims it; its number."""
    await open_ticket_through_the_bot(standin, db, ASN, CASE)
    [card] = await standin.wait_for_sent(
        lambda r: "bawaslu" in text_of(r), chat_id=STAFF_CHAT_ID, timeout=20
    )
    async with db() as session:
        n = (await session.scalars(select(Ticket.id))).one()
    await standin.press_button(
        ANDI, card.message_id or 0, f"tiket:ambil:{n}", chat_id=STAFF_CHAT_ID
    )
    await standin.wait_for_sent(lambda r: "sudah ditangani" in text_of(r), chat_id=ASN.id)
    return n


async def command(standin: BotApiStandIn, who: FakeUser, text: str) -> str:
    """A command in the sender's private chat; the bot's reply."""
    mark = len(standin.sent)
    await standin.send_text(who, text)
    [reply] = await standin.wait_for_sent(chat_id=who.id, since=mark)
    return text_of(reply)


async def test_a_consultant_sends_a_knowledge_base_answer_into_their_ticket(
    standin: BotApiStandIn, open_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    reference = await assistant_answer(standin)
    assert "Dasar hukum" in text_of(reference) and reference.callback_data  # buttons, basis
    n = await open_claimed_ticket(standin, db)
    start = len(standin.sent)

    # The owner sends the topic by its id: the ASN gets it as the assistant shows it, labelled.
    mark = len(standin.sent)
    await standin.send_text(ANDI, f"/kirim {n} media_sosial")
    [by_id] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert after_label(by_id) == without_draft_line(shown(reference))
    assert by_id.reply_markup is None  # not the assistant's feedback buttons
    [told] = await standin.wait_for_sent(chat_id=ANDI.id, since=mark)
    assert text_of(told) == f"✅ Jawaban topik Media sosial terkirim ke ASN (tiket {n})."

    # A word of the title, in any case, names the same topic.
    mark = len(standin.sent)
    await standin.send_text(ANDI, f"/kirim {n} Sosial")
    [by_word] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert shown(by_word) == shown(by_id) and by_word.reply_markup is None
    await standin.wait_for_sent(lambda r: "terkirim" in text_of(r), chat_id=ANDI.id, since=mark)

    # A colleague who does not own the ticket is refused; nothing reaches the ASN.
    refused = await command(standin, BUDI, f"/kirim {n} media_sosial")
    assert "hanya dia yang dapat menjawab" in refused and "Andi" in refused

    # An unknown topic, or one word of several titles: the topics to choose from, with ids.
    unknown = await command(standin, ANDI, f"/kirim {n} cuti")
    assert "«cuti» tidak dikenal" in unknown
    assert "media_sosial — Media sosial" in unknown and "sanksi — Sanksi" in unknown
    ambiguous = await command(standin, ANDI, f"/kirim {n} calon")
    assert "lebih dari satu topik" in ambiguous
    listed = ambiguous.splitlines()[1:]
    assert listed == [
        "• foto_bersama_calon — Foto dengan calon",
        "• keluarga_calon — Keluarga calon",
    ]

    # Without arguments: how to write it, and every topic.
    usage = await command(standin, ANDI, "/kirim")
    assert "/kirim 12 media_sosial" in usage and "jadwal_pemilu — Jadwal pemilu" in usage

    # The ASN received the two answers and nothing else.
    assert [r for r in standin.sent[start:] if r.chat_id == ASN.id] == [by_id, by_word]

    # An ASN cannot use it.
    not_staff = await command(standin, ASN, f"/kirim {n} media_sosial")
    assert "khusus untuk konsultan" in not_staff

    # Logged like /jawab: the consultant's messages, the first reply, audit events "kirim".
    async with db() as session:
        rows = list(
            await session.scalars(
                select(Message).where(Message.action == "konsultan").order_by(Message.id)
            )
        )
        events = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "kirim").order_by(AuditEvent.id)
            )
        )
        ticket = await session.get(Ticket, n)
    answer_text = without_draft_line(shown(reference))[0]
    assert [(r.text, r.ticket_id, r.telegram_message_id) for r in rows] == [
        (answer_text, n, by_id.message_id),
        (answer_text, n, by_word.message_id),
    ]
    assert [(e.actor_id, e.ticket_id, e.detail) for e in events] == [
        (ANDI.id, n, "media_sosial"),
        (ANDI.id, n, "media_sosial"),
    ]
    assert ticket is not None and ticket.first_reply_at is not None

"""The office's reply templates (issue 22, item 3): consultants save replies for the office
with /templat, any colleague uses, replaces or deletes them, and /kirim N #nama sends one into a
ticket — labelled as from LKBH KORPRI, its formatting kept, only by the ticket's owner. The real
bot process, Rasa, the Bot API stand-in, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.knowledge.base import load_knowledge_base
from bot.storage import AuditEvent, Message
from bot.storage.models import ReplyTemplate
from bot.telegram_text import visible_text
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import (
    ON_SQLITE_AND_POSTGRESQL,
    always_open_config,
    open_ticket_through_the_bot,
)
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord
from tests.telegram_standin.models import utf16_len

pytestmark = [pytest.mark.e2e, pytest.mark.rasa, ON_SQLITE_AND_POSTGRESQL]

ASN = FakeUser(861, first_name="Rina")
ANDI = FakeUser(7001, first_name="Andi", last_name="Konsultan")
BUDI = FakeUser(7002, first_name="Budi", last_name="Konsultan")
CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
LABEL = visible_text(load_knowledge_base().message("consultant_label"))
OFFICE = "LKBH Korpri DIY"
FIRST = "Mohon kirim foto surat panggilan."
SECOND = "Mohon kirim foto surat panggilan Bawaslu\ndan nomor telepon yang dapat dihubungi."


@pytest.fixture
async def office_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    """The bot of one office, with office hours always open (no after-hours notice)."""
    config = always_open_config(tmp_path, staff={"office": OFFICE})
    process = BotProcess(standin, tmp_path / "bot.log", **bot_env, TANYA_NETRAL_CONFIG=str(config))
    await process.start()
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


async def command(standin: BotApiStandIn, who: FakeUser, text: str) -> str:
    """A command in the sender's private chat; the bot's reply."""
    mark = len(standin.sent)
    await standin.send_text(who, text)
    [reply] = await standin.wait_for_sent(chat_id=who.id, since=mark)
    return text_of(reply)


async def test_the_office_keeps_templates_that_the_owner_sends_into_a_ticket(
    standin: BotApiStandIn, office_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    assert "Belum ada templat" in await command(standin, ANDI, "/templat")

    # Andi saves one; Budi, a colleague of the same office, sees it and replaces its text.
    saved = await command(standin, ANDI, f"/templat simpan Panggilan {FIRST}")
    assert saved == "✅ Templat #panggilan tersimpan untuk semua konsultan kantor ini."
    listed = await command(standin, BUDI, "/templat")
    assert "Templat balasan (1)" in listed and f"#panggilan — {FIRST}" in listed
    replaced = await command(standin, BUDI, f"/templat simpan panggilan {SECOND}")
    assert replaced == "✅ Templat #panggilan diganti dengan teks baru."
    assert SECOND in await command(standin, ANDI, "/templat panggilan")
    assert "/templat simpan nama teks" in await command(standin, ANDI, "/templat simpan nama!")

    # Andi owns the ticket: the template reaches the ASN under the LKBH label, lines kept.
    n = await open_ticket_through_the_bot(standin, db, ASN, CASE)
    assert "sekarang Anda tangani" in await command(standin, ANDI, f"/ambil {n}")
    mark = len(standin.sent)
    await standin.send_text(ANDI, f"/kirim {n} #Panggilan")
    [sent] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert text_of(sent) == f"{LABEL}\n\n{SECOND}"
    assert sent.reply_markup is None
    [told] = await standin.wait_for_sent(chat_id=ANDI.id, since=mark)
    assert text_of(told) == f"✅ Templat #panggilan terkirim ke ASN (tiket {n})."

    # Budi does not own the ticket; an unknown name is said to be unknown. Nothing reaches
    # the ASN.
    mark = len(standin.sent)
    assert "hanya dia yang dapat menjawab" in await command(standin, BUDI, f"/kirim {n} #panggilan")
    assert "«tidakada» tidak ada" in await command(standin, ANDI, f"/kirim {n} #tidakada")

    # Deleted by a colleague, it can no longer be sent.
    assert "dihapus" in await command(standin, BUDI, "/templat hapus panggilan")
    assert "tidak ada" in await command(standin, ANDI, f"/kirim {n} #panggilan")
    assert "Belum ada templat" in await command(standin, ANDI, "/templat")
    assert [r for r in standin.sent[mark:] if r.chat_id == ASN.id] == []

    async with db() as session:
        events = [
            (e.actor_id, e.action, e.ticket_id, e.detail)
            for e in await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.in_(["templat", "templat_hapus", "kirim"]))
                .order_by(AuditEvent.id)
            )
        ]
        logged = (
            await session.scalars(
                select(Message.text).where(Message.telegram_message_id == sent.message_id)
            )
        ).one()
        left = list(await session.scalars(select(ReplyTemplate)))
    assert events == [
        (ANDI.id, "templat", None, "panggilan"),
        (BUDI.id, "templat", None, "panggilan"),
        (ANDI.id, "kirim", n, "templat:panggilan"),
        (BUDI.id, "templat_hapus", None, "panggilan"),
    ]
    assert logged == SECOND
    assert left == []


async def test_a_template_keeps_its_formatting_written_inline_or_replied_to(
    standin: BotApiStandIn, office_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    """/templat simpan nama teks, or /templat simpan nama in reply to a formatted message:
    either way the template is saved with the formatting, and the ASN gets it formatted."""
    mark = len(standin.sent)
    source = await standin.send_formatted_text(
        ANDI, "Bawa <b>SK pengangkatan</b> dan surat panggilan."
    )
    await standin.wait_for_sent(chat_id=ANDI.id, since=mark)  # the assistant's reply to it
    mark = len(standin.sent)
    await standin.send_text(
        ANDI, "/templat simpan berkas", reply_to_message_id=source["message"]["message_id"]
    )
    [reply] = await standin.wait_for_sent(chat_id=ANDI.id, since=mark)
    assert "tersimpan" in text_of(reply)
    mark = len(standin.sent)
    await standin.send_formatted_text(ANDI, "/templat simpan tenggat Jawab <i>sebelum</i> Senin.")
    [reply] = await standin.wait_for_sent(chat_id=ANDI.id, since=mark)
    assert "tersimpan" in text_of(reply)
    async with db() as session:
        templates = list(await session.scalars(select(ReplyTemplate).order_by(ReplyTemplate.name)))
    assert [(t.office, t.name, t.text) for t in templates] == [
        (OFFICE, "berkas", "Bawa <b>SK pengangkatan</b> dan surat panggilan."),
        (OFFICE, "tenggat", "Jawab <i>sebelum</i> Senin."),
    ]

    n = await open_ticket_through_the_bot(standin, db, ASN, CASE)
    assert "sekarang Anda tangani" in await command(standin, ANDI, f"/ambil {n}")
    mark = len(standin.sent)
    await standin.send_text(ANDI, f"/kirim {n} #berkas")
    [sent] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    message = sent.message or {}
    head = utf16_len(f"{LABEL}\n\nBawa ")
    assert message.get("text", "").endswith("Bawa SK pengangkatan dan surat panggilan.")
    assert {"type": "bold", "offset": head, "length": 15} in message.get("entities", [])

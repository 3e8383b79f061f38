"""The learning loop (issue 24, items 1-3): a misread question reaches the review queue, a
reviewer labels it in Telegram seeing it masked, and the export writes it masked into training
data, once. A 👎 queues its question; anyone but a reviewer is refused. The real bot process,
Rasa, the Bot API stand-in, SQLite and PostgreSQL; the export as the operator runs it.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.knowledge import load_knowledge_base
from bot.settings import REPO_ROOT
from bot.storage.models import AuditEvent, Message, NluReviewItem
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import ON_SQLITE_AND_POSTGRESQL
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord

pytestmark = [pytest.mark.e2e, pytest.mark.rasa, ON_SQLITE_AND_POSTGRESQL]

ASN = FakeUser(881, first_name="Bambang", username="bambang_s")
REVIEWER = FakeUser(7301, first_name="Laras")
CONSULTANT = FakeUser(7001, first_name="Andi")
MISREAD = (
    "Selamat siang, nama saya Bambang Sutrisno, bagaimana cara mengurus kenaikan pangkat? "
    "hubungi saya di 0812-7777-1234"
)
MASKED = (
    "Selamat siang, nama saya [NAMA], bagaimana cara mengurus kenaikan pangkat? "
    "hubungi saya di [TELEPON]"
)
ANSWERED = "apakah asn boleh ikut kampanye?"
LABEL = "cakupan_aturan"


@pytest.fixture
async def bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    standin.add_user(REVIEWER)  # has written to the bot before: their menu can be set
    process = BotProcess(standin, tmp_path / "bot.log", **bot_env, REVIEWER_IDS=str(REVIEWER.id))
    await process.start()
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


def shown(standin: BotApiStandIn, record: SentRecord) -> tuple[str, list[str]]:
    """A message as it is now (after edits): its text and its buttons' data."""
    stored = standin.message(record.chat_id, record.message_id or 0) or {}
    rows = stored.get("reply_markup", {}).get("inline_keyboard", [])
    return stored.get("text", ""), [b["callback_data"] for row in rows for b in row]


async def answered(standin: BotApiStandIn, pressing: Awaitable[object]) -> str:
    """Deliver a press; the text of the callback answer it got."""
    count = len(standin.callback_answers)
    await pressing
    await standin.wait_for_call(
        "answerCallbackQuery", lambda call: call.status == 200, count=count + 1, timeout=20
    )
    return standin.callback_answers[count].text or ""


async def review_items(db: async_sessionmaker[AsyncSession]) -> list[NluReviewItem]:
    async with db() as session:
        return list(await session.scalars(select(NluReviewItem).order_by(NluReviewItem.id)))


async def command(standin: BotApiStandIn, user: FakeUser, text: str) -> SentRecord:
    mark = len(standin.sent)
    await standin.send_text(user, text)
    [reply, *_] = await standin.wait_for_sent(chat_id=user.id, since=mark, timeout=30)
    return reply


def export(database_url: str, out: Path) -> str:
    """``python -m bot nlu export-reviewed --no-train --out <out>`` as an operator runs it."""
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "nlu", "export-reviewed", "--no-train", "--out", str(out)],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


async def test_a_misread_question_is_reviewed_masked_and_exported_once(
    standin: BotApiStandIn,
    bot: BotProcess,
    db: async_sessionmaker[AsyncSession],
    database_url: str,
    tmp_path: Path,
) -> None:
    # The reviewer\x27s menu offers /tinjau_nlu first, then what any ASN can do.
    await standin.wait_for_call(
        "setMyCommands", lambda c: c.params["scope"].get("chat_id") == REVIEWER.id, timeout=30
    )
    menu = [c["command"] for c in standin.my_commands({"type": "chat", "chat_id": REVIEWER.id})]
    assert menu[0] == "tinjau_nlu" and "hapus_data" in menu and "jawab" not in menu

    # The ASN: a question out of scope, with their name and phone number in it.
    reply = await command(standin, ASN, MISREAD)
    assert "di luar cakupan" in text_of(reply)
    [item] = await review_items(db)
    assert (item.source, item.status, item.action) == ("fallback", "pending", "fallback")
    assert item.predicted_intent == "di_luar_topik"

    # An answer that did not help: its question joins the queue, in the feedback's transaction.
    answer = await command(standin, ASN, ANSWERED)
    [thumbs_down] = [data for data in answer.callback_data if data.startswith("umpan:tidak:")]
    await answered(standin, standin.press_button(ASN, answer, thumbs_down))
    first, second = await review_items(db)
    assert first.id == item.id and second.source == "thumbs_down"
    async with db() as session:
        question = await session.get(Message, second.message_id)
        assert question is not None and question.text == ANSWERED
    assert (second.predicted_intent, second.action) == ("kampanye", "answer")

    # Anyone but a reviewer is refused, and records nothing.
    for outsider in (ASN, CONSULTANT):
        refusal = await command(standin, outsider, "/tinjau_nlu")
        assert "khusus untuk peninjau" in text_of(refusal)

    # The reviewer: the oldest item first, masked, with the reading in words.
    card = await command(standin, REVIEWER, "/tinjau_nlu")
    text = text_of(card)
    assert MASKED in text
    for leaked in ("Bambang", "Sutrisno", "0812", "7777", "1234"):
        assert leaked not in text
    assert "Dibaca asisten sebagai: Di luar topik · dianggap di luar topik · yakin" in text
    assert "Masuk antrean karena asisten menganggapnya di luar topik" in text
    assert "2 menunggu, 0 dilewati" in text
    buttons = card.callback_data
    prefix = f"tnlu:{first.id}:"
    assert buttons[-5:] == [
        f"{prefix}semua",
        f"{prefix}di_luar_topik",
        f"{prefix}konsultasi_kasus",
        f"{prefix}lewati",
        f"{prefix}pribadi",
    ]
    assert all(data.startswith(prefix) and len(data.encode()) <= 64 for data in buttons)

    # Someone else pressing the reviewer's buttons is refused.
    forged = standin.make_callback_query(CONSULTANT, card, f"{prefix}{LABEL}")
    assert "khusus untuk peninjau" in await answered(standin, standin.deliver_raw(forged))

    # [Semua topik]: the same message now offers every topic and the small talk.
    edits = len([c for c in standin.calls if c.method == "editMessageReplyMarkup"])
    await answered(standin, standin.press_button(REVIEWER, card, f"{prefix}semua"))
    await standin.wait_for_call(
        "editMessageReplyMarkup", lambda call: call.status == 200, count=edits + 1
    )
    _, every = shown(standin, card)
    assert len(every) == 18 + 3 + 4 and f"{prefix}{LABEL}" in every

    # A topic: recorded and audited, the card says so, the next item follows.
    mark = len(standin.sent)
    await answered(standin, standin.press_button(REVIEWER, card, f"{prefix}{LABEL}"))
    [next_card] = await standin.wait_for_sent(
        lambda r: r.method == "sendMessage", chat_id=REVIEWER.id, since=mark, timeout=30
    )
    decided_text, decided_buttons = shown(standin, card)
    assert "Dicatat: butir" in decided_text and load_knowledge_base().title(LABEL) in decided_text
    assert decided_buttons == []
    assert ANSWERED in text_of(next_card) and "Kurang membantu" in text_of(next_card)
    assert "1 menunggu" in text_of(next_card)
    labelled, _ = await review_items(db)
    assert (labelled.status, labelled.label, labelled.reviewer_id) == (
        "labeled",
        LABEL,
        REVIEWER.id,
    )
    async with db() as session:
        audit = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "tinjau_nlu"))
        ).all()
    assert [(e.actor_id, e.detail) for e in audit] == [
        (REVIEWER.id, f"item {first.id}: label {LABEL}")
    ]

    # A second press on the decided item (a double tap) records nothing.
    again = standin.make_callback_query(REVIEWER, card, f"{prefix}kampanye")
    assert "sudah ditinjau" in await answered(standin, standin.deliver_raw(again))
    labelled, _ = await review_items(db)
    assert labelled.label == LABEL

    # The 👎 item holds personal data: never exported. Then the queue is empty.
    mark = len(standin.sent)
    await answered(standin, standin.press_button(REVIEWER, next_card, f"tnlu:{second.id}:pribadi"))
    await standin.wait_for_sent(
        lambda r: "Tidak ada pertanyaan" in text_of(r), chat_id=REVIEWER.id, since=mark, timeout=30
    )

    # The export: the labelled question, masked, under its intent; a second run adds nothing.
    out = tmp_path / "reviewed"
    printed = await asyncio.to_thread(export, database_url, out)
    assert "new examples: 1" in printed
    [written] = sorted(out.glob("reviewed_*.yml"))
    assert f"written: {written}" in printed
    content = written.read_text(encoding="utf-8")
    assert content.startswith('version: "3.1"\n')
    assert yaml.safe_load(content)["nlu"] == [{"intent": LABEL, "examples": f"- {MASKED}\n"}]
    assert ANSWERED not in content
    printed = await asyncio.to_thread(export, database_url, out)
    assert "reviewed items: 0" in printed and "nothing new to write" in printed
    assert sorted(out.glob("reviewed_*.yml")) == [written]
    labelled, personal = await review_items(db)
    assert labelled.exported_at is not None and personal.exported_at is None

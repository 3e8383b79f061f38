"""A lawyer's sign-off and reloading the knowledge base (issue 24, item 5): an unapproved answer
carries one line saying so; a lawyer approves it in Telegram (/tinjau_jawaban) and the line is
gone at once, with no restart; a correction note reaches `python -m bot kb status`; a
coordinator's /muat_ulang_kb brings an edited knowledge file in, and keeps a broken one out.
The real bot process, Rasa, the Bot API stand-in, SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.knowledge import DEFAULT_PATH, load_knowledge_base
from bot.settings import REPO_ROOT
from bot.storage import AuditEvent
from bot.storage.models import KnowledgeReload, KnowledgeReview
from bot.telegram_text import visible_text
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import ON_SQLITE_AND_POSTGRESQL
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord

pytestmark = [pytest.mark.e2e, pytest.mark.rasa, ON_SQLITE_AND_POSTGRESQL]

ASN = FakeUser(881, first_name="Rina")
LAWYER = FakeUser(7301, first_name="Dewi", last_name="Lestari")
KOORD = FakeUser(7309, first_name="Sari")
QUESTION = "apakah PNS boleh like postingan caleg di instagram?"
NOTICE = visible_text(load_knowledge_base().message("draft_notice"))
NOTE = "Tambahkan bahwa menyukai unggahan juga dinilai sebagai dukungan."
EDITED = "Kalimat ini ditambahkan untuk uji muat ulang."


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """The bot reads its knowledge base from a copy: the test edits the copy, never the repo."""
    copy = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_PATH, copy)
    return copy


@pytest.fixture
async def review_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path, knowledge_copy: Path
) -> AsyncIterator[BotProcess]:
    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump({"knowledge": {"path": str(knowledge_copy)}}))
    process = BotProcess(
        standin,
        tmp_path / "bot.log",
        **bot_env,
        LAWYER_IDS=str(LAWYER.id),
        COORDINATOR_IDS=str(KOORD.id),
        TANYA_NETRAL_CONFIG=str(config),
    )
    await process.start()
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


async def ask(standin: BotApiStandIn) -> str:
    """The ASN's question about social media; the answer they get."""
    mark = len(standin.sent)
    await standin.send_text(ASN, QUESTION)
    [answer] = await standin.wait_for_sent(
        lambda r: "umpan:ya:media_sosial" in r.callback_data, chat_id=ASN.id, since=mark, timeout=30
    )
    return text_of(answer)


async def command(
    standin: BotApiStandIn, who: FakeUser, text: str, count: int = 1
) -> list[SentRecord]:
    mark = len(standin.sent)
    await standin.send_text(who, text)
    return await standin.wait_for_sent(chat_id=who.id, since=mark, count=count, timeout=30)


def kb_status(database_url: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("TANYA_NETRAL_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "status"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


async def test_a_lawyer_approves_an_answer_and_the_draft_line_goes_without_a_restart(
    standin: BotApiStandIn,
    review_bot: BotProcess,
    database_url: str,
    db: async_sessionmaker[AsyncSession],
) -> None:
    draft = await ask(standin)
    assert draft.endswith(NOTICE) and draft.count(NOTICE) == 1

    # Someone else is refused, by command and by a forged button alike.
    [refusal] = await command(standin, ASN, "/tinjau_jawaban media_sosial")
    assert "khusus untuk advokat" in text_of(refusal)

    # The lawyer sees the answer as the ASN did, then its status and the buttons.
    answer, status = await command(standin, LAWYER, "/tinjau_jawaban media_sosial", count=2)
    assert text_of(answer) == draft
    assert "draf, belum ditinjau" in text_of(status)
    approve, change, _next = status.callback_data
    assert approve.startswith("advokat:setuju:media_sosial:") and change.startswith("advokat:ubah:")

    forged = standin.make_callback_query(ASN, refusal, approve)
    await standin.deliver_raw(forged)

    mark = len(standin.sent)
    await standin.press_button(LAWYER, status, approve)
    [approved] = await standin.wait_for_sent(
        lambda r: r.method == "editMessageText", chat_id=LAWYER.id, since=mark, timeout=30
    )
    assert "Media sosial disetujui" in text_of(approved)

    # The same bot process, and the ASN's next answer carries no draft line.
    assert review_bot.running
    again = await ask(standin)
    assert NOTICE not in again and draft.startswith(again)

    # "Perlu perubahan" on another answer: the lawyer's reply is the note.
    _, status = await command(standin, LAWYER, "/tinjau_jawaban kampanye", count=2)
    mark = len(standin.sent)
    await standin.press_button(LAWYER, status, status.callback_data[1])
    [prompt] = await standin.wait_for_sent(chat_id=LAWYER.id, since=mark, timeout=30)
    assert (prompt.reply_markup or {}).get("force_reply") is True
    mark = len(standin.sent)
    await standin.send_text(LAWYER, NOTE, reply_to_message_id=prompt.message_id)
    [saved] = await standin.wait_for_sent(chat_id=LAWYER.id, since=mark, timeout=30)
    assert "Catatan perbaikan untuk Kampanye tersimpan" in text_of(saved)
    # A lawyer's reply to any other message of the bot is a question like any other.
    mark = len(standin.sent)
    await standin.send_text(LAWYER, QUESTION, reply_to_message_id=saved.message_id)
    await standin.wait_for_sent(
        lambda r: "umpan:ya:media_sosial" in r.callback_data, chat_id=LAWYER.id, since=mark
    )

    async with db() as session:
        reviews = (await session.scalars(select(KnowledgeReview))).all()
        audited = (await session.scalars(select(AuditEvent.action))).all()
    assert [(r.entry, r.decision, r.lawyer_id) for r in reviews] == [
        ("media_sosial", "approved", LAWYER.id),
        ("kampanye", "needs_change", LAWYER.id),
    ], "the forged press recorded nothing"
    assert reviews[0].lawyer_name == "Dewi Lestari" and reviews[1].note == NOTE
    assert reviews[0].review_by is not None
    assert set(audited) >= {"jawaban_disetujui", "jawaban_perlu_perubahan"}

    status_text = kb_status(database_url)
    lines = status_text.splitlines()
    assert lines[0] == "Review states read from the database."
    [media] = [line for line in lines if " media_sosial " in line]
    assert media.startswith("approved") and "approved by Dewi Lestari on" in media
    kampanye = lines.index(next(line for line in lines if " kampanye " in line))
    assert lines[kampanye].startswith("needs change")
    assert lines[kampanye + 1].startswith("    note from Dewi Lestari, ")
    assert lines[kampanye + 1].endswith(NOTE)


async def test_a_coordinator_reloads_an_edited_knowledge_base_and_a_broken_one_stays_out(
    standin: BotApiStandIn,
    review_bot: BotProcess,
    knowledge_copy: Path,
    db: async_sessionmaker[AsyncSession],
) -> None:
    before = await ask(standin)
    [refusal] = await command(standin, LAWYER, "/muat_ulang_kb")
    assert "khusus untuk koordinator" in text_of(refusal)

    # A broken file: the coordinator gets the problem, the users the old answers.
    answer_file = knowledge_copy / "answers" / "media_sosial.yml"
    original = answer_file.read_text(encoding="utf-8")
    answer_file.write_text(original + "\nbukan_kunci: [", encoding="utf-8")
    [refused] = await command(standin, KOORD, "/muat_ulang_kb")
    assert "tidak dimuat ulang" in text_of(refused)
    assert "answers/media_sosial.yml" in text_of(refused)
    assert await ask(standin) == before

    # The lawyer opens the answer as it is now, then it changes before they press [Setujui].
    _, shown = await command(standin, LAWYER, "/tinjau_jawaban media_sosial", count=2)

    # The file fixed and edited: reloaded, and the edit is what the ASN reads now; an edited
    # answer is a draft again (no lawyer approved this text).
    data = yaml.safe_load(original)
    data["short_answer"] = f"{data['short_answer']} {EDITED}"
    answer_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    [done] = await command(standin, KOORD, "/muat_ulang_kb")
    assert "dimuat ulang: 21 jawaban" in text_of(done)
    after = await ask(standin)
    assert EDITED in after and after.endswith(NOTICE) and EDITED not in before
    assert review_bot.running

    # The approval was of the text shown: the lawyer is told it changed and sees the new one.
    mark = len(standin.sent)
    await standin.press_button(LAWYER, shown, shown.callback_data[0])
    changed, answer, status = await standin.wait_for_sent(
        chat_id=LAWYER.id, since=mark, count=3, timeout=30
    )
    assert "berubah sejak ditampilkan" in text_of(changed)
    assert text_of(answer) == after
    assert status.callback_data[0] != shown.callback_data[0]

    async with db() as session:
        assert (await session.scalars(select(KnowledgeReview))).all() == []
        reloads = (await session.scalars(select(KnowledgeReload))).all()
        audited = (await session.scalars(select(AuditEvent.action))).all()
    assert [reload.requested_by for reload in reloads] == [KOORD.id]
    assert "kb_dimuat_ulang" in audited

"""Coordinators' reports in Telegram (issue 23): /laporan gives a summary and the charts,
/ekspor the workbook, to coordinators only; the weekly digest reaches each coordinator once,
also across a restart. The real bot process, Rasa, the Bot API stand-in, SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import ScheduledRun
from handlers.coordinator_reports import CHART_CAPTIONS
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import (
    ON_SQLITE_AND_POSTGRESQL,
    always_open_config,
    open_ticket_through_the_bot,
)
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord

pytestmark = [pytest.mark.e2e, pytest.mark.rasa, ON_SQLITE_AND_POSTGRESQL]

ASN = FakeUser(871, first_name="Rina")
ANDI = FakeUser(7001, first_name="Andi")
KOORD = FakeUser(7009, first_name="Sari")
CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
QUESTION = "apakah PNS boleh like postingan caleg di instagram?"
JAKARTA = ZoneInfo("Asia/Jakarta")


def report_bot(standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path) -> BotProcess:
    """The bot with a coordinator and the weekly digest due today at midnight (so it is sent
    soon after the start); office hours always open."""
    today = datetime.now(JAKARTA).isoweekday()
    config = always_open_config(tmp_path, reports={"digest_weekday": today, "digest_time": "00:00"})
    return BotProcess(
        standin,
        tmp_path / "bot.log",
        **bot_env,
        COORDINATOR_IDS=str(KOORD.id),
        TANYA_NETRAL_CONFIG=str(config),
    )


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


def photo_of(standin: BotApiStandIn, record: SentRecord) -> Image.Image:
    [*_, largest] = (record.message or {})["photo"]
    content = standin.state.files[largest["file_id"]].content
    assert content is not None
    return Image.open(io.BytesIO(content))


async def report_messages(
    standin: BotApiStandIn, chat_id: int, mark: int, heading: str
) -> tuple[SentRecord, list[SentRecord]]:
    """A report's summary (starting with ``heading``) and its five charts."""
    [summary] = await standin.wait_for_sent(
        lambda r: text_of(r).startswith(f"📊 {heading}"), chat_id=chat_id, since=mark, timeout=60
    )
    photos = await standin.wait_for_sent(
        lambda r: r.method == "sendPhoto", chat_id=chat_id, since=mark, count=5, timeout=60
    )
    return summary, photos


async def test_a_coordinator_receives_reports_and_others_are_refused(
    standin: BotApiStandIn,
    bot_env: dict[str, str],
    tmp_path: Path,
    db: async_sessionmaker[AsyncSession],
) -> None:
    standin.add_user(KOORD)  # has written to the bot before: the digest can reach them
    bot = report_bot(standin, bot_env, tmp_path)
    await bot.start()
    try:
        # The weekly digest (of last week: no activity) comes by itself, once.
        digest, digest_photos = await report_messages(
            standin, KOORD.id, 0, "Ringkasan mingguan Tanya Netral"
        )
        assert "Pertanyaan: 0" in text_of(digest)

        # Today's activity: a question the assistant answers and a case that becomes a ticket.
        mark = len(standin.sent)
        await standin.send_text(ASN, QUESTION)
        await standin.wait_for_sent(chat_id=ASN.id, since=mark)
        await open_ticket_through_the_bot(standin, db, ASN, CASE)

        # /laporan (this week): the summary counts them, then five phone-sized charts.
        mark = len(standin.sent)
        await standin.send_text(KOORD, "/laporan")
        summary, photos = await report_messages(standin, KOORD.id, mark, "Laporan Tanya Netral")
        shown = text_of(summary)
        assert "Tiket: 1 dibuka, 0 ditutup" in shown
        assert "Pertanyaan: 2" in shown or "Pertanyaan: 3" in shown, shown  # + the offer's yes
        assert "dijawab asisten: 1 " in shown
        for text in (shown, *(text_of(p) for p in photos)):
            assert str(ASN.id) not in text and "Rina" not in text
        assert [(p.message or {}).get("caption") for p in photos] == list(CHART_CAPTIONS.values())
        for record in photos:
            image = photo_of(standin, record)
            assert image.size == (1080, 1350)
            assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 10

        # /ekspor bulan_ini: the workbook, one row for the one ticket, no names.
        mark = len(standin.sent)
        await standin.send_text(KOORD, "/ekspor bulan_ini")
        [document] = await standin.wait_for_sent(
            lambda r: r.method == "sendDocument", chat_id=KOORD.id, since=mark, timeout=60
        )
        file = (document.message or {})["document"]
        assert file["file_name"].endswith(".xlsx")
        content = standin.state.files[file["file_id"]].content
        assert content is not None
        workbook = load_workbook(io.BytesIO(content))
        assert workbook.sheetnames == ["Ringkasan harian", "Tiket", "Topik", "Konsultan"]
        rows = list(workbook["Tiket"].iter_rows(min_row=2, values_only=True))
        assert len(rows) == 1
        assert all("Rina" not in str(cell) and str(ASN.id) != str(cell) for cell in rows[0])

        # A period it does not read: how to write one. Not a coordinator: refused.
        mark = len(standin.sent)
        await standin.send_text(KOORD, "/laporan kemarin dulu")
        [unknown] = await standin.wait_for_sent(chat_id=KOORD.id, since=mark)
        assert "tidak saya kenali" in text_of(unknown)
        for who in (ANDI, ASN):
            mark = len(standin.sent)
            await standin.send_text(who, "/laporan")
            [refused] = await standin.wait_for_sent(chat_id=who.id, since=mark)
            assert "khusus untuk koordinator" in text_of(refused)
            assert not [r for r in standin.sent[mark:] if r.method == "sendPhoto"]
    finally:
        assert bot.stop() == 0, bot.log_tail()

    # A restart in the same week does not send the digest again: its run is claimed.
    mark = len(standin.sent)
    again = report_bot(standin, bot_env, tmp_path)
    await again.start()
    try:
        await standin.send_text(KOORD, "/laporan")
        await report_messages(standin, KOORD.id, mark, "Laporan Tanya Netral")
        assert not [r for r in standin.sent[mark:] if "Ringkasan mingguan" in text_of(r)]
    finally:
        assert again.stop() == 0, again.log_tail()
    async with db() as session:
        runs = list(await session.scalars(select(ScheduledRun.name)))
    assert len(runs) == 1 and runs[0].startswith("ringkasan_mingguan:")
    assert len(digest_photos) == 5

"""The LKBH consultants' queue end to end: one ASN, two consultants, the real bot process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import AuditEvent, Message, Ticket
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import STAFF_CHAT_ID, open_ticket_through_the_bot
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord

pytestmark = [pytest.mark.e2e, pytest.mark.rasa]

ASN = FakeUser(601, first_name="Rina", username="rina_guru")
ANDI = FakeUser(7001, first_name="Andi", last_name="Konsultan")
BUDI = FakeUser(7002, first_name="Budi", last_name="Konsultan")
OUTSIDER = FakeUser(9001, first_name="Tamu")
CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
FORUM_CHAT_ID = -1002000000002


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


def config_file(tmp_path: Path, **queue: object) -> str:
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump({"queue": queue}), encoding="utf-8")
    return str(path)


@pytest.fixture
async def queue_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    """The bot with office hours never open, so the after-hours notice is deterministic."""
    env = {**bot_env, "TANYA_NETRAL_CONFIG": config_file(tmp_path, office_days=[])}
    process = BotProcess(standin, tmp_path / "bot.log", **env)
    await process.start()
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


async def one_ticket(db: async_sessionmaker[AsyncSession]) -> Ticket:
    async with db() as session:
        return (await session.scalars(select(Ticket).order_by(Ticket.id.desc()))).first()  # type: ignore[return-value]


async def command(
    standin: BotApiStandIn, user: FakeUser, text: str, chat_id: int | None = None
) -> str:
    """Send a command; return the text of the bot's first reply in that chat."""
    mark = len(standin.sent)
    await standin.send_text(user, text, chat_id=chat_id)
    [reply, *_] = await standin.wait_for_sent(chat_id=chat_id or user.id, since=mark)
    return text_of(reply)


async def test_whole_journey_with_a_race_relay_restart_and_rating(
    standin: BotApiStandIn, queue_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    # Hand-off: a personal case becomes a ticket with a card in the staff group.
    await open_ticket_through_the_bot(standin, db, ASN, CASE)
    [card] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID)
    # The acknowledgement, then the after-hours notice.
    [ack] = await standin.wait_for_sent(lambda r: "Berikutnya" in text_of(r), chat_id=ASN.id)
    [notice] = await standin.wait_for_sent(lambda r: "jam layanan" in text_of(r), chat_id=ASN.id)
    ticket = await one_ticket(db)
    n = ticket.id
    assert f"tiket {n}" in text_of(ack).lower()
    assert "di luar jam layanan" in text_of(notice) and "Senin" not in text_of(notice)
    assert f"Tiket {n}" in text_of(card) and "bawaslu" in text_of(card)
    assert "Rina" not in text_of(card) and "ASN-" in text_of(card)
    assert card.callback_data == [f"tiket:ambil:{n}", f"tiket:lepas:{n}", f"tiket:tutup:{n}"]

    # An outsider cannot press; then both consultants press [Ambil] at once: exactly one wins.
    before = len(standin.callback_answers)  # the ASN's presses that opened the ticket
    await standin.deliver_raw(standin.make_callback_query(OUTSIDER, card, f"tiket:ambil:{n}"))
    refusal = (await standin.wait_for_call("answerCallbackQuery", count=before + 1))[before]
    assert "hanya konsultan" in refusal.params["text"]
    presses = [standin.make_callback_query(c, card, f"tiket:ambil:{n}") for c in (ANDI, BUDI)]
    await asyncio.gather(*(standin.deliver_raw(update) for update in presses))
    answers = (await standin.wait_for_call("answerCallbackQuery", count=before + 3))[before + 1 :]
    texts = sorted(str(call.params["text"]) for call in answers)
    assert len([t for t in texts if "sekarang Anda tangani" in t]) == 1, texts
    [lost] = [call for call in answers if "sudah diambil oleh" in call.params["text"]]
    assert lost.params.get("show_alert") in (True, "true", "True")
    ticket = await one_ticket(db)
    owner, other = (ANDI, BUDI) if ticket.consultant_id == ANDI.id else (BUDI, ANDI)
    assert owner.first_name in lost.params["text"]
    await standin.wait_for_sent(
        lambda r: r.method == "editMessageText" and "diambil" in text_of(r), chat_id=STAFF_CHAT_ID
    )
    # The ASN is told once that a consultant took the ticket, without the consultant's name.
    [claimed] = [r for r in standin.sent_to(ASN.id) if "sudah ditangani" in text_of(r)]
    assert f"Tiket {n}" in text_of(claimed)
    assert "Andi" not in text_of(claimed) and "Budi" not in text_of(claimed)

    # The owner replies to the card: the ASN gets it labelled as from LKBH; a non-owner is
    # refused.
    mark = len(standin.sent)
    await standin.send_text(
        owner,
        "Baik Bu Rina, ceritakan kronologinya.",
        chat_id=STAFF_CHAT_ID,
        reply_to_message_id=card.message_id,
    )
    [answer] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert text_of(answer) == "💬 Konsultan LKBH KORPRI:\n\nBaik Bu Rina, ceritakan kronologinya."
    await standin.send_text(
        other, "sy bantu ya", chat_id=STAFF_CHAT_ID, reply_to_message_id=card.message_id
    )
    [refused] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, since=mark)
    assert "sedang ditangani" in text_of(refused)

    # The ASN writes and sends a photo: both reach the staff group; no automatic answer.
    mark = len(standin.sent)
    await standin.send_text(ASN, "bolehkah pns like postingan capres di ig?")
    [relayed] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, since=mark)
    assert relayed.method == "copyMessage" and relayed.reply_to_message_id == card.message_id
    await standin.send_photo(ASN, caption="surat panggilan")
    [_, photo] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, since=mark, count=2)
    assert photo.message is not None and "photo" in photo.message
    assert standin.sent_to(ASN.id)[-1] is answer  # the bot said nothing to the ASN itself

    # The owner answers the relayed photo with a photo of their own.
    await standin.send_photo(
        owner,
        caption="contoh surat kuasa",
        chat_id=STAFF_CHAT_ID,
        reply_to_message_id=photo.message_id,
    )
    [photo_back] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert photo_back.message is not None and "photo" in photo_back.message
    assert text_of(photo_back) == "💬 Konsultan LKBH KORPRI:\n\ncontoh surat kuasa"

    # Restart: the ticket, its owner and the relay survive.
    queue_bot.stop()
    await queue_bot.start()
    mark = len(standin.sent)
    await standin.send_text(ASN, "pak, apakah sy perlu bawa SK?")
    [after] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, since=mark)
    assert after.reply_to_message_id == card.message_id
    reply = await command(standin, owner, f"/jawab {n} Ya, bawa SK & surat <panggilan>.")
    assert "terkirim" in reply
    [jawab] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert "Konsultan LKBH" in text_of(jawab) and "surat <panggilan>" in text_of(jawab)
    assert "sedang ditangani" in await command(standin, other, f"/jawab {n} halo")

    # Staff commands: content, junk arguments, refusals.
    queue = await command(standin, other, "/antrian", STAFF_CHAT_ID)
    assert f"{n} ·" in queue and "sudah dibalas" in queue and "ASN-" in queue
    history = await command(standin, other, f"/tiket {n}")
    assert "Ya, bawa SK" in history and "apakah sy perlu bawa SK" in history
    # Every text is sent as HTML (Defaults): a usage line with <…> must arrive as written.
    assert "Format: /tiket <nomor tiket>" in await command(standin, other, "/tiket abc")
    assert "/jawab <nomor tiket> <teks jawaban>" in await command(standin, owner, "/jawab")
    assert "tidak ditemukan" in await command(standin, owner, "/jawab 99999 x")
    stats = await command(standin, owner, "/statistik", STAFF_CHAT_ID)
    assert "diambil 1" in stats and "Median" in stats
    assert "khusus untuk konsultan" in await command(standin, ASN, "/antrian")
    assert "khusus untuk konsultan" in await command(standin, OUTSIDER, "/tiket 1", STAFF_CHAT_ID)

    # The owner closes; the ASN rates 5, the bot restarts, and then the ASN comments: the
    # comment is still expected and is stored (read first: it does not read as a question).
    mark = len(standin.sent)
    await standin.press_button(owner, card.message_id, f"tiket:tutup:{n}", chat_id=STAFF_CHAT_ID)
    [closing] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert (
        f"tiket <b>{n}</b>" in (closing.text or "") and closing.callback_data[-1] == f"nilai:{n}:5"
    )
    await standin.press_button(ASN, closing, f"nilai:{n}:5")
    await standin.wait_for_sent(
        lambda r: "Terima kasih atas nilai" in text_of(r), chat_id=ASN.id, since=mark
    )
    queue_bot.stop()
    await queue_bot.start()
    mark = len(standin.sent)
    await standin.send_text(ASN, "mantap, sangat membantu")
    [comment_thanks] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert "komentar Anda sudah kami simpan" in text_of(comment_thanks)
    assert "tidak memiliki tiket" in await command(standin, ASN, "/selesai")
    after_comment = [text_of(r) for r in standin.sent[mark:] if r.chat_id == ASN.id]
    assert all("komentar Anda" in t or "tidak memiliki tiket" in t for t in after_comment)

    async with db() as session:
        ticket = (await session.scalars(select(Ticket))).one()
        actions = set(await session.scalars(select(AuditEvent.action)))
        relayed_rows = list(
            await session.scalars(select(Message).where(Message.staff_message_id.is_not(None)))
        )
        [comment_row] = await session.scalars(
            select(Message).where(Message.text == "mantap, sangat membantu")
        )
    assert ticket.status == "selesai" and ticket.closed_by == "konsultan"
    assert ticket.rating == 5 and ticket.rating_comment == "mantap, sangat membantu"
    assert ticket.comment_requested_at is None
    assert comment_row.action == "komentar" and comment_row.intent is None
    assert ticket.consultant_id == owner.id and ticket.first_reply_at is not None
    assert {"ambil", "jawab", "tutup", "nilai", "antrian", "statistik", "lihat_tiket"} <= actions
    assert len(relayed_rows) >= 5  # both directions carry both sides' message ids
    assert all(row.telegram_message_id for row in relayed_rows)


async def test_forum_reminders_auto_close_and_closing_by_the_asn(
    standin: BotApiStandIn,
    bot_env: dict[str, str],
    tmp_path: Path,
    db: async_sessionmaker[AsyncSession],
) -> None:
    standin.add_group(FORUM_CHAT_ID, "LKBH — forum", is_forum=True)
    config = config_file(
        tmp_path,
        remind_unclaimed_minutes=0,
        remind_unanswered_minutes=0,
        remind_every_minutes=1,
        auto_close_days=0,
        office_days=[1, 2, 3, 4, 5, 6, 7],
        office_hours_start="00:00",
        office_hours_end="23:59",
        holidays=[],
    )
    env = {**bot_env, "STAFF_CHAT_ID": str(FORUM_CHAT_ID), "TANYA_NETRAL_CONFIG": config}
    bot = BotProcess(standin, tmp_path / "bot.log", **env)
    await bot.start()
    try:
        await open_ticket_through_the_bot(standin, db, ASN, CASE)
        [topic] = await standin.wait_for_call("createForumTopic")
        thread = topic.result["message_thread_id"]
        # The card comes first; the first reminder may follow it already (the intake takes a
        # few seconds, and an unclaimed ticket is reminded of at once here).
        [card, *_] = await standin.wait_for_sent(chat_id=FORUM_CHAT_ID)
        assert card.message_thread_id == thread and text_of(card).startswith("🆕 Tiket")
        n = (await one_ticket(db)).id
        await standin.wait_for_sent(
            lambda r: text_of(r).startswith("⏰") and "belum diambil" in text_of(r),
            chat_id=FORUM_CHAT_ID,
        )
        await standin.press_button(ANDI, card, f"tiket:ambil:{n}")
        await standin.wait_for_sent(lambda r: "sudah ditangani" in text_of(r), chat_id=ASN.id)
        # Andi never wrote to the bot privately: his reminder comes in the ticket's topic.
        [unanswered] = await standin.wait_for_sent(
            lambda r: text_of(r).startswith("⏰") and "belum dijawab" in text_of(r),
            chat_id=FORUM_CHAT_ID,
        )
        assert unanswered.message_thread_id == thread
        assert "pengingat pribadi kepada Andi" in text_of(unanswered)

        # Writing in the ticket's topic (no reply needed) reaches the ASN; then auto-close.
        mark = len(standin.sent)
        await standin.send_text(
            ANDI, "Selamat siang Bu.", chat_id=FORUM_CHAT_ID, message_thread_id=thread
        )
        [copy] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
        assert text_of(copy) == "💬 Konsultan LKBH KORPRI:\n\nSelamat siang Bu."
        [closed] = await standin.wait_for_sent(
            lambda r: "ditutup otomatis" in text_of(r), chat_id=ASN.id, since=mark
        )
        assert closed.callback_data[0] == f"nilai:{n}:1"
        await standin.wait_for_sent(
            lambda r: "ditutup otomatis" in text_of(r), chat_id=FORUM_CHAT_ID
        )

        # A second ticket, closed by the ASN with /selesai: the staff are told.
        mark = len(standin.sent)
        await standin.send_text(ASN, "/konsultan")
        await standin.wait_for_sent(chat_id=FORUM_CHAT_ID, since=mark)
        await standin.wait_for_sent(
            lambda r: "nomor tiket" in text_of(r), chat_id=ASN.id, since=mark
        )
        await standin.send_text(ASN, "/selesai")
        [done] = await standin.wait_for_sent(
            lambda r: "sudah ditutup" in text_of(r), chat_id=ASN.id, since=mark
        )
        assert done.callback_data
        await standin.wait_for_sent(
            lambda r: "/selesai" in text_of(r), chat_id=FORUM_CHAT_ID, since=mark
        )
        assert "tidak memiliki tiket" in await command(standin, ASN, "/selesai")
    finally:
        assert bot.stop() == 0, bot.log_tail()
    async with db() as session:
        tickets = list(await session.scalars(select(Ticket).order_by(Ticket.id)))
    assert [t.closed_by for t in tickets] == ["otomatis", "pengguna"]

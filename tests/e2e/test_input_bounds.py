"""Every input bounded and answered (issue 21): forged buttons, presses over the limit, edited
commands and messages, odd digits, and errors that repeat — against the real bot process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import Ticket
from bot.storage.models import StaffNotice
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import STAFF_CHAT_ID, open_ticket_through_the_bot
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord
from tests.telegram_standin.models import JSONDict

pytestmark = [pytest.mark.e2e, pytest.mark.rasa]

ASN = FakeUser(801, first_name="Wati")
ANDI = FakeUser(7001, first_name="Andi", last_name="Konsultan")
OUTSIDER = FakeUser(9101, first_name="Tamu")
CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
LIMIT = 20  # abuse.messages_per_minute's default
APOLOGY = "gangguan teknis"
RATE_LIMITED_PRESS = "Terlalu banyak permintaan"


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


def error_notes(standin: BotApiStandIn) -> list[str]:
    return [text_of(r) for r in standin.sent_to(STAFF_CHAT_ID) if "Galat bot" in text_of(r)]


async def early_in_a_minute() -> None:
    """Wait for a minute with time left: the per-user limit counts in fixed minutes, and a
    burst across a minute's edge would be counted in two."""
    second = datetime.now(UTC).second
    if second > 40:
        await asyncio.sleep(61 - second)


async def reply_to(
    standin: BotApiStandIn, user: FakeUser, text: str, chat_id: int | None = None
) -> tuple[SentRecord, JSONDict]:
    """Send a text; return the bot's first message in that chat after it, and the update."""
    mark = len(standin.sent)
    update = await standin.send_text(user, text, chat_id=chat_id)
    [reply, *_] = await standin.wait_for_sent(chat_id=chat_id or user.id, since=mark)
    return reply, update


async def edit_command(standin: BotApiStandIn, user: FakeUser, sent: JSONDict, text: str) -> None:
    """Edit a command as Telegram does: the new text keeps its bot_command entity."""
    await standin.edit_text(user, sent["message_id"], text, chat_id=sent["chat"]["id"])


async def open_claimed_ticket(
    standin: BotApiStandIn, db: async_sessionmaker[AsyncSession]
) -> tuple[int, SentRecord]:
    """The ASN's case becomes a ticket; Andi claims it. Its number and its card."""
    mark = len(standin.sent)
    await open_ticket_through_the_bot(standin, db, ASN, CASE)
    [card] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, since=mark, timeout=20)
    async with db() as session:
        ticket = (await session.scalars(select(Ticket))).one()
    await standin.press_button(
        ANDI, card.message_id, f"tiket:ambil:{ticket.id}", chat_id=STAFF_CHAT_ID
    )
    await standin.wait_for_sent(lambda r: "sudah ditangani" in text_of(r), chat_id=ASN.id)
    return ticket.id, card


async def test_forged_buttons_get_polite_answers_and_presses_over_the_limit_do_nothing(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    await early_in_a_minute()
    welcome, _ = await reply_to(standin, ASN, "/start")  # the minute's first message

    # The presses that once put an error note in the staff group each, and their kin.
    forged = [
        "nilai:99999999999999999999:5",
        "nilai:2147483648:5",
        "nilai:²:5",
        "nilai:١٢:5",
        "nilai:12",
        "nilai:1:9",
        "nilai:0:5",
        "nilai:7:5",  # in range, but no ticket of this user to rate: stale
        "tiket:ambil:99999999999999999999",
        "topik:tidak_ada",
        "umpan:ya:" + "x" * 60,
        "konsultan:bukan",
    ]
    presses = [forged[n % len(forged)] for n in range(LIMIT - 1)]
    for data in presses:
        await standin.deliver_raw(standin.make_callback_query(ASN, welcome, data))
    answered = await standin.wait_for_call("answerCallbackQuery", count=len(presses))
    assert all(call.status == 200 for call in answered)
    polite = [answer.text or "" for answer in standin.callback_answers]
    assert len(polite) == len(presses)
    assert all(
        "tidak berlaku" in text or "tidak dapat dinilai" in text or "hanya konsultan" in text
        for text in polite
    ), polite

    # The limit is reached: presses that would answer a topic are answered, and do nothing.
    for _ in range(11):
        update = standin.make_callback_query(ASN, welcome, "topik:media_sosial")
        await standin.deliver_raw(update)
    await standin.wait_for_call("answerCallbackQuery", count=len(presses) + 11)
    over = [answer.text or "" for answer in standin.callback_answers[len(presses) :]]
    assert len(over) == 11 and all(RATE_LIMITED_PRESS in text for text in over), over

    await asyncio.sleep(1.5)
    to_asn = [text_of(r) for r in standin.sent_to(ASN.id)][1:]  # after the welcome
    assert [("terlalu banyak pesan" in t) for t in to_asn] == [True], to_asn  # said once
    assert error_notes(standin) == []
    assert bot.running


async def test_an_edited_command_is_not_run_again_and_an_edit_in_a_ticket_is_a_correction(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    n, card = await open_claimed_ticket(standin, db)

    # /jawab, then the same command edited: the ASN gets one answer.
    mark = len(standin.sent)
    reply, update = await reply_to(standin, ANDI, f"/jawab {n} Bawa surat panggilannya.")
    assert "terkirim" in text_of(reply)
    [answer] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert "Bawa surat panggilannya" in text_of(answer)
    mark = len(standin.sent)
    await edit_command(standin, ANDI, update["message"], f"/jawab {n} Bawa surat dan SK.")
    [refused] = await standin.wait_for_sent(chat_id=ANDI.id, since=mark)
    assert "disunting tidak saya jalankan" in text_of(refused)

    # In the staff group: the consultant is told once, in reply; anyone else is ignored.
    reply, update = await reply_to(standin, ANDI, f"/jawab {n} Siapkan kronologi.", STAFF_CHAT_ID)
    await standin.wait_for_sent(lambda r: "Siapkan kronologi" in text_of(r), chat_id=ASN.id)
    _, outsider = await reply_to(standin, OUTSIDER, "/antrian", STAFF_CHAT_ID)
    in_group = mark = len(standin.sent)
    await edit_command(standin, OUTSIDER, outsider["message"], "/statistik")
    await edit_command(standin, ANDI, update["message"], f"/jawab {n} Siapkan kronologi lengkap.")
    [told] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, since=mark)
    assert "disunting tidak saya jalankan" in text_of(told)
    assert told.reply_to_message_id == update["message"]["message_id"]

    # The ASN corrects a message inside the ticket: the consultant sees the correction.
    sent = await standin.send_text(ASN, "sidangnya tanggal 5")
    await standin.wait_for_sent(
        lambda r: r.method == "copyMessage", chat_id=STAFF_CHAT_ID, since=mark
    )
    mark = len(standin.sent)
    await standin.edit_text(ASN, sent["message"]["message_id"], "maaf, sidangnya tanggal 6")
    [correction] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, since=mark)
    assert "Koreksi dari ASN" in text_of(correction) and "tanggal 6" in text_of(correction)
    assert correction.reply_to_message_id == card.message_id
    [forwarded] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert "Koreksi Anda sudah diteruskan" in text_of(forwarded)

    # Ids in digits that are not ASCII, or too large for the database, are refused politely.
    for text in ("/ambil ²", "/tiket ²", "/tutup ١", "/tiket 99999999999999999999", "/jawab ² x"):
        reply, _ = await reply_to(standin, ANDI, text)
        assert "Format: /" in text_of(reply), (text, text_of(reply))

    await asyncio.sleep(1.5)
    answers = [r for r in standin.sent_to(ASN.id) if "Konsultan LKBH" in text_of(r)]
    assert [("Bawa surat" in text_of(r)) for r in answers] == [True, False]  # no second one
    group = [text_of(r) for r in standin.sent[in_group:] if r.chat_id == STAFF_CHAT_ID]
    assert (
        sum("tidak saya jalankan" in text for text in group) == 1
    )  # the consultant's, not the outsider's
    assert not [r for r in standin.sent if APOLOGY in text_of(r)]
    assert error_notes(standin) == []


async def test_a_repeated_error_is_one_staff_note_with_a_count_and_one_apology(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    # The staff chat is down for now, a ticket's card first in its queue: what follows waits.
    standin.refuse_chat(STAFF_CHAT_ID, 120)
    await open_ticket_through_the_bot(standin, db, ASN, CASE)
    await standin.wait_for_call("getChat", lambda c: c.status == 502)  # the card's first step

    asker = FakeUser(802)
    menu, _ = await reply_to(standin, asker, "/bantuan")
    standin.fail_next("answerCallbackQuery", 5, error_code=400, description="Bad Request: uji")
    for _ in range(5):  # each press fails in its handler: an unhandled error
        await standin.deliver_raw(standin.make_callback_query(asker, menu, "topik:media_sosial"))
    await standin.wait_for_call("answerCallbackQuery", lambda c: c.status == 400, count=5)

    [note] = await wait_for_notice(
        db, lambda notice: notice.kind == "error_note" and notice.content.get("occurrences") == 5
    )
    standin.faults.clear()  # the staff chat is back
    await standin.wait_for_sent(
        lambda r: "Galat bot" in text_of(r), chat_id=STAFF_CHAT_ID, timeout=60
    )
    await asyncio.sleep(1.5)
    [posted] = error_notes(standin)
    assert "BadRequest" in posted and "Terjadi 5 kali" in posted, posted
    assert note.coalesce_key == "galat:BadRequest"
    apologies = [r for r in standin.sent_to(asker.id) if APOLOGY in text_of(r)]
    assert len(apologies) == 1


async def wait_for_notice(
    db: async_sessionmaker[AsyncSession],
    condition: Callable[[StaffNotice], bool],
    timeout: float = 20,
) -> list[StaffNotice]:
    """The staff outbox's notices once one meets ``condition``; those that do."""
    deadline = time.monotonic() + timeout
    while True:
        async with db() as session:
            notices = list(await session.scalars(select(StaffNotice).order_by(StaffNotice.id)))
        if found := [notice for notice in notices if condition(notice)]:
            return found
        assert time.monotonic() < deadline, [(n.kind, n.attempts, n.payload) for n in notices]
        await asyncio.sleep(0.2)

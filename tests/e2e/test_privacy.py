"""Privacy choices: /nama (name or pseudonym for consultants) and /hapus_data (issues 7 and 21):
the deletion reaches the staff group too — the ticket's forum topic, or its card, the relayed
copies and the consultants' replies — and the staff are told plainly what Telegram refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import Message, Ticket, User
from bot.storage.models import StaffNotice
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import STAFF_CHAT_ID, hand_case_over
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord

pytestmark = [pytest.mark.e2e, pytest.mark.rasa]

ANDI = FakeUser(7001, first_name="Andi", last_name="Konsultan")
FORUM_CHAT_ID = -1002000000021
CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
TWO_DAYS = 49 * 3600


def text_of(record: SentRecord | dict | None) -> str:
    if isinstance(record, SentRecord):
        return record.plain_text or ""
    return str((record or {}).get("text", ""))


async def open_case(standin: BotApiStandIn, asn: FakeUser, staff_chat: int) -> SentRecord:
    """The ASN hands a personal case to the consultants; return its card."""
    mark = len(standin.sent)
    await hand_case_over(standin, asn, CASE)
    [card] = await standin.wait_for_sent(
        lambda r: r.method == "sendMessage" and "bawaslu" in text_of(r),
        chat_id=staff_chat,
        since=mark,
    )
    return card


async def relay(standin: BotApiStandIn, asn: FakeUser, text: str, staff_chat: int) -> SentRecord:
    """The ASN writes inside their ticket; return the copy in the staff chat."""
    mark = len(standin.sent)
    await standin.send_text(asn, text)
    [copy] = await standin.wait_for_sent(
        lambda r: r.method == "copyMessage", chat_id=staff_chat, since=mark
    )
    return copy


async def claim(standin: BotApiStandIn, asn: FakeUser, card: SentRecord, n: int) -> None:
    """A consultant takes the ticket; the ASN is told."""
    await standin.press_button(ANDI, card, f"tiket:ambil:{n}")
    await standin.wait_for_sent(lambda r: "sudah ditangani" in text_of(r), chat_id=asn.id)


async def answer(standin: BotApiStandIn, asn: FakeUser, staff_chat: int, **where: int) -> int:
    """A consultant answers in the staff chat; return their message's id once the ASN has it."""
    mark = len(standin.sent)
    update = await standin.send_text(
        ANDI, "Baik Bu, kronologinya kami pelajari.", chat_id=staff_chat, **where
    )
    await standin.wait_for_sent(
        lambda r: "kronologinya kami pelajari" in text_of(r), chat_id=asn.id, since=mark
    )
    return int(update["message"]["message_id"])


async def delete_data(standin: BotApiStandIn, asn: FakeUser) -> str:
    """/hapus_data, confirmed; return what the user is told."""
    await standin.send_text(asn, "/hapus_data")
    [confirm] = await standin.wait_for_sent(lambda r: "hapus:ya" in r.callback_data, chat_id=asn.id)
    assert confirm.callback_data == ["hapus:ya", "hapus:batal"]
    await standin.press_button(asn, confirm, "hapus:ya")
    [done] = await standin.wait_for_sent(
        lambda r: r.method == "editMessageText" and "sudah dihapus" in text_of(r), chat_id=asn.id
    )
    assert done.reply_markup is None
    return text_of(done)


async def staff_note(standin: BotApiStandIn, staff_chat: int, mark: int) -> SentRecord:
    [note] = await standin.wait_for_sent(
        lambda r: "menghapus datanya" in text_of(r), chat_id=staff_chat, since=mark
    )
    return note


async def assert_nothing_personal_left(db: async_sessionmaker[AsyncSession], asn: FakeUser) -> None:
    """No message, question, rating comment or name of the ASN; no outbox payload quoting them."""
    async with db() as session:
        left = await session.scalar(
            select(func.count())
            .select_from(Message)
            .where(or_(Message.user_id == asn.id, Message.chat_id == asn.id))
        )
        all_texts = " ".join(t or "" for t in await session.scalars(select(Message.text)))
        tickets = list(await session.scalars(select(Ticket).where(Ticket.user_id == asn.id)))
        user = await session.get(User, asn.id)
        payloads = " ".join(await session.scalars(select(StaffNotice.payload)))
    assert left == 0
    assert "bawaslu" not in all_texts and "kronologi" not in all_texts
    assert tickets and all(t.question is None and t.rating_comment is None for t in tickets)
    assert all(t.status == "selesai" and t.reason and t.created_at for t in tickets)  # counts
    assert user is not None and user.first_name is None and user.username is None
    assert user.data_deleted_at is not None
    for personal in ("bawaslu", "kronologi", "lampiran", asn.first_name, asn.username):
        assert personal is None or personal not in payloads


ALWAYS_OPEN = {
    "office_days": [1, 2, 3, 4, 5, 6, 7],
    "office_hours_start": "00:00",
    "office_hours_end": "23:59",
    "holidays": [],
}


@pytest.fixture
async def reminding_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    """The bot reminding the staff of an unclaimed ticket at once (a note about the ticket),
    whatever the day and hour (reminders come within office hours only)."""
    config = tmp_path / "config.yml"
    queue = {"remind_unclaimed_minutes": 0, "remind_unanswered_minutes": 600, **ALWAYS_OPEN}
    config.write_text(yaml.safe_dump({"queue": {**queue, "remind_every_minutes": 600}}))
    process = BotProcess(standin, tmp_path / "bot.log", **bot_env, TANYA_NETRAL_CONFIG=str(config))
    await process.start()
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


async def test_hapus_data_replaces_the_card_and_deletes_the_copies_in_a_group(
    standin: BotApiStandIn, reminding_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    asn = FakeUser(801, first_name="Ratna", username="ratna_guru")
    card = await open_case(standin, asn, STAFF_CHAT_ID)
    n = int(text_of(card).split("Tiket ")[1].split()[0])
    [reminder] = await standin.wait_for_sent(
        lambda r: text_of(r).startswith("⏰"), chat_id=STAFF_CHAT_ID
    )
    fresh = await relay(standin, asn, "ini kronologinya: kemarin sore saya ...", STAFF_CHAT_ID)
    old = await relay(standin, asn, "lampiran: surat panggilan", STAFF_CHAT_ID)
    standin.state.age_message(STAFF_CHAT_ID, old.message_id or 0, TWO_DAYS)  # past Telegram's 48 h
    await claim(standin, asn, card, n)
    reply = await answer(standin, asn, STAFF_CHAT_ID, reply_to_message_id=card.message_id or 0)
    # One more message, whose copy is on its way while the data is deleted.
    standin.delay_next("copyMessage", 3.5)  # within the bot's 5 s read timeout
    mark = len(standin.sent)
    await standin.send_text(asn, "satu lagi: nomor surat 123/BWS")
    await asyncio.sleep(1.0)  # its copy is under way, held by the stand-in

    told = await delete_data(standin, asn)
    assert "grup konsultan" in told and "48 jam" in told

    note = await staff_note(standin, STAFF_CHAT_ID, mark)
    [late] = [r for r in standin.sent[mark:] if "nomor surat" in text_of(r)]
    assert late.method == "copyMessage" and late.chat_id == STAFF_CHAT_ID
    assert standin.message(STAFF_CHAT_ID, late.message_id or 0) is None  # deleted on arrival
    shown = standin.message(STAFF_CHAT_ID, card.message_id or 0)
    assert text_of(shown) == f"🗑 Tiket {n}: data dihapus atas permintaan pengguna."
    assert shown is not None and shown.get("reply_markup") is None
    assert standin.message(STAFF_CHAT_ID, fresh.message_id or 0) is None
    assert standin.message(STAFF_CHAT_ID, reply) is None  # the consultant's own reply
    assert standin.message(STAFF_CHAT_ID, reminder.message_id or 0) is None  # the bot's note
    assert standin.message(STAFF_CHAT_ID, old.message_id or 0) is not None  # refused: too old
    said = text_of(note)
    assert f"Tiket {n} ditutup" in said and f"Tiket {n}: kartunya diganti dan 3 pesan" in said
    assert "1 pesan tidak dapat dihapus" in said
    assert f"https://t.me/c/1000000001/{old.message_id}" in said and "manual" in said
    assert "/jawab" in said  # what the consultants wrote themselves is theirs to delete
    assert "bawaslu" not in said and "kronologi" not in said and "Ratna" not in said
    await assert_nothing_personal_left(db, asn)


@pytest.fixture
async def forum_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    standin.add_group(FORUM_CHAT_ID, "LKBH — forum", is_forum=True)
    process = BotProcess(
        standin, tmp_path / "bot.log", **{**bot_env, "STAFF_CHAT_ID": str(FORUM_CHAT_ID)}
    )
    await process.start()
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


async def test_hapus_data_deletes_the_forum_topic_or_says_it_could_not(
    standin: BotApiStandIn, forum_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    forum = standin.state.chats[FORUM_CHAT_ID]
    asn = FakeUser(811, first_name="Wulan")
    card = await open_case(standin, asn, FORUM_CHAT_ID)
    thread = card.message_thread_id or 0
    copy = await relay(standin, asn, "ini kronologinya: kemarin sore saya ...", FORUM_CHAT_ID)
    assert copy.message_thread_id == thread
    mark = len(standin.sent)
    await delete_data(standin, asn)

    # The topic goes, and every message in it; the staff are told outside it.
    note = await staff_note(standin, FORUM_CHAT_ID, mark)
    [deleted] = await standin.wait_for_call("deleteForumTopic")
    assert deleted.status == 200 and thread not in forum.topics
    for message_id in (card.message_id, copy.message_id):
        assert standin.message(FORUM_CHAT_ID, message_id or 0) is None
    assert note.message_thread_id is None and "topiknya dihapus" in text_of(note)
    assert "bawaslu" not in text_of(note) and "manual" not in text_of(note)
    await assert_nothing_personal_left(db, asn)

    # Without the right to delete messages the topic stays: the card is replaced, the bot's
    # copy deleted, and the staff told what they must delete themselves.
    asn = FakeUser(812, first_name="Yanti")
    card = await open_case(standin, asn, FORUM_CHAT_ID)
    n, thread = int(text_of(card).split("Tiket ")[1].split()[0]), card.message_thread_id or 0
    copy = await relay(standin, asn, "lampiran: surat panggilan", FORUM_CHAT_ID)
    await claim(standin, asn, card, n)
    reply = await answer(standin, asn, FORUM_CHAT_ID, message_thread_id=thread)
    standin.set_member(FORUM_CHAT_ID, standin.state.bot_user["id"], "member")
    mark = len(standin.sent)
    await delete_data(standin, asn)

    note = await staff_note(standin, FORUM_CHAT_ID, mark)
    assert thread in forum.topics
    assert "data dihapus" in text_of(standin.message(FORUM_CHAT_ID, card.message_id or 0))
    assert standin.message(FORUM_CHAT_ID, copy.message_id or 0) is None
    assert standin.message(FORUM_CHAT_ID, reply) is not None  # a consultant's: not the bot's
    said = text_of(note)
    assert f"Topik tiket {n} tidak dapat dihapus" in said and "1 pesan tidak dapat" in said
    assert f"https://t.me/c/2000000021/{reply}" in said
    assert "lampiran" not in said and "bawaslu" not in said
    await assert_nothing_personal_left(db, asn)


async def test_hapus_data_can_be_cancelled(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    asn = FakeUser(802)
    await standin.send_text(asn, "pns boleh like postingan capres di ig?")
    await standin.wait_for_sent(chat_id=asn.id)
    await standin.send_text(asn, "/hapus_data")
    [confirm] = await standin.wait_for_sent(lambda r: "hapus:ya" in r.callback_data)
    await standin.press_button(asn, confirm, "hapus:batal")
    await standin.wait_for_call("editMessageText")
    shown = standin.message(asn.id, confirm.message_id or 0)
    assert shown is not None and "dibatalkan" in shown["text"]
    async with db() as session:
        texts = list(await session.scalars(select(Message.text).where(Message.user_id == asn.id)))
    assert "pns boleh like postingan capres di ig?" in texts


async def test_user_can_let_consultants_see_their_name(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    asn = FakeUser(803, first_name="Wayan")
    await standin.send_text(asn, "/nama")
    [question] = await standin.wait_for_sent(chat_id=asn.id)
    assert question.callback_data == ["nama:tampilkan", "nama:samaran"]
    await standin.press_button(asn, question, "nama:tampilkan")
    [confirmed] = await standin.wait_for_sent(
        lambda r: r.method == "editMessageText", chat_id=asn.id
    )
    assert "nama Telegram Anda" in (confirmed.plain_text or "")

    await hand_case_over(
        standin, asn, "sy dilaporkan ke bawaslu krn foto sama caleg, tolong dampingi"
    )
    [card] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID)
    assert "Wayan" in (card.plain_text or "")
    async with db() as session:
        user = await session.get(User, asn.id)
    assert user is not None and user.share_name is True

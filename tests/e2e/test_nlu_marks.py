"""Consultants feed the NLU review queue (issue 24, item 1): closing a ticket opened from a
question the assistant read offers [🤖 Asisten sebenarnya bisa menjawab] (on the closed card
and under /tutup's confirmation), then the topics; ``/label N topik`` re-labels a ticket's
question. Each mark queues the question that opened the ticket, audited; a second mark updates
the waiting item. Team members only. The real bot process, Rasa, the Bot API stand-in, SQLite
and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import AuditEvent, Message, Ticket
from bot.storage.models import NluReviewItem
from tests.e2e import test_ticket_notes
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import (
    ON_SQLITE_AND_POSTGRESQL,
    STAFF_CHAT_ID,
    open_ticket_through_the_bot,
    skip_intake,
)
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord

pytestmark = [pytest.mark.e2e, pytest.mark.rasa, ON_SQLITE_AND_POSTGRESQL]

ASN = FakeUser(871, first_name="Rina")
OTHER_ASN = FakeUser(872, first_name="Dodi")
ANDI = FakeUser(7001, first_name="Andi", last_name="Konsultan")
BUDI = FakeUser(7002, first_name="Budi")
OUTSIDER = FakeUser(9001, first_name="Tamu")
THIRD_ASN = FakeUser(873, first_name="Wati")
TOPIC_QUESTION = "bolehkah pns like postingan capres di ig?"
CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"

# SQLite and PostgreSQL; office hours always open (no after-hours notice among the replies).
group_bot = test_ticket_notes.group_bot


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


async def reply_to(
    standin: BotApiStandIn, user: FakeUser, text: str, chat_id: int | None = None
) -> SentRecord:
    """Send ``text``; the bot's first message in that chat after it."""
    mark = len(standin.sent)
    await standin.send_text(user, text, chat_id=chat_id)
    [reply, *_] = await standin.wait_for_sent(chat_id=chat_id or user.id, since=mark, timeout=20)
    return reply


async def edited(standin: BotApiStandIn, message: SentRecord, mark: int, part: str) -> SentRecord:
    """The edit of ``message`` since ``mark`` that shows ``part``."""
    [edit, *_] = await standin.wait_for_sent(
        lambda r: (
            r.method == "editMessageText"
            and r.message_id == message.message_id
            and part in text_of(r)
        ),
        chat_id=message.chat_id,
        since=mark,
        timeout=20,
    )
    return edit


async def refused_press(standin: BotApiStandIn, message: SentRecord, data: str) -> None:
    """An outsider presses a button ``message`` has: told it is for consultants only."""
    answers = len(standin.callback_answers)
    await standin.press_button(OUTSIDER, message.message_id or 0, data, chat_id=message.chat_id)
    await standin.wait_for_call("answerCallbackQuery", count=answers + 1, timeout=20)
    [answer] = standin.callback_answers[answers:]
    assert answer.show_alert
    assert "hanya konsultan" in (answer.text or "")


async def review_items(db: async_sessionmaker[AsyncSession]) -> list[tuple[str, str, str]]:
    """(question text, source, suggested intent) of every item in the review queue."""
    async with db() as session:
        rows = await session.execute(
            select(Message.text, NluReviewItem.source, NluReviewItem.suggested_intent).join(
                Message, Message.id == NluReviewItem.message_id
            )
        )
        return [(str(text), str(source), str(intent)) for text, source, intent in rows]


async def marks(db: async_sessionmaker[AsyncSession]) -> list[tuple[int | None, str, int | None]]:
    """(consultant, action, ticket) of the audited marks, each detail being a topic id."""
    async with db() as session:
        events = list(
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.in_(["nlu_bisa_jawab", "nlu_label"]))
                .order_by(AuditEvent.id)
            )
        )
    assert all(e.detail and e.detail.replace("_", "").isalpha() for e in events)
    return [(e.actor_id, e.action, e.ticket_id) for e in events]


async def test_closing_marks_answerable_and_label_relabels_the_same_item(
    standin: BotApiStandIn, group_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    n = await open_ticket_through_the_bot(standin, db, ASN, CASE)
    [card] = await standin.wait_for_sent(
        lambda r: f"tiket:tutup:{n}" in r.callback_data, chat_id=STAFF_CHAT_ID, timeout=20
    )

    # [Tutup] on the card: the closed card offers the one extra button.
    mark = len(standin.sent)
    await standin.press_button(
        ANDI, card.message_id or 0, f"tiket:tutup:{n}", chat_id=STAFF_CHAT_ID
    )
    closed = await edited(standin, card, mark, "selesai")
    assert closed.callback_data == [f"tandai:bisa:{n}"]
    assert closed.reply_markup is not None
    assert (
        closed.reply_markup["inline_keyboard"][0][0]["text"]
        == "🤖 Asisten sebenarnya bisa menjawab"
    )

    # Someone in the group who is not a consultant can press nothing.
    await refused_press(standin, closed, f"tandai:bisa:{n}")

    # The button: the 18 topics and [Batal], under the card.
    mark = len(standin.sent)
    await standin.press_button(
        ANDI, card.message_id or 0, f"tandai:bisa:{n}", chat_id=STAFF_CHAT_ID
    )
    [picker] = await standin.wait_for_sent(
        lambda r: f"tandai:bisa:{n}:hak_pilih" in r.callback_data,
        chat_id=STAFF_CHAT_ID,
        since=mark,
        timeout=20,
    )
    assert len(picker.callback_data) == 19 and picker.callback_data[-1] == "tandai:batal"
    assert not [
        d for d in picker.callback_data if d.endswith(("di_luar_topik", "konsultasi_kasus"))
    ]
    assert picker.reply_to_message_id == card.message_id
    assert f"tiket {n}" in text_of(picker) and "Asisten membacanya sebagai" in text_of(picker)
    await refused_press(standin, picker, f"tandai:bisa:{n}:media_sosial")
    assert await review_items(db) == []

    # A topic: the question that opened the ticket joins the review queue, audited.
    mark = len(standin.sent)
    await standin.press_button(ANDI, picker, f"tandai:bisa:{n}:hak_pilih", chat_id=STAFF_CHAT_ID)
    done = await edited(standin, picker, mark, "Dicatat untuk tinjauan NLU: Hak pilih")
    assert done.callback_data == []
    assert await review_items(db) == [(CASE, "consultant_answerable", "hak_pilih")]
    assert await marks(db) == [(ANDI.id, "nlu_bisa_jawab", n)]

    # /label by a colleague, privately: the same item, re-labelled.
    said = await reply_to(standin, BUDI, f"/label {n} media_sosial")
    assert "Dicatat untuk tinjauan NLU: Media sosial" in text_of(said)
    assert await review_items(db) == [(CASE, "consultant_relabel", "media_sosial")]

    # Not for anyone else, in the group or privately.
    for chat in (STAFF_CHAT_ID, None):
        said = await reply_to(standin, OUTSIDER, f"/label {n} sanksi", chat)
        assert "khusus untuk konsultan" in text_of(said)
    # A title word names the topic; one naming none offers the buttons, all of them.
    said = await reply_to(standin, ANDI, f"/label {n} pribadi", STAFF_CHAT_ID)
    assert "Dicatat untuk tinjauan NLU: Kasus pribadi" in text_of(said)
    said = await reply_to(standin, ANDI, f"/label {n} gaji pensiun", STAFF_CHAT_ID)
    assert "«gaji pensiun» tidak dikenal" in text_of(said) and len(said.callback_data) == 21
    assert await review_items(db) == [(CASE, "consultant_relabel", "konsultasi_kasus")]
    assert await marks(db) == [
        (ANDI.id, "nlu_bisa_jawab", n),
        (BUDI.id, "nlu_label", n),
        (ANDI.id, "nlu_label", n),
    ]


async def test_label_offers_topics_and_a_ticket_without_a_read_question_has_none(
    standin: BotApiStandIn, group_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    # /tutup's confirmation offers the button; [Batal] records nothing.
    n = await open_ticket_through_the_bot(standin, db, ASN, CASE)
    closing = await reply_to(standin, ANDI, f"/tutup {n}")
    assert f"Tiket {n} ditutup" in text_of(closing)
    assert closing.callback_data == [f"tandai:bisa:{n}"]
    mark = len(standin.sent)
    await standin.press_button(ANDI, closing, f"tandai:bisa:{n}")
    [picker] = await standin.wait_for_sent(
        lambda r: "tandai:batal" in r.callback_data, chat_id=ANDI.id, since=mark, timeout=20
    )
    mark = len(standin.sent)
    await standin.press_button(ANDI, picker, "tandai:batal")
    await edited(standin, picker, mark, "Dibatalkan")
    assert await review_items(db) == []

    # /label N alone: the topics, with out of scope and personal case; one of them is taken.
    offer = await reply_to(standin, ANDI, f"/label {n}")
    assert offer.callback_data[-3:] == [
        f"tandai:label:{n}:di_luar_topik",
        f"tandai:label:{n}:konsultasi_kasus",
        "tandai:batal",
    ]
    mark = len(standin.sent)
    await standin.press_button(ANDI, offer, f"tandai:label:{n}:di_luar_topik")
    await edited(standin, offer, mark, "Dicatat untuk tinjauan NLU: Di luar topik")
    assert await review_items(db) == [(CASE, "consultant_relabel", "di_luar_topik")]

    # A ticket whose question the assistant never read: typed for the consultant after
    # /konsultan. No button on closing, and /label says politely there is nothing to label.
    prompt = await reply_to(standin, OTHER_ASN, "/konsultan")
    mark = len(standin.sent)
    await standin.send_text(OTHER_ASN, CASE, reply_to_message_id=prompt.message_id)
    await skip_intake(standin, OTHER_ASN, since=mark)
    async with db() as session:
        [typed] = await session.scalars(
            select(Message.ticket_id).where(Message.user_id == OTHER_ASN.id, Message.text == CASE)
        )
    assert typed is not None and typed != n
    closing = await reply_to(standin, ANDI, f"/tutup {typed}")
    assert f"Tiket {typed} ditutup" in text_of(closing) and closing.callback_data == []
    said = await reply_to(standin, ANDI, f"/label {typed} media_sosial")
    assert "tidak ada pertanyaan untuk ditandai" in text_of(said)
    assert "tidak ditemukan" in text_of(await reply_to(standin, ANDI, "/label 99999 sanksi"))
    assert "Format: /label <nomor tiket>" in text_of(await reply_to(standin, ANDI, "/label x"))
    assert await review_items(db) == [(CASE, "consultant_relabel", "di_luar_topik")]
    assert await marks(db) == [(ANDI.id, "nlu_label", n)]

    # A ticket opened by [Tanya konsultan LKBH] under an answer: its question is the one
    # answered, which the card shows as read.
    answer = await reply_to(standin, THIRD_ASN, TOPIC_QUESTION)
    assert "konsultan:tombol" in answer.callback_data
    mark = len(standin.sent)
    await standin.press_button(THIRD_ASN, answer, "konsultan:tombol")
    await skip_intake(standin, THIRD_ASN, since=mark)
    async with db() as session:
        [asked] = await session.scalars(select(Ticket.id).where(Ticket.user_id == THIRD_ASN.id))
    said = await reply_to(standin, BUDI, f"/label {asked} hak_pilih", STAFF_CHAT_ID)
    assert "Dicatat untuk tinjauan NLU: Hak pilih" in text_of(said)
    assert (TOPIC_QUESTION, "consultant_relabel", "hak_pilih") in await review_items(db)

"""Cards that help decide (issue 22, item 5): in a forum staff group a ticket's topic is named
with its status and topic title, renamed as its status changes and closed with the ticket;
the card shows what the assistant read in the question, the same ASN's earlier tickets and the
intake; /tiket N begins with the question that opened the ticket. The real bot process, Rasa,
the Bot API stand-in, SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.knowledge.base import load_knowledge_base
from bot.queue import clock
from bot.queue.card_facts import short_date
from bot.queue.topics import topic_title
from bot.storage import Ticket
from bot.storage.enums import Employment
from tests.e2e import test_ticket_notes
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import ON_SQLITE_AND_POSTGRESQL, open_ticket_through_the_bot
from tests.e2e.test_bot_profile import logged
from tests.e2e.test_ticket_notes import FORUM_CHAT_ID
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord

pytestmark = [pytest.mark.e2e, pytest.mark.rasa, ON_SQLITE_AND_POSTGRESQL]

ASN = FakeUser(861, first_name="Wulan")
ANDI = FakeUser(7001, first_name="Andi", last_name="Konsultan")
FIRST_CASE = "sy dilaporkan ke bawaslu krn komen di fb caleg, tolong bantu sy"
CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
JAKARTA = ZoneInfo("Asia/Jakarta")
KNOWLEDGE = load_knowledge_base()

# SQLite and PostgreSQL, and the bot with a forum staff group, as the notes tests have them.
forum_bot = test_ticket_notes.forum_bot


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


async def posted_card(standin: BotApiStandIn, n: int) -> SentRecord:
    """The card of ticket ``n`` as first posted in the forum."""
    [card] = await standin.wait_for_sent(
        lambda r: r.method == "sendMessage" and text_of(r).startswith(f"🆕 Tiket {n} ·"),
        chat_id=FORUM_CHAT_ID,
        timeout=20,
    )
    return card


async def card_edit(standin: BotApiStandIn, card: SentRecord, mark: int, *shows: str) -> str:
    """The text of the first edit of ``card`` since ``mark`` that shows all of ``shows``."""
    [edit, *_] = await standin.wait_for_sent(
        lambda r: (
            r.method == "editMessageText"
            and r.message_id == card.message_id
            and all(part in text_of(r) for part in shows)
        ),
        chat_id=FORUM_CHAT_ID,
        since=mark,
        timeout=20,
    )
    return text_of(edit)


def topic_edits(standin: BotApiStandIn) -> tuple[int, int]:
    """The bot's editForumTopic calls so far: (done, refused)."""
    calls = [c for c in standin.calls if c.method == "editForumTopic"]
    done = sum(1 for c in calls if c.status == 200)
    return done, len(calls) - done


async def title_of_ticket(db: async_sessionmaker[AsyncSession], n: int) -> str:
    async with db() as session:
        ticket = await session.get(Ticket, n)
        assert ticket is not None
        return topic_title(KNOWLEDGE, ticket.topic)


async def close_and_rate(
    standin: BotApiStandIn, db: async_sessionmaker[AsyncSession], n: int, stars: int
) -> None:
    """A consultant closes ticket ``n``; the ASN rates it."""
    mark = len(standin.sent)
    await standin.send_text(ANDI, f"/tutup {n}")
    [prompt] = await standin.wait_for_sent(
        lambda r: f"nilai:{n}:{stars}" in r.callback_data, chat_id=ASN.id, since=mark
    )
    await standin.press_button(ASN, prompt, f"nilai:{n}:{stars}")
    await standin.wait_for_sent(
        lambda r: f"{stars}/5" in text_of(r), chat_id=ASN.id, since=mark, timeout=20
    )
    async with db() as session:
        rating = (await session.scalars(select(Ticket.rating).where(Ticket.id == n))).one()
    assert rating == stars


async def test_the_card_helps_decide_and_the_topic_follows_the_ticket(
    standin: BotApiStandIn, forum_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    earlier = await open_ticket_through_the_bot(standin, db, ASN, FIRST_CASE)
    earlier_card = await posted_card(standin, earlier)
    mark = len(standin.sent)
    await close_and_rate(standin, db, earlier, 4)
    await card_edit(standin, earlier_card, mark, "⭐4")  # the rating reaches the closed card

    n = await open_ticket_through_the_bot(standin, db, ASN, CASE)
    title = await title_of_ticket(db, n)
    assert "_" not in title
    card = await posted_card(standin, n)
    thread = card.message_thread_id
    assert thread is not None
    topic = standin.forum_topic(FORUM_CHAT_ID, thread)
    assert topic is not None and topic.name == f"🆕 Tiket {n} · {title}" and not topic.is_closed

    # The card: the topic in words, what the assistant read, the ASN's earlier ticket.
    shown = text_of(card)
    assert shown.startswith(f"🆕 Tiket {n} · {title}\n")
    assert re.search(r"^🤖 Dibaca sebagai: .+ \(yakin \d+%\)", shown, re.MULTILINE), shown
    today = clock.now().astimezone(JAKARTA).date()
    closed_on = short_date(today, today)  # "3 Nov": the format is pinned by the unit tests
    earlier_title = await title_of_ticket(db, earlier)
    assert f"Tiket sebelumnya: #{earlier} {earlier_title} (ditutup {closed_on}, ⭐4)" in shown

    # The intake, written by its own steps, shows once a claim updates the card; the topic
    # is renamed with the owner.
    async with db() as session:
        await session.execute(
            update(Ticket)
            .where(Ticket.id == n)
            .values(
                employment=Employment.PNS,
                agency="Pemkab Bogor",
                deadline=today + timedelta(days=2),
            )
        )
        await session.commit()
    mark = len(standin.sent)
    await standin.press_button(ANDI, card, f"tiket:ambil:{n}", chat_id=FORUM_CHAT_ID)
    claimed = await card_edit(standin, card, mark, "diambil oleh Andi Konsultan")
    assert "Kepegawaian: PNS · Instansi: Pemkab Bogor" in claimed
    assert "⏰ Tenggat: " in claimed and "(2 hari lagi)" in claimed
    await standin.wait_for_topic(
        FORUM_CHAT_ID, thread, lambda t: t.name == f"🟡 Tiket {n} · {title} · Andi Konsultan"
    )

    # A pending hand-over shows on the next card update (a note); the topic keeps its name.
    renames, refused = topic_edits(standin)
    async with db() as session:
        await session.execute(update(Ticket).where(Ticket.id == n).values(transfer_to_name="Budi"))
        await session.commit()
    mark = len(standin.sent)
    await standin.send_text(ANDI, f"/catatan {n} cek surat panggilan")
    await card_edit(standin, card, mark, "↪ Menunggu diterima oleh Budi", "cek surat panggilan")
    unchanged = await standin.wait_for_call(
        "editForumTopic", lambda c: c.status != 200, count=refused + 1, timeout=20
    )
    assert "TOPIC_NOT_MODIFIED" in (unchanged[-1].description or "")
    assert topic_edits(standin)[0] == renames

    # /tiket N begins with the question that opened the ticket.
    mark = len(standin.sent)
    await standin.send_text(ANDI, f"/tiket {n}")
    [first, *_] = await standin.wait_for_sent(
        lambda r: f"Tiket {n}" in text_of(r), chat_id=ANDI.id, since=mark
    )
    lines = text_of(first).splitlines()
    assert lines[0].startswith(f"🗂 Tiket {n} · {title} · ")
    assert lines[1:3] == ["Pertanyaan:", CASE]
    assert lines[3].startswith("🤖 Dibaca sebagai: ")

    # Closing renames the topic with ✅ and closes it.
    mark = len(standin.sent)
    await standin.send_text(ANDI, f"/tutup {n}")
    await card_edit(standin, card, mark, "✅ selesai — ditutup konsultan")
    closed = await standin.wait_for_topic(FORUM_CHAT_ID, thread, lambda t: t.is_closed)
    assert closed.name == f"✅ Tiket {n} · {title}"


async def test_a_topic_the_bot_may_not_manage_still_gets_its_card_updated(
    standin: BotApiStandIn, forum_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    n = await open_ticket_through_the_bot(standin, db, ASN, CASE)
    card = await posted_card(standin, n)
    thread = card.message_thread_id
    assert thread is not None
    standin.fail_next(
        "editForumTopic", error_code=400, description="Bad Request: not enough rights"
    )
    mark = len(standin.sent)
    await standin.press_button(ANDI, card, f"tiket:ambil:{n}", chat_id=FORUM_CHAT_ID)
    await card_edit(standin, card, mark, "diambil oleh Andi Konsultan")
    await standin.wait_for_call("editForumTopic", lambda c: c.status == 400)
    topic = standin.forum_topic(FORUM_CHAT_ID, thread)
    assert topic is not None and topic.name.startswith("🆕 ")
    assert "Not enough rights" in await logged(forum_bot, f"Forum topic of ticket {n}")
    async with db() as session:
        ticket = (await session.scalars(select(Ticket).where(Ticket.id == n))).one()
    assert ticket.consultant_id == ANDI.id

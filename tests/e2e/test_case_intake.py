"""Ask before opening a case, the short intake, /konsultan's question (issue 22, item 8).

A personal case is offered to the consultants first ([Ya, teruskan] / [Tidak]); yes opens the
ticket and its card at once, then three skippable questions (PNS or PPPK, province or agency,
a deadline) add to the ticket and its card; /antrian lists tickets with a deadline first.
/konsultan with an old last question asks which one to send. Through the real bot process,
Rasa and the Bot API stand-in, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.queue.deadlines import MONTHS, deadline_label
from bot.storage import Message, Ticket
from bot.storage.enums import Employment
from bot.storage.models import StaffNotice
from bot.storage.outbox import NoticeKind
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import (
    ON_SQLITE_AND_POSTGRESQL,
    STAFF_CHAT_ID,
    always_open_config,
    open_ticket_through_the_bot,
)
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord

pytestmark = [pytest.mark.e2e, pytest.mark.rasa, ON_SQLITE_AND_POSTGRESQL]

ASN = FakeUser(861, first_name="Nur")
CONSULTANT = FakeUser(7001, first_name="Andi")
CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
TOPIC_QUESTION = "bolehkah pns like postingan capres di instagram?"
MONTH_NAMES = {number: name for name, number in MONTHS.items() if len(name) > 4 or name == "mei"}


@pytest.fixture
async def bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    """The bot with office hours always open (no after-hours notice among the messages)."""
    config = always_open_config(tmp_path)
    process = BotProcess(standin, tmp_path / "bot.log", **bot_env, TANYA_NETRAL_CONFIG=str(config))
    await process.start()
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


async def say(standin: BotApiStandIn, text: str, asn: FakeUser = ASN) -> SentRecord:
    """Send a text; return the bot's first reply."""
    mark = len(standin.sent)
    await standin.send_text(asn, text)
    [reply, *_] = await standin.wait_for_sent(chat_id=asn.id, since=mark, timeout=20)
    return reply


async def press(standin: BotApiStandIn, message: SentRecord, data: str) -> SentRecord:
    """Press a button the message shows; return the bot's next message to the ASN."""
    mark = len(standin.sent)
    await standin.press_button(ASN, message, data)
    [reply, *_] = await standin.wait_for_sent(
        lambda r: r.method == "sendMessage", chat_id=ASN.id, since=mark, timeout=20
    )
    return reply


async def tickets(db: async_sessionmaker[AsyncSession]) -> list[Ticket]:
    async with db() as session:
        return list(await session.scalars(select(Ticket).order_by(Ticket.id)))


async def test_a_case_is_offered_first_and_no_opens_nothing(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    offer = await say(standin, CASE)
    assert "Teruskan ke konsultan LKBH KORPRI?" in text_of(offer)
    [forward, decline] = offer.callback_data
    assert re.fullmatch(r"kasus:ya:\d+", forward) and re.fullmatch(r"kasus:tidak:\d+", decline)
    declined = await press(standin, offer, decline)
    assert "tidak diteruskan" in text_of(declined)
    assert any(data.startswith("topik:") for data in declined.callback_data)  # the topic menu
    await asyncio.sleep(0.5)
    assert await tickets(db) == []
    assert not [r for r in standin.sent if r.chat_id == STAFF_CHAT_ID]


async def test_yes_opens_the_ticket_and_its_card_once_and_the_intake_fills_it(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    offer = await say(standin, CASE)
    [forward, _] = offer.callback_data
    first = await press(standin, offer, forward)
    [ticket] = await tickets(db)
    assert ticket.question == CASE and ticket.reason == "konsultasi_kasus"
    assert ticket.intake_step == "kepegawaian"
    assert f"nomor tiket {ticket.id}" in text_of(first) and "PNS" in text_of(first)
    await standin.wait_for_sent(lambda r: "bawaslu" in text_of(r), chat_id=STAFF_CHAT_ID)
    # The old offer pressed again (a double tap) opens nothing more.
    mark = len(standin.sent)
    await standin.deliver_raw(standin.make_callback_query(ASN, offer, forward))
    await standin.wait_for_call("answerCallbackQuery", count=2)
    await asyncio.sleep(0.5)
    assert len(await tickets(db)) == 1
    assert not [r for r in standin.sent[mark:] if "nomor tiket" in text_of(r)]

    agency = await press(standin, first, f"isian:{ticket.id}:kepegawaian:pns")
    assert "2/3" in text_of(agency)
    deadline = (datetime.now(ZoneInfo("Asia/Jakarta")) + timedelta(days=10)).date()
    asked = await say(standin, "Kab. Sleman")
    assert "3/3" in text_of(asked)
    ack = await say(standin, f"{deadline.day} {MONTH_NAMES[deadline.month].title()}")
    assert f"nomor tiket {ticket.id}" in text_of(ack) and "Berikutnya" in text_of(ack)
    [filled] = await tickets(db)
    assert filled.employment == Employment.PNS and filled.agency == "Kab. Sleman"
    assert filled.deadline == deadline and filled.intake_step is None
    # Each answer showed on the card: its updates were posted to the staff chat.
    for _ in range(100):
        async with db() as session:
            posted = await session.scalar(
                select(func.count()).where(
                    StaffNotice.kind == NoticeKind.CARD_UPDATE.value,
                    StaffNotice.ticket_id == ticket.id,
                    StaffNotice.sent_at.is_not(None),
                )
            )
        if posted:
            break
        await asyncio.sleep(0.1)
    assert posted
    # Once the ticket is closed, the old offer opens no second ticket from the same question.
    await say(standin, "/selesai")
    answered = len(standin.callback_answers)
    await standin.deliver_raw(standin.make_callback_query(ASN, offer, forward))
    await standin.wait_for_call("answerCallbackQuery", count=answered + 1)
    await asyncio.sleep(0.5)
    assert len(await tickets(db)) == 1


async def test_the_intake_skipped_leaves_the_ticket_as_opened(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    number = await open_ticket_through_the_bot(standin, db, ASN, CASE)
    [ticket] = await tickets(db)
    assert ticket.id == number and ticket.intake_step is None
    assert (ticket.employment, ticket.agency, ticket.deadline) == (None, None, None)
    # Now the ASN talks to the consultant: a message is relayed under the card.
    await standin.send_text(ASN, "ini kronologinya pak")
    await standin.wait_for_sent(
        lambda r: "kronologinya" in text_of(r), chat_id=STAFF_CHAT_ID, timeout=20
    )


async def test_a_question_typed_at_the_agency_step_is_the_agency(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    first = await say(standin, "/konsultan")  # no question yet: asked to type it
    assert "balasan pesan ini" in text_of(first)
    mark = len(standin.sent)
    await standin.send_text(ASN, CASE, reply_to_message_id=first.message_id)
    [intake, *_] = await standin.wait_for_sent(chat_id=ASN.id, since=mark, timeout=20)
    [ticket] = await tickets(db)
    assert ticket.question == CASE and ticket.reason == "minta_konsultan"
    await press(standin, intake, f"isian:{ticket.id}:kepegawaian:lewati")
    reply = await say(standin, TOPIC_QUESTION)
    assert "3/3" in text_of(reply)  # not the NLU's answer: the next intake question
    assert not [d for d in reply.callback_data if d.startswith("umpan:")]
    # A date that cannot be read is asked again once, then taken as no deadline.
    again = await say(standin, "belum tahu")
    assert "belum dapat saya baca" in text_of(again)
    ack = await say(standin, "pokoknya secepatnya")
    assert "Berikutnya" in text_of(ack)
    [filled] = await tickets(db)
    assert filled.agency == TOPIC_QUESTION and filled.deadline is None
    assert filled.employment is None and filled.intake_step is None


async def test_konsultan_with_an_old_question_asks_which_one(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    await say(standin, TOPIC_QUESTION)
    async with db() as session:
        await session.execute(
            update(Message).values(created_at=datetime.now(UTC) - timedelta(hours=2))
        )
        await session.commit()
    which = await say(standin, "/konsultan")
    assert TOPIC_QUESTION in text_of(which)
    [send_it, write_new] = which.callback_data
    assert write_new == "konsultan:tulis"
    assert await tickets(db) == []
    await press(standin, which, send_it)
    [ticket] = await tickets(db)
    assert ticket.question == TOPIC_QUESTION and ticket.reason == "minta_konsultan"


async def test_the_queue_lists_tickets_with_a_deadline_first(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    users = [FakeUser(870 + i, first_name=f"Asn{i}") for i in range(3)]
    numbers = [await open_ticket_through_the_bot(standin, db, user, CASE) for user in users]
    soon, later = date.today() + timedelta(days=3), date.today() + timedelta(days=9)
    async with db() as session:
        for number, deadline in zip(numbers[1:], (later, soon), strict=True):
            await session.execute(
                update(Ticket).where(Ticket.id == number).values(deadline=deadline)
            )
        await session.commit()
    mark = len(standin.sent)
    await standin.send_text(CONSULTANT, "/antrian")
    [listing] = await standin.wait_for_sent(
        lambda r: "Antrian" in text_of(r), chat_id=CONSULTANT.id, since=mark
    )
    shown = [int(n) for n in re.findall(r"^\S+ (\d+) ·", text_of(listing), re.MULTILINE)]
    assert shown == [numbers[2], numbers[1], numbers[0]]
    # Each line with a deadline shows it: "⏰ 12 Des".
    for number, deadline in ((numbers[2], soon), (numbers[1], later)):
        line = next(
            line for line in text_of(listing).splitlines() if re.match(rf"^\S+ {number} ·", line)
        )
        assert line.endswith(deadline_label(deadline)), line

"""An unclaimed ticket does not mute the assistant (issue 22, item 9): through the real bot,
Rasa and the stand-in, on SQLite and on PostgreSQL.

While nobody has claimed the ASN's ticket, a topic question is relayed to the ticket and also
answered, followed by a line that the ticket still waits (the answer offers no second hand-off);
a personal case is only relayed, being what the ticket is for. Once a consultant has claimed
the ticket, the same kind of question is only relayed.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import Message, ProcessedUpdate, Ticket, TicketStatus
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import ON_SQLITE_AND_POSTGRESQL, STAFF_CHAT_ID, skip_intake
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord

pytestmark = [pytest.mark.e2e, pytest.mark.rasa, ON_SQLITE_AND_POSTGRESQL]

ASN = FakeUser(811, first_name="Sari", username="sari_asn")
ANDI = FakeUser(7001, first_name="Andi", last_name="Konsultan")
FIRST = "pns boleh foto bareng caleg?"
WHILE_WAITING = "bolehkah pns like postingan capres di ig?"
CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
HANDLING_SECONDS = 20.0


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


async def write(
    standin: BotApiStandIn, db: async_sessionmaker[AsyncSession], text: str
) -> tuple[list[SentRecord], SentRecord]:
    """The ASN writes inside their ticket; return what the bot sent them while handling it
    (everything: the handling is over) and the message's copy in the staff group."""
    mark = len(standin.sent)
    update = await standin.send_text(ASN, text)
    message_id = update["message"]["message_id"]
    [copy] = await standin.wait_for_sent(
        lambda r: r.method == "copyMessage" and str(r.params.get("message_id")) == str(message_id),
        chat_id=STAFF_CHAT_ID,
        since=mark,
    )
    await handled(db, update["update_id"])
    return [r for r in standin.sent[mark:] if r.chat_id == ASN.id], copy


async def handled(db: async_sessionmaker[AsyncSession], update_id: int) -> None:
    """Wait until the bot has finished handling an update, and so sent all it would."""
    deadline = asyncio.get_running_loop().time() + HANDLING_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        async with db() as session:
            done = await session.scalar(
                select(ProcessedUpdate.completed_at).where(ProcessedUpdate.update_id == update_id)
            )
        if done is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"update {update_id} not handled within {HANDLING_SECONDS} s")


async def test_a_waiting_ticket_gets_topic_answers_until_a_consultant_claims_it(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    # A question, answered; then /konsultan hands it to the consultants: a ticket and its card.
    await standin.send_text(ASN, FIRST)
    await standin.wait_for_sent(lambda r: bool(r.callback_data), chat_id=ASN.id)
    mark = len(standin.sent)
    asked = await standin.send_text(ASN, "/konsultan")
    await standin.wait_for_sent(lambda r: "nomor tiket" in text_of(r), chat_id=ASN.id)
    await handled(db, asked["update_id"])
    await handled(db, await skip_intake(standin, ASN, since=mark))  # + any after-hours notice
    async with db() as session:
        ticket = (await session.scalars(select(Ticket))).one()
    n = ticket.id
    [card] = await standin.wait_for_sent(
        lambda r: f"tiket:ambil:{n}" in r.callback_data, chat_id=STAFF_CHAT_ID
    )

    # Unclaimed: a topic question reaches the ticket and is answered, then the ticket's status.
    to_asn, copy = await write(standin, db, WHILE_WAITING)
    assert copy.reply_to_message_id == card.message_id
    [answer, waiting] = to_asn
    assert "umpan:ya:media_sosial" in answer.callback_data
    assert not [d for d in answer.callback_data if d.startswith("konsultan:")]  # no second ticket
    assert f"Tiket {n} Anda masih menunggu konsultan" in text_of(waiting)
    assert not waiting.callback_data
    async with db() as session:
        question = (
            await session.scalars(select(Message).where(Message.text == WHILE_WAITING))
        ).one()
        answered = (
            await session.scalars(
                select(Message).where(Message.direction == "out", Message.intent == "media_sosial")
            )
        ).one()
    assert (question.intent, question.action, question.ticket_id) == ("media_sosial", "answer", n)
    assert answered.ticket_id == n  # the consultants see in /tiket what the assistant said

    # A personal case while the ticket waits is what the ticket is for: relayed only.
    to_asn, copy = await write(standin, db, CASE)
    assert to_asn == [] and copy.reply_to_message_id == card.message_id

    # Claimed: the same question is relayed only; the assistant is silent.
    await standin.press_button(ANDI, card, f"tiket:ambil:{n}")
    await standin.wait_for_sent(lambda r: "sudah ditangani" in text_of(r), chat_id=ASN.id)
    async with db() as session:
        claimed = await session.get(Ticket, n)
    assert claimed is not None and claimed.status == TicketStatus.DIAMBIL
    to_asn, copy = await write(standin, db, WHILE_WAITING)
    assert to_asn == [] and copy.reply_to_message_id == card.message_id

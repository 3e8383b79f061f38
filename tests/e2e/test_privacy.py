"""Privacy choices: /nama (name or pseudonym for consultants) and /hapus_data (issue 7)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import Message, Ticket, User
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import STAFF_CHAT_ID
from tests.telegram_standin import BotApiStandIn, FakeUser

pytestmark = [pytest.mark.e2e, pytest.mark.rasa]


async def test_hapus_data_deletes_messages_and_anonymises_the_ticket(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    asn = FakeUser(801, first_name="Ratna", username="ratna_guru")
    question = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
    await standin.send_text(asn, "pns boleh like postingan capres di ig?")
    await standin.wait_for_sent(chat_id=asn.id)
    await standin.send_text(asn, question)
    await standin.wait_for_sent(chat_id=asn.id, count=2)
    [card] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID)
    await standin.send_text(asn, "ini kronologinya: kemarin sore saya ...")
    await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, count=2)

    await standin.send_text(asn, "/hapus_data")
    [confirm] = await standin.wait_for_sent(lambda r: "hapus:ya" in r.callback_data)
    assert confirm.chat_id == asn.id and confirm.callback_data == ["hapus:ya", "hapus:batal"]
    staff_before = len(standin.sent_to(STAFF_CHAT_ID))
    await standin.press_button(asn, confirm, "hapus:ya")
    await standin.wait_for_call("editMessageText")
    shown = standin.message(asn.id, confirm.message_id or 0)
    assert shown is not None and "sudah dihapus" in shown["text"]
    assert shown.get("reply_markup") is None
    [notice] = (await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, count=staff_before + 1))[
        staff_before:
    ]
    assert "ditutup" in (notice.plain_text or "") and notice.reply_to_message_id == card.message_id

    async with db() as session:
        left = await session.scalar(
            select(func.count())
            .select_from(Message)
            .where(or_(Message.user_id == asn.id, Message.chat_id == asn.id))
        )
        all_texts = " ".join(t or "" for t in await session.scalars(select(Message.text)))
        [ticket] = list(await session.scalars(select(Ticket).where(Ticket.user_id == asn.id)))
        user = await session.get(User, asn.id)
    assert left == 0
    assert "bawaslu" not in all_texts and "kronologi" not in all_texts
    assert ticket.status == "selesai" and ticket.closed_by == "pengguna" and ticket.question is None
    assert ticket.reason and ticket.created_at is not None  # counts survive
    assert user is not None and user.first_name is None and user.username is None
    assert user.data_deleted_at is not None


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

    await standin.send_text(asn, "sy dilaporkan ke bawaslu krn foto sama caleg, tolong dampingi")
    [card] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID)
    assert "Wayan" in (card.plain_text or "")
    async with db() as session:
        user = await session.get(User, asn.id)
    assert user is not None and user.share_name is True

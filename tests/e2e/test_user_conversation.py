"""An ASN talks to the real bot process over the Bot API stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.nlu.rasa_server import free_port
from bot.storage import Feedback, Message, Ticket
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import STAFF_CHAT_ID, open_ticket_through_the_bot
from tests.telegram_standin import BotApiStandIn, FakeUser

pytestmark = [pytest.mark.e2e, pytest.mark.rasa]

ASN = FakeUser(501, first_name="Sri", username="sri_guru")


async def test_start_shows_welcome_and_privacy_notice(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    await standin.send_text(ASN, "/start")
    [welcome] = await standin.wait_for_sent(chat_id=ASN.id)
    text = welcome.plain_text or ""
    assert "Tanya Netral" in text and "Sri" in text
    assert "/hapus_data" in text and "365 hari" in text
    assert "ASN-" in text  # the pseudonym consultants will see


async def test_question_gets_a_cited_answer_and_feedback_is_recorded(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    await standin.send_text(ASN, "bolehkah pns like postingan capres di ig?")
    [answer] = await standin.wait_for_sent(chat_id=ASN.id)
    assert answer.parse_mode == "HTML"
    text = answer.plain_text or ""
    [details] = [
        e for e in (answer.message or {})["entities"] if e["type"] == "expandable_blockquote"
    ]
    first_screen = text.encode("utf-16-le")[: 2 * details["offset"]].decode("utf-16-le")
    assert "Tidak boleh." in first_screen and "Dasar hukum" not in first_screen
    assert "Dasar hukum" in text[len(first_screen) :]
    assert answer.callback_data == [
        "umpan:ya:media_sosial",
        "umpan:tidak:media_sosial",
        "konsultan:tombol",
    ]
    await standin.press_button(ASN, answer, "umpan:tidak:media_sosial")
    [offer] = await standin.wait_for_sent(chat_id=ASN.id, since=1)  # the answer, edited
    assert offer.callback_data == ["umpan:dinilai", "konsultan:tombol"]
    async with db() as session:
        inbound = (await session.scalars(select(Message).where(Message.direction == "in"))).one()
        feedback = (await session.scalars(select(Feedback))).one()
    assert inbound.intent == "media_sosial" and inbound.action == "answer"
    assert inbound.confidence is not None and inbound.confidence > 0
    assert inbound.telegram_message_id is not None
    assert feedback.helpful is False and feedback.intent == "media_sosial"


async def test_menu_button_shows_the_topic(standin: BotApiStandIn, bot: BotProcess) -> None:
    await standin.send_text(ASN, "/bantuan")
    [menu] = await standin.wait_for_sent(chat_id=ASN.id)
    assert len(menu.callback_data) == 18
    await standin.press_button(ASN, menu, "topik:hak_pilih")
    [answer] = await standin.wait_for_sent(chat_id=ASN.id, since=1)
    assert "Dasar hukum" in (answer.plain_text or "")


async def test_out_of_scope_question_gets_the_fallback(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    await standin.send_text(ASN, "kapan gaji ke-13 pns cair tahun ini?")
    [reply] = await standin.wait_for_sent(chat_id=ASN.id)
    assert "di luar cakupan" in (reply.plain_text or "")
    assert "topik:media_sosial" in reply.callback_data


async def test_personal_case_becomes_a_ticket_posted_to_the_staff(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    question = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
    await open_ticket_through_the_bot(standin, db, ASN, question)
    [ack] = await standin.wait_for_sent(
        lambda r: "Berikutnya" in (r.plain_text or ""), chat_id=ASN.id
    )
    [card] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID)
    async with db() as session:
        ticket = (await session.scalars(select(Ticket))).one()
    assert f"tiket {ticket.id}" in (ack.plain_text or "").lower()
    assert ticket.reason == "konsultasi_kasus" and ticket.question == question
    assert f"Tiket {ticket.id}" in (card.plain_text or "")
    assert "Sri" not in (card.plain_text or "")  # pseudonym only
    assert card.callback_data == [
        f"tiket:ambil:{ticket.id}",
        f"tiket:lepas:{ticket.id}",
        f"tiket:tutup:{ticket.id}",
    ]


async def test_group_chats_other_than_staff_get_no_answer(
    standin: BotApiStandIn, bot: BotProcess
) -> None:
    standin.add_group(-100777, "Grup arisan kantor")
    await standin.send_text(ASN, "bolehkah pns like postingan capres?", chat_id=-100777)
    await standin.send_text(ASN, "/start")
    [welcome] = await standin.wait_for_sent(chat_id=ASN.id)
    assert "Tanya Netral" in (welcome.plain_text or "")
    assert standin.sent_to(-100777) == []


async def test_webhook_mode_answers_over_the_real_webhook(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    process = BotProcess(
        standin,
        tmp_path / "bot-webhook.log",
        **bot_env,
        BOT_MODE="webhook",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_SECRET="s3cret-webhook-token-0123456789abcdef",
    )
    await process.start(ready_method="setWebhook")
    try:
        [registration] = [c for c in standin.calls if c.method == "setWebhook"]
        assert registration.params["url"] == f"http://127.0.0.1:{port}/telegram"
        assert registration.params["secret_token"] == "s3cret-webhook-token-0123456789abcdef"
        await standin.send_text(ASN, "apakah asn boleh jadi anggota kpps?")
        [answer] = await standin.wait_for_sent(chat_id=ASN.id, timeout=20)
        assert "Dasar hukum" in (answer.plain_text or "")
    finally:
        assert process.stop() == 0, process.log_tail()

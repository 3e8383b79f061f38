"""Telegram's limits counted as Telegram counts them (UTF-16 units), end to end: an ASN's
longest message of emoji and styled letters becomes a ticket whose card, /antrian and /tiket
reach the consultants through the Bot API stand-in, shortened visibly where they must be."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import BadRequest

from bot.storage import Ticket
from tests.e2e.bot_process import TOKEN, BotProcess
from tests.e2e.conftest import STAFF_CHAT_ID
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord
from tests.telegram_standin.models import utf16_len

ASN = FakeUser(621, first_name="Rina")
ANDI = FakeUser(7001, first_name="Andi", last_name="Konsultan")
CASE = "𝐒𝐚𝐲𝐚 𝐝𝐢𝐩𝐚𝐧𝐠𝐠𝐢𝐥 𝐁𝐚𝐰𝐚𝐬𝐥𝐮 😰🙏 "  # styled letters and emoji: two units each
MORE = "𝐓𝐨𝐥𝐨𝐧𝐠 𝐝𝐚𝐦𝐩𝐢𝐧𝐠𝐢 😭📄 "
FOLLOW_UPS = 14
"""Long messages the ASN adds to the ticket: more than one /tiket message holds."""


def longest(pattern: str, units: int = 4000) -> str:
    """``pattern`` repeated to about ``units`` UTF-16 units (Telegram takes 4,096 from a user):
    some 2,000 code points, which Python's len() would call half the length."""
    text = pattern * (units // utf16_len(pattern))
    assert units - utf16_len(pattern) < utf16_len(text) <= units
    return text


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


def too_long(standin: BotApiStandIn) -> list[str]:
    """Bot API calls refused for their length."""
    return [
        f"{call.method}: {call.description}"
        for call in standin.calls
        if call.status != 200 and "too long" in (call.description or "").lower()
    ]


@pytest.mark.e2e
@pytest.mark.rasa
async def test_a_message_of_emoji_and_styled_letters_reaches_the_consultants_shortened(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    # Two of the longest messages: emoji alone (no question the bot can read), then the case.
    await standin.send_text(ASN, longest("🗳️😡🙏"))
    await standin.wait_for_sent(chat_id=ASN.id, timeout=30)
    mark = len(standin.sent)
    question = longest(CASE)
    await standin.send_text(ASN, question)
    await standin.wait_for_sent(chat_id=ASN.id, since=mark, timeout=30)
    await standin.send_text(ASN, "/konsultan")  # a ticket, however the bot read the case

    # The card: posted in one message, the question cut with "…" within Telegram's limit.
    [card] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, timeout=30)
    shown = text_of(card)
    assert card.method == "sendMessage" and utf16_len(shown) <= 4096
    quoted = shown.split("Pertanyaan:\n", 1)[1].split("\n", 1)[0]
    assert quoted.endswith("…") and question.startswith(quoted[:-1])
    assert "Percakapan terakhir:" in shown
    async with db() as session:
        ticket = (await session.scalars(select(Ticket))).one()
    n = ticket.id
    assert ticket.question == question  # stored whole; only what is shown is shortened

    # Claimed: the card is edited; then the ASN adds long messages, each relayed whole.
    await standin.press_button(ANDI, card, f"tiket:ambil:{n}")
    await standin.wait_for_sent(
        lambda r: r.method == "editMessageText" and "diambil" in text_of(r),
        chat_id=STAFF_CHAT_ID,
    )
    mark = len(standin.sent)
    follow_ups = [f"{number} " + longest(MORE, 3900) for number in range(FOLLOW_UPS)]
    for text in follow_ups:
        await standin.send_text(ASN, text)
    relayed = await standin.wait_for_sent(
        lambda r: r.method == "copyMessage", chat_id=STAFF_CHAT_ID, since=mark, count=FOLLOW_UPS
    )
    assert [text_of(r) for r in relayed] == follow_ups

    # /antrian: one ticket, within the limit.
    mark = len(standin.sent)
    await standin.send_text(ANDI, "/antrian", chat_id=STAFF_CHAT_ID)
    [listing] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, since=mark)
    assert f"{n} ·" in text_of(listing) and utf16_len(text_of(listing)) <= 4096

    # /tiket N: the whole history in several messages, each within the limit, none lost.
    mark = len(standin.sent)
    await standin.send_text(ANDI, f"/tiket {n}")
    await standin.wait_for_sent(
        lambda r: f"{FOLLOW_UPS - 1} 𝐓𝐨𝐥𝐨𝐧𝐠" in text_of(r), chat_id=ANDI.id, since=mark
    )
    parts = [text_of(r) for r in standin.sent[mark:] if r.chat_id == ANDI.id]
    assert len(parts) >= 2 and all(utf16_len(part) <= 4096 for part in parts)
    history = "\n".join(parts)
    for number in range(FOLLOW_UPS):
        assert f"👤 {number} 𝐓𝐨𝐥𝐨𝐧𝐠" in history
    assert history.count("…") >= FOLLOW_UPS
    assert too_long(standin) == []


@pytest.mark.e2e
@pytest.mark.rasa
async def test_long_names_and_the_longest_jawab_stay_within_telegrams_limits(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    styled = FakeUser(7001, first_name="𝐀𝐧𝐝𝐢" * 16, last_name="𝐋𝐊𝐁𝐇" * 16)
    budi = FakeUser(7002, first_name="Budi")
    await standin.send_text(ASN, "sy dipanggil bawaslu besok, tolong dampingi sy")
    await standin.wait_for_sent(chat_id=ASN.id, timeout=30)
    await standin.send_text(ASN, "/konsultan")
    [card] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, timeout=30)
    number = card.callback_data[0].rsplit(":", 1)[1]
    await standin.press_button(styled, card, f"tiket:ambil:{number}")
    await standin.wait_for_call("answerCallbackQuery")
    # The loser's alert names the owner, whose long styled name must not break it.
    await standin.press_button(budi, card, f"tiket:ambil:{number}")
    [_, lost] = await standin.wait_for_call("answerCallbackQuery", count=2)
    assert lost.status == 200, lost.description
    assert "sudah diambil oleh 𝐀𝐧𝐝𝐢" in lost.params["text"] and lost.params["text"].endswith("…")

    # A /jawab as long as Telegram lets a consultant write no longer fits under the LKBH
    # label: the ASN gets the label, then the answer whole; the consultant is told it went.
    mark = len(standin.sent)
    command = f"/jawab {number} "
    longest_answer = "x" * (4096 - len(command))
    await standin.send_text(styled, command + longest_answer)
    [sent] = await standin.wait_for_sent(chat_id=styled.id, since=mark)
    assert "terkirim" in text_of(sent)
    label, whole = await standin.wait_for_sent(chat_id=ASN.id, since=mark, count=2)
    assert text_of(label) == "💬 Konsultan LKBH KORPRI:" and text_of(whole) == longest_answer
    mark = len(standin.sent)
    await standin.send_text(styled, command + "Baik, besok saya dampingi.")
    [answer] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert "Baik, besok saya dampingi." in text_of(answer)
    assert too_long(standin) == []


@pytest.fixture
async def api(standin: BotApiStandIn) -> AsyncIterator[Bot]:
    """A plain python-telegram-bot client of the stand-in (no bot process)."""
    async with Bot(TOKEN, base_url=standin.base_url, base_file_url=standin.base_file_url) as b:
        yield b


async def test_the_standin_counts_utf16_units_like_telegram(
    standin: BotApiStandIn, api: Bot
) -> None:
    standin.add_user(ASN)
    assert (await api.send_message(ASN.id, "😀" * 2048)).text == "😀" * 2048
    with pytest.raises(BadRequest, match="Message is too long"):
        await api.send_message(ASN.id, "😀" * 2048 + "a")
    with pytest.raises(BadRequest, match="Message is too long"):
        await api.send_message(ASN.id, "<b>𝐀</b>" * 2049, parse_mode="HTML")
    photo = (await api.send_photo(ASN.id, b"\xff\xd8" + b"x" * 100, caption="𝐀" * 512)).photo
    with pytest.raises(BadRequest, match="caption is too long"):
        await api.send_photo(ASN.id, photo[-1].file_id, caption="𝐀" * 512 + ".")
    forum = -1003000000003
    standin.add_group(forum, "LKBH forum", is_forum=True)
    assert (await api.create_forum_topic(forum, "🗳️" * 42)).name == "🗳️" * 42  # 126 units
    with pytest.raises(BadRequest, match=r"(?i)topic_title_too_long"):
        await api.create_forum_topic(forum, "𝐓" * 65)
    sent = await api.send_message(ASN.id, "pilih")
    first, second = (
        standin.make_callback_query(ASN, sent.message_id, "x")["callback_query"]["id"]
        for _ in range(2)
    )
    assert await api.answer_callback_query(first, text="🙏" * 100)
    with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
        await api.answer_callback_query(second, text="🙏" * 101)

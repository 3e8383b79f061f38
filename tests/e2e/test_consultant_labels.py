"""Always clear who speaks (issue 22, item 10): every consultant message the ASN receives — a
reply to the card, a message in the ticket's forum topic, /jawab — comes labelled as from LKBH
KORPRI, with its formatting and nothing lost; the ASN's reply to it still reaches the ticket.
The real bot process, the Bot API stand-in, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.knowledge.base import load_knowledge_base
from bot.storage import Message, Ticket
from bot.telegram_text import visible_text
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import (
    ON_SQLITE_AND_POSTGRESQL,
    STAFF_CHAT_ID,
    always_open_config,
    open_ticket_through_the_bot,
)
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord
from tests.telegram_standin.formatting import parse_html
from tests.telegram_standin.models import JSONDict, utf16_len

pytestmark = [pytest.mark.e2e, pytest.mark.rasa, ON_SQLITE_AND_POSTGRESQL]

ASN = FakeUser(831, first_name="Sari")
ANDI = FakeUser(7001, first_name="Andi", last_name="Konsultan")
CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
FORUM_CHAT_ID = -1002000000031
LABEL = visible_text(load_knowledge_base().message("consultant_label"))
"""The label as the ASN sees it."""

ANSWER = (
    'Baik Bu, <b>jangan tanda tangani</b> apa pun dulu; baca <a href="https://peraturan.bpk.go.id'
    '/Details/177015/pp-no-94-tahun-2021?a=1&amp;b=2">PP 94/2021</a> &amp; <i>siapkan '
    "<u>kronologi</u></i> &lt;lengkap&gt;."
)
LONG_CAPTION = "<b>Penting:</b> " + "𝐊" * 495 + "."
"""1,000 units (each 𝐊 is two): a caption, but no room for the label with it."""
LONG_ANSWER = "<b>Kronologi:</b> " + "𝐀" * 2040
"""4,091 units: a message alone, but not with the label."""


def start_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path, staff_chat: int
) -> BotProcess:
    """The bot with office hours always open (no after-hours notice among the answers)."""
    config = always_open_config(tmp_path)
    env = {**bot_env, "STAFF_CHAT_ID": str(staff_chat), "TANYA_NETRAL_CONFIG": str(config)}
    return BotProcess(standin, tmp_path / "bot.log", **env)


@pytest.fixture
async def group_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    process = start_bot(standin, bot_env, tmp_path, STAFF_CHAT_ID)
    await process.start()
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


@pytest.fixture
async def forum_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    standin.add_group(FORUM_CHAT_ID, "LKBH — forum", is_forum=True)
    process = start_bot(standin, bot_env, tmp_path, FORUM_CHAT_ID)
    await process.start()
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


def formatting(entities: list[JSONDict]) -> list[tuple[str, int, int, str | None]]:
    return sorted((e["type"], e["offset"], e["length"], e.get("url")) for e in entities)


def after_label(text: str, entities: list[JSONDict]) -> tuple[str, list[tuple]]:
    """What follows the label line in a labelled text or caption, and its formatting."""
    head = f"{LABEL}\n\n"
    assert text.startswith(head), text[:80]
    shift = utf16_len(head)
    moved = [{**e, "offset": e["offset"] - shift} for e in entities if e["offset"] >= shift]
    return text[len(head) :], formatting(moved)


def as_typed(html_text: str) -> tuple[str, list[tuple]]:
    """A text as the consultant typed it: plain text and its formatting."""
    text, entities = parse_html(html_text)
    return text, formatting(entities)


def labelled_text(record: SentRecord) -> tuple[str, list[tuple]]:
    message = record.message or {}
    return after_label(message.get("text", ""), message.get("entities", []))


def labelled_caption(record: SentRecord) -> tuple[str, list[tuple]]:
    message = record.message or {}
    return after_label(message.get("caption", ""), message.get("caption_entities", []))


def is_label(record: SentRecord) -> bool:
    """A label sent on its own, just before what it labels."""
    return record.method == "sendMessage" and text_of(record) == LABEL


async def open_claimed_ticket(
    standin: BotApiStandIn, db: async_sessionmaker[AsyncSession], staff_chat: int
) -> tuple[int, SentRecord]:
    """The ASN's case becomes a ticket; Andi claims it. Its number and its card."""
    await open_ticket_through_the_bot(standin, db, ASN, CASE)
    [card] = await standin.wait_for_sent(
        lambda r: "bawaslu" in text_of(r), chat_id=staff_chat, timeout=20
    )
    async with db() as session:
        n = (await session.scalars(select(Ticket.id))).one()
    await standin.press_button(ANDI, card.message_id or 0, f"tiket:ambil:{n}", chat_id=staff_chat)
    await standin.wait_for_sent(lambda r: "sudah ditangani" in text_of(r), chat_id=ASN.id)
    return n, card


async def to_asn(standin: BotApiStandIn, count: int = 1) -> list[SentRecord]:
    """The next ``count`` messages the ASN receives (counted from now)."""
    mark = len(standin.sent)
    return await standin.wait_for_sent(chat_id=ASN.id, since=mark, count=count)


async def test_every_consultant_message_reaches_the_asn_labelled_as_from_lkbh(
    standin: BotApiStandIn, group_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    assert "LKBH KORPRI" in LABEL and "Andi" not in LABEL  # by role, never by name
    assert utf16_len(parse_html(LONG_CAPTION)[0]) == 1000
    assert utf16_len(parse_html(LONG_ANSWER)[0]) + utf16_len(LABEL) + 2 > 4096
    n, card = await open_claimed_ticket(standin, db, STAFF_CHAT_ID)
    start = len(standin.sent)
    on_card = {"chat_id": STAFF_CHAT_ID, "reply_to_message_id": card.message_id}

    # A formatted text in reply to the card: one message, the label, then the text as typed.
    mark = len(standin.sent)
    reply = await standin.send_formatted_text(ANDI, ANSWER, **on_card)
    [answer] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert labelled_text(answer) == as_typed(ANSWER)

    # A photo with a formatted caption: its copy carries the label above the caption.
    mark = len(standin.sent)
    photo = await standin.send_formatted_photo(ANDI, "Contoh <b>surat kuasa</b>", **on_card)
    [photo_copy] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert photo_copy.method == "copyMessage" and "photo" in (photo_copy.message or {})
    assert labelled_caption(photo_copy) == as_typed("Contoh <b>surat kuasa</b>")

    # A caption with no room for the label: the label first, then the photo, caption whole.
    mark = len(standin.sent)
    long_photo = await standin.send_formatted_photo(ANDI, LONG_CAPTION, **on_card)
    label, long_copy = await standin.wait_for_sent(chat_id=ASN.id, since=mark, count=2)
    assert is_label(label) and long_copy.method == "copyMessage"
    shown = long_copy.message or {}
    caption = (shown.get("caption", ""), formatting(shown.get("caption_entities", [])))
    assert caption == as_typed(LONG_CAPTION)

    # A sticker cannot carry a caption: the label, then the sticker.
    mark = len(standin.sent)
    sticker = await standin.send_sticker(ANDI, **on_card)
    sticker_label, sticker_copy = await standin.wait_for_sent(chat_id=ASN.id, since=mark, count=2)
    assert is_label(sticker_label) and "sticker" in (sticker_copy.message or {})

    # A text too long to go with the label: the label, then the text whole, still formatted.
    mark = len(standin.sent)
    long_reply = await standin.send_formatted_text(ANDI, LONG_ANSWER, **on_card)
    long_label, long_text = await standin.wait_for_sent(chat_id=ASN.id, since=mark, count=2)
    assert is_label(long_label)
    whole = long_text.message or {}
    assert (text_of(long_text), formatting(whole.get("entities", []))) == as_typed(LONG_ANSWER)

    # /jawab: the same label, the answer's formatting kept; the consultant is told.
    mark = len(standin.sent)
    jawab = "Bawa <b>SK</b> &amp; surat &lt;panggilan&gt;, <i>asli dan fotokopi</i>."
    await standin.send_formatted_text(ANDI, f"/jawab {n} {jawab}")
    [by_command] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert labelled_text(by_command) == as_typed(jawab)
    await standin.wait_for_sent(lambda r: "terkirim" in text_of(r), chat_id=ANDI.id, since=mark)

    # The ASN replies to a labelled answer, and to a label on its own: both reach the ticket.
    for target in (answer, sticker_label):
        mark = len(standin.sent)
        await standin.send_text(
            ASN, "baik pak, terima kasih", reply_to_message_id=target.message_id
        )
        [relayed] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, since=mark)
        assert relayed.method == "copyMessage" and relayed.reply_to_message_id == card.message_id

    # Nothing else reached the ASN: every consultant message is labelled, none twice.
    received = [r for r in standin.sent[start:] if r.chat_id == ASN.id]
    expected = [answer, photo_copy, label, long_copy, sticker_label, sticker_copy]
    assert received == [*expected, long_label, long_text, by_command]

    # Logged as before: what the consultant wrote, its kind, both sides' message ids.
    async with db() as session:
        rows = list(
            await session.scalars(
                select(Message).where(Message.action == "konsultan").order_by(Message.id)
            )
        )
    logged = [(r.kind, r.text, r.staff_message_id, r.telegram_message_id) for r in rows]
    assert logged == [
        ("text", as_typed(ANSWER)[0], message_id(reply), answer.message_id),
        ("photo", "Contoh surat kuasa", message_id(photo), photo_copy.message_id),
        ("photo", as_typed(LONG_CAPTION)[0], message_id(long_photo), long_copy.message_id),
        ("sticker", None, message_id(sticker), sticker_copy.message_id),
        ("text", as_typed(LONG_ANSWER)[0], message_id(long_reply), long_text.message_id),
        ("text", as_typed(jawab)[0], None, by_command.message_id),
    ]
    assert all(row.ticket_id == n for row in rows)


def message_id(update: JSONDict) -> int:
    return int(update["message"]["message_id"])


async def test_a_message_in_the_tickets_forum_topic_reaches_the_asn_labelled(
    standin: BotApiStandIn, forum_bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    _, card = await open_claimed_ticket(standin, db, FORUM_CHAT_ID)
    thread = card.message_thread_id
    assert thread is not None

    # Written in the topic, replying to nothing: labelled, formatting kept.
    mark = len(standin.sent)
    await standin.send_formatted_text(ANDI, ANSWER, chat_id=FORUM_CHAT_ID, message_thread_id=thread)
    [answer] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert labelled_text(answer) == as_typed(ANSWER)

    # A photo without a caption in the topic: the label becomes its caption.
    mark = len(standin.sent)
    await standin.send_photo(ANDI, chat_id=FORUM_CHAT_ID, message_thread_id=thread)
    [photo] = await standin.wait_for_sent(chat_id=ASN.id, since=mark)
    assert photo.method == "copyMessage" and (photo.message or {}).get("caption") == LABEL

    # The ASN's reply to the labelled answer goes into the ticket's topic.
    mark = len(standin.sent)
    await standin.send_text(ASN, "siap pak", reply_to_message_id=answer.message_id)
    [relayed] = await standin.wait_for_sent(chat_id=FORUM_CHAT_ID, since=mark)
    assert relayed.method == "copyMessage" and relayed.message_thread_id == thread

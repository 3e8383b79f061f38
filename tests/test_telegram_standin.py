"""The Bot API stand-in, checked against a real python-telegram-bot over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import html
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import (
    Application,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.send_budget import SendBudgetLimiter
from tests.telegram_standin import BotApiStandIn, FakeUser
from tests.telegram_standin.formatting import parse_html

TOKEN = "123456:TEST-tanya-netral"
BUDI = FakeUser(1001, first_name="Budi", username="budi_asn")
SITI = FakeUser(1002, first_name="Siti", username="siti_lkbh")
LKBH_GROUP = -1001234567890
REPO_ROOT = Path(__file__).resolve().parents[1]


# -- a tiny bot, defined here only ----------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user."""
    await update.effective_message.reply_text("Selamat datang")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the text back, in HTML, with two confirmation buttons."""
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Ya", callback_data="konfirmasi:ya"),
                InlineKeyboardButton("Tidak", callback_data="konfirmasi:tidak"),
            ]
        ]
    )
    text = f"Anda menulis: <b>{html.escape(update.message.text)}</b>"
    await update.message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the button press and replace the buttons with the choice."""
    query = update.callback_query
    await query.answer("Tercatat")
    await query.edit_message_text(f"Pilihan: {query.data}")


async def photo_size(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Download the user's photo and report its size."""
    photo = await update.message.photo[-1].get_file()
    data = await photo.download_as_bytearray()
    await update.message.reply_text(f"foto {len(data)} byte")


def build_app(standin: BotApiStandIn, rate_limiter: BaseRateLimiter | None = None) -> Application:
    builder = (
        Application.builder()
        .token(TOKEN)
        .base_url(standin.base_url)
        .base_file_url(standin.base_file_url)
    )
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    app = builder.build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(filters.PHOTO, photo_size))
    app.add_handler(CallbackQueryHandler(confirm, pattern=r"^konfirmasi:"))
    return app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(TOKEN) as server:
        server.add_user(BUDI)
        yield server


@pytest.fixture
async def bot(standin: BotApiStandIn) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=standin.base_url, base_file_url=standin.base_file_url) as b:
        yield b


@pytest.fixture
async def polling_app(standin: BotApiStandIn) -> AsyncIterator[Application]:
    app = build_app(standin)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=dtm.timedelta(seconds=5))
    yield app
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


# -- polling end to end -----------------------------------------------------------------------


async def test_text_and_button_round_trip_over_polling(
    standin: BotApiStandIn, polling_app: Application
) -> None:
    await standin.send_text(BUDI, "boleh like postingan paslon?")

    [reply] = await standin.wait_for_sent(chat_id=BUDI.id)
    assert reply.method == "sendMessage"
    assert reply.text == "Anda menulis: <b>boleh like postingan paslon?</b>"
    assert reply.parse_mode == "HTML"
    assert reply.plain_text == "Anda menulis: boleh like postingan paslon?"
    assert reply.message["entities"] == [{"type": "bold", "offset": 14, "length": 28}]
    assert reply.callback_data == ["konfirmasi:ya", "konfirmasi:tidak"]

    await standin.press_button(BUDI, reply, "konfirmasi:tidak")
    [edit] = await standin.wait_for_sent(lambda r: r.method == "editMessageText")
    assert (edit.message_id, edit.text) == (reply.message_id, "Pilihan: konfirmasi:tidak")
    assert [a.text for a in standin.callback_answers] == ["Tercatat"]
    assert "reply_markup" not in standin.message(BUDI.id, reply.message_id)
    with pytest.raises(AssertionError, match="no button with callback_data 'konfirmasi:ya'"):
        await standin.press_button(BUDI, reply, "konfirmasi:ya")


async def test_commands_carry_entities_and_group_replies_quote(
    standin: BotApiStandIn, polling_app: Application
) -> None:
    standin.add_group(LKBH_GROUP, "Konsultan LKBH Korpri")
    await standin.send_text(BUDI, "/start")
    update = await standin.send_text(SITI, "/start@TanyaNetralTestBot", chat_id=LKBH_GROUP)

    [private] = await standin.wait_for_sent(chat_id=BUDI.id)
    [group] = await standin.wait_for_sent(chat_id=LKBH_GROUP)
    assert private.text == group.text == "Selamat datang"
    assert private.reply_to_message_id is None
    assert group.reply_to_message_id == update["message"]["message_id"]


async def test_user_photo_can_be_downloaded_by_the_bot(
    standin: BotApiStandIn, polling_app: Application
) -> None:
    await standin.send_photo(BUDI, content=b"\xff\xd8" + b"x" * 998, caption="surat edaran")
    [reply] = await standin.wait_for_sent(chat_id=BUDI.id)
    assert reply.text == "foto 1000 byte"


async def test_redelivered_update_is_handled_twice(
    standin: BotApiStandIn, polling_app: Application
) -> None:
    update = await standin.send_text(BUDI, "halo")
    await standin.wait_for_sent(chat_id=BUDI.id)
    await standin.deliver_raw(update)
    replies = await standin.wait_for_sent(chat_id=BUDI.id, count=2)
    assert [r.plain_text for r in replies] == ["Anda menulis: halo"] * 2


async def test_forged_callback_data_reaches_the_bot(
    standin: BotApiStandIn, polling_app: Application
) -> None:
    await standin.send_text(BUDI, "tanya")
    [reply] = await standin.wait_for_sent(chat_id=BUDI.id)
    await standin.deliver_raw(standin.make_callback_query(BUDI, reply, "konfirmasi:palsu"))
    [edit] = await standin.wait_for_sent(lambda r: r.method == "editMessageText")
    assert edit.text == "Pilihan: konfirmasi:palsu"


# -- webhooks ------------------------------------------------------------------------------------


async def test_webhook_delivery_reaches_ptb_with_the_secret(standin: BotApiStandIn) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    app = build_app(standin)
    await app.initialize()
    await app.start()
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="telegram",
        secret_token="rahasia-uji_1",
        webhook_url=url,
        drop_pending_updates=True,
    )
    try:
        assert standin.webhook is not None
        assert (standin.webhook.url, standin.webhook.secret_token) == (url, "rahasia-uji_1")
        assert standin.webhook.drop_pending_updates

        await standin.send_text(BUDI, "lewat webhook")
        [reply] = await standin.wait_for_sent(chat_id=BUDI.id)
        assert reply.plain_text == "Anda menulis: lewat webhook"
        assert [d.status for d in standin.webhook_deliveries] == [200]

        forged = await standin.forge_webhook_post({"update_id": 1}, secret_token="salah")
        assert forged == 403  # PTB rejects a wrong secret, so ours was right
        with pytest.raises(Conflict, match="webhook is active"):
            await app.bot.get_updates()
        info = await app.bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (url, 0)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


@contextlib.asynccontextmanager
async def _webhook_receiver(
    receive: Callable[[web.Request], Awaitable[web.Response]],
) -> AsyncIterator[str]:
    """A local HTTP server standing for the bot's webhook; yields its URL."""
    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    runner = web.AppRunner(receiver)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        await runner.cleanup()


async def test_webhook_post_shape_and_retry(standin: BotApiStandIn, bot: Bot) -> None:
    received: list[tuple[dict[str, str], object]] = []
    statuses = [500, 200]

    async def receive(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.json()))
        return web.Response(status=statuses.pop(0) if statuses else 200)

    async with _webhook_receiver(receive) as url:
        await bot.set_webhook(url, secret_token="s3cret")
        update = await standin.send_text(BUDI, "tes")
        for _ in range(100):  # the 500 answer is retried after UpdateFeed.retry_interval
            if len(standin.webhook_deliveries) == 2:
                break
            await asyncio.sleep(0.05)
        assert [d.status for d in standin.webhook_deliveries] == [500, 200]
        headers, body = received[0]
        assert headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret"
        assert headers["Content-Type"] == "application/json"
        assert body == received[1][1] == update
        info = await bot.get_webhook_info()
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )


async def test_webhook_delivers_chats_at_once_and_each_chat_in_order(
    standin: BotApiStandIn, bot: Bot
) -> None:
    """Telegram sends a chat's next update only once the previous one got a 2xx."""
    log: list[str] = []

    async def receive(request: web.Request) -> web.Response:
        text = (await request.json())["message"]["text"]
        log.append(f"start {text}")
        await asyncio.sleep(0.3)
        log.append(f"end {text}")
        return web.Response()

    async with _webhook_receiver(receive) as url:
        await bot.set_webhook(url)
        sends = [
            asyncio.create_task(standin.send_text(user, text))
            for user, text in ((BUDI, "budi-1"), (BUDI, "budi-2"), (SITI, "siti-1"))
        ]
        await asyncio.gather(*sends)
        for _ in range(100):
            if len(log) == 6:
                break
            await asyncio.sleep(0.05)
        assert log.index("start siti-1") < log.index("end budi-1")  # other chats at once
        assert log.index("end budi-1") < log.index("start budi-2")  # one chat in order


# -- errors like Telegram's ------------------------------------------------------------------------


async def test_wrong_token_is_unauthorized(standin: BotApiStandIn) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{standin.base_url}999:wrong/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    with pytest.raises(InvalidToken):
        async with Bot("999:wrong", base_url=standin.base_url):
            pass


async def test_unknown_method_is_not_found(standin: BotApiStandIn, bot: Bot) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{standin.base_url}{TOKEN}/sendTelepathy")
    assert response.status_code == 404
    assert response.json()["description"] == "Not Found: method not found"
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("send_telepathy")


async def test_retry_after_is_waited_out_by_the_bots_rate_limiter(standin: BotApiStandIn) -> None:
    app = build_app(standin, rate_limiter=SendBudgetLimiter(30))
    await app.initialize()
    try:
        standin.fail_next("sendMessage", 1, retry_after=1)
        message = await app.bot.send_message(BUDI.id, "dicoba ulang")
        calls = [c for c in standin.calls if c.method == "sendMessage"]
        assert [c.status for c in calls] == [429, 200]
        assert calls[1].timestamp - calls[0].timestamp >= 1.0
        assert standin.sent[-1].message_id == message.message_id
    finally:
        await app.shutdown()


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("<marquee>Pemilu</marquee>", 'Unsupported start tag "marquee" at byte offset 0'),
        ("<b>tebal", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>tebal</i>", 'Unmatched end tag at byte offset 8, expected "</b>", found "</i>"'),
        ("nilai < 5", 'Unsupported start tag "" at byte offset 6'),
        (
            '<span class="merah">x</span>',
            'Tag "span" must have class "tg-spoiler" at byte offset 0',
        ),
    ],
)
async def test_bad_html_is_rejected_like_telegram(bot: Bot, text: str, description: str) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(BUDI.id, text, parse_mode=ParseMode.HTML)
    # PTB drops "Bad Request: " and capitalizes the rest of Telegram's description.
    assert caught.value.message == f"can't parse entities: {description}".capitalize()


@pytest.mark.parametrize(
    ("text", "message"),
    [("a" * 4097, "Message is too long"), ("<b> </b>", "Message text is empty")],
)
async def test_text_limits(bot: Bot, text: str, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(BUDI.id, text, parse_mode=ParseMode.HTML)
    assert caught.value.message == message


async def test_valid_html_becomes_entities(standin: BotApiStandIn, bot: Bot) -> None:
    text = '<b>Netral</b> &amp; <i>profesional</i>, <a href="https://bkn.go.id">BKN</a>'
    message = await bot.send_message(BUDI.id, text, parse_mode=ParseMode.HTML)
    assert message.text == "Netral & profesional, BKN"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 6),
        ("italic", 9, 11),
        ("text_link", 22, 3),
    ]
    assert message.entities[2].url == "https://bkn.go.id"
    plain, entities = parse_html('😀 <pre><code class="language-python">x</code></pre>')
    assert (plain, entities) == (
        "😀 x",
        [{"type": "pre", "offset": 3, "length": 1, "language": "python"}],
    )


def test_expandable_blockquote_becomes_its_own_entity_and_quotes_do_not_nest() -> None:
    plain, entities = parse_html(
        "<b>Boleh.</b> Singkat.\n<blockquote expandable>Rincian <b>tebal</b></blockquote>"
    )
    assert plain == "Boleh. Singkat.\nRincian tebal"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 6},
        {"type": "expandable_blockquote", "offset": 16, "length": 13},
        {"type": "bold", "offset": 24, "length": 5},
    ]
    _, nested = parse_html("<blockquote expandable>a <blockquote>b</blockquote></blockquote>")
    assert nested == [{"type": "expandable_blockquote", "offset": 0, "length": 3}]


async def test_blocked_user_is_forbidden_until_they_write_again(
    standin: BotApiStandIn, bot: Bot
) -> None:
    standin.block(BUDI.id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(BUDI.id, "pengingat")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_chat_action(BUDI.id, "typing")
    await standin.send_text(BUDI, "/start")
    assert (await bot.send_message(BUDI.id, "pengingat")).text == "pengingat"
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "siapa?")


async def test_wait_for_sent_timeout_lists_what_was_sent(standin: BotApiStandIn, bot: Bot) -> None:
    await bot.send_message(BUDI.id, "satu")
    with pytest.raises(BadRequest):
        await bot.send_message(BUDI.id, "<x>", parse_mode=ParseMode.HTML)
    with pytest.raises(AssertionError) as caught:
        await standin.wait_for_sent(lambda r: r.text == "dua", timeout=0.2)
    report = str(caught.value)
    assert "sent so far (1)" in report and "'satu'" in report
    assert "sendMessage 400: Bad Request: can't parse entities" in report


# -- getUpdates ----------------------------------------------------------------------------------


async def test_get_updates_long_polling(standin: BotApiStandIn, bot: Bot) -> None:
    await standin.send_text(BUDI, "satu")
    started = time.monotonic()
    [first] = await bot.get_updates(timeout=5)
    assert time.monotonic() - started < 1 and first.message.text == "satu"

    waiting = asyncio.create_task(bot.get_updates(offset=first.update_id + 1, timeout=5))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await standin.send_text(BUDI, "dua")
    [second] = await asyncio.wait_for(waiting, 2)
    assert second.message.text == "dua"

    await standin.send_text(BUDI, "tiga")
    await standin.send_text(BUDI, "empat")
    [third] = await bot.get_updates(offset=second.update_id + 1, limit=1)
    assert third.message.text == "tiga"
    assert [u.message.text for u in await bot.get_updates(offset=third.update_id + 1)] == ["empat"]

    assert await bot.get_updates(allowed_updates=["callback_query"]) == ()
    await standin.send_text(BUDI, "tidak diminta")
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9


async def test_simulated_messages_parse_as_ptb_objects(standin: BotApiStandIn, bot: Bot) -> None:
    standin.add_group(LKBH_GROUP, "Konsultan LKBH Korpri", is_forum=True)
    topic = await bot.create_forum_topic(LKBH_GROUP, "Tiket #7")
    first = await standin.send_text(BUDI, "pertanyaan")
    first_id = first["message"]["message_id"]
    await standin.edit_text(BUDI, first_id, "pertanyaan (diedit)")
    await standin.send_document(BUDI, caption="SK bupati")
    await standin.send_sticker(BUDI)
    await standin.send_location(BUDI, -7.79, 110.37)
    await standin.send_contact(BUDI, "+62811000", "Budi")
    await standin.send_voice(BUDI)
    thread = topic.message_thread_id
    await standin.send_text(SITI, "saya ambil", chat_id=LKBH_GROUP, message_thread_id=thread)
    await standin.send_text(BUDI, "lanjut", reply_to_message_id=first_id)

    updates = await bot.get_updates()
    assert [u.update_id - updates[0].update_id for u in updates] == list(range(9))
    edited, document, sticker, location, contact, voice, in_topic, reply = updates[1:]
    assert edited.edited_message.text == "pertanyaan (diedit)"
    assert (document.message.document.file_name, document.message.caption) == (
        "dokumen.pdf",
        "SK bupati",
    )
    assert sticker.message.sticker.emoji == "👍"
    assert location.message.location.latitude == pytest.approx(-7.79)
    assert contact.message.contact.phone_number == "+62811000"
    assert voice.message.voice.mime_type == "audio/ogg"
    assert in_topic.message.is_topic_message and in_topic.message.message_thread_id == thread
    assert (in_topic.effective_chat.id, in_topic.effective_user.id) == (LKBH_GROUP, SITI.id)
    assert reply.message.reply_to_message.text == "pertanyaan (diedit)"


async def test_second_get_updates_terminates_the_first(standin: BotApiStandIn, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    async with Bot(TOKEN, base_url=standin.base_url) as second_instance:
        await second_instance.get_updates()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first


# -- chats, topics, files, commands ----------------------------------------------------------------


async def test_copy_forward_and_forum_topics(standin: BotApiStandIn, bot: Bot) -> None:
    standin.add_group(LKBH_GROUP, "Konsultan LKBH Korpri", is_forum=True)
    standin.set_member(LKBH_GROUP, SITI.id, "administrator")
    question = await standin.send_text(BUDI, "Saya PPPK guru, boleh ikut kampanye?")
    question_id = question["message"]["message_id"]

    topic = await bot.create_forum_topic(LKBH_GROUP, "Tiket #42")
    thread = topic.message_thread_id
    copied = await bot.copy_message(LKBH_GROUP, BUDI.id, question_id, message_thread_id=thread)
    forwarded = await bot.forward_message(
        LKBH_GROUP, BUDI.id, question_id, message_thread_id=thread
    )

    copy_record, forward_record = standin.sent_to(LKBH_GROUP)
    assert (copy_record.method, copy_record.message_id) == ("copyMessage", copied.message_id)
    assert copy_record.text == "Saya PPPK guru, boleh ikut kampanye?"
    assert copy_record.message_thread_id == forward_record.message_thread_id == thread
    assert forwarded.forward_origin.sender_user.id == BUDI.id
    assert await bot.edit_forum_topic(LKBH_GROUP, thread, name="Tiket #42 (diambil)")
    assert await bot.close_forum_topic(LKBH_GROUP, thread)
    with pytest.raises(BadRequest, match="Topic_not_modified"):
        await bot.close_forum_topic(LKBH_GROUP, thread)
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(LKBH_GROUP, "x", message_thread_id=thread + 100)

    chat = await bot.get_chat(LKBH_GROUP)
    assert (chat.type, chat.title, chat.is_forum) == ("supergroup", "Konsultan LKBH Korpri", True)
    assert (await bot.get_chat_member(LKBH_GROUP, SITI.id)).status == "administrator"
    assert (await bot.get_chat_member(LKBH_GROUP, BUDI.id)).status == "left"
    with pytest.raises(BadRequest, match="The chat is not a forum"):
        await bot.create_forum_topic(BUDI.id, "x")


async def test_edit_delete_and_uploads(standin: BotApiStandIn, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Ambil", callback_data="tiket:ambil:42")]]
    )
    sent = await bot.send_message(BUDI.id, "Tiket baru", reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Tiket baru", BUDI.id, sent.message_id, reply_markup=keyboard)
    await bot.edit_message_reply_markup(BUDI.id, sent.message_id, reply_markup=None)
    assert standin.sent[-1].method == "editMessageReplyMarkup"
    assert await bot.delete_message(BUDI.id, sent.message_id)
    assert standin.deleted == [(BUDI.id, sent.message_id)]
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(BUDI.id, sent.message_id)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(BUDI.id, "x", reply_markup=too_long)

    document = await bot.send_document(BUDI.id, b"isi dokumen", filename="sk.pdf", caption="SK")
    assert (document.document.file_name, document.caption) == ("sk.pdf", "SK")
    photo = await bot.send_photo(
        BUDI.id, b"\xff\xd8foto", caption="<i>bukti</i>", parse_mode="HTML"
    )
    assert photo.caption == "bukti"
    downloaded = await (await bot.get_file(document.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"isi dokumen"
    assert [r.method for r in standin.sent[-2:]] == ["sendDocument", "sendPhoto"]


async def test_my_commands_per_scope(standin: BotApiStandIn, bot: Bot) -> None:
    from telegram import BotCommand, BotCommandScopeAllGroupChats

    await bot.set_my_commands([BotCommand("start", "Mulai"), BotCommand("bantuan", "Bantuan")])
    await bot.set_my_commands(
        [BotCommand("tiket", "Antrean")], scope=BotCommandScopeAllGroupChats()
    )
    assert [c.command for c in await bot.get_my_commands()] == ["start", "bantuan"]
    assert [c["command"] for c in standin.my_commands({"type": "all_group_chats"})] == ["tiket"]
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Mulai!", "x")])


async def test_callback_query_can_be_answered_once(standin: BotApiStandIn, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="ya")]])
    sent = await bot.send_message(BUDI.id, "Lanjut?", reply_markup=keyboard)
    update = await standin.press_button(BUDI, sent.message_id, "ya")
    [fetched] = await bot.get_updates()
    assert fetched.callback_query.message.message_id == sent.message_id
    assert await fetched.callback_query.answer("ok")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(update["callback_query"]["id"])


# -- load helpers and the CLI ----------------------------------------------------------------------


async def test_flood_control_and_send_rate(standin: BotApiStandIn, bot: Bot) -> None:
    standin.add_group(LKBH_GROUP, "Konsultan LKBH Korpri")
    standin.enable_flood_control(group_per_minute=3)
    for number in range(3):
        await bot.send_message(LKBH_GROUP, f"pesan {number}")
    with pytest.raises(RetryAfter):
        await bot.send_message(LKBH_GROUP, "pesan 3")
    assert sum(standin.sends_per_second()) == 3
    assert standin.peak_rate() == 3


async def test_cli_prints_base_url_and_serves() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.telegram_standin",
        "--port",
        "0",
        "--token",
        TOKEN,
        cwd=REPO_ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        assert line.startswith("base_url: http://127.0.0.1:")
        base_url = line.removeprefix("base_url: ").strip()
        async with Bot(TOKEN, base_url=base_url) as cli_bot:
            assert cli_bot.username == "TanyaNetralTestBot"
    finally:
        process.terminate()
        await process.wait()

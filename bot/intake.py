"""Take updates from Telegram and acknowledge each one only once it is handled.

Webhook: an update is handled inside its POST, and the 200 is sent after; Telegram delivers
again whatever was not acknowledged. Polling: the offset moves past a batch once it is stored
in ``inbox_updates``, where it stays until handled. So a crash at any moment loses no question:
after a restart, Telegram delivers the unacknowledged updates again (polling: the inbox is
handled first), and ``processed_updates`` tells an update handled to the end (acknowledged
again, not handled twice) from one whose handling was cut short (handled again from the
start). What a crash can still duplicate is the reply in flight when the process died.

This is python-telegram-bot's custom-webhook pattern: our own server calls
``Application.process_update``, which runs every handler before it returns. Telegram sends a
chat's next update only once the previous one got its 200, so on the webhook a chat's updates
are handled one at a time and in order, whichever worker receives them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlparse

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.error import TelegramError, TimedOut
from telegram.ext import Application

from bot.settings import TelegramSettings
from bot.storage.base import utcnow
from bot.storage.database import DatabaseUnavailable
from bot.storage.transaction import in_transaction
from bot.storage.update_claims import (
    UpdateState,
    begin_update,
    finish_update,
    polled_unfinished,
    release_update,
    store_polled_updates,
)

logger = logging.getLogger(__name__)

HANDLING_LEASE = timedelta(seconds=60)
"""On the webhook, an unfinished update younger than this is taken to be in another worker's
hands (Telegram sent it again while it was still being handled); older, its worker died. A
question's handling takes at most Rasa's queue and parse timeouts (35 s) and its reply."""
IN_HAND_RECHECK_SECONDS = 1.0

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1 << 20
"""Telegram's updates are a few kilobytes; anything near a megabyte is not from Telegram
(413, chunked bodies too)."""
HEADER_SECONDS = 10.0
"""A connection must bring a request's whole headers within this long of opening, or of the
previous answer on it; otherwise it is closed (slow-header clients, idle connections). This is
aiohttp's keep-alive timer, which runs from a connection's start since aiohttp 3.14.5. The
reverse proxy bounds headers too (docs/deploy.md)."""
BODY_SECONDS = 10.0
"""An update's body must arrive within this long of its headers; otherwise 408."""
LINGER_SECONDS = 2.0
"""After an early answer (403, 408, 413), what the client still sends is read and dropped for
at most this long, so that it gets the answer; then the connection is closed."""
POLL_SECONDS = 10
POLL_ERROR_PAUSE_SECONDS = 3.0

_left_unhandled: ContextVar[bool] = ContextVar("left_unhandled", default=False)
"""Set while handling an update that must be handled again later (``leave_unhandled``); a
context variable because the handlers run in the task that handles the update."""


class UpdateLeftUnhandled(Exception):
    """The update could not be handled for now and is not marked handled: the webhook answers
    503, so that Telegram sends it again; the poller tries it again after a pause."""


def leave_unhandled() -> None:
    """Called by a handler of the update in hand when the database is unavailable: nothing
    Telegram handed us is lost, the update is handled once the database is back."""
    _left_unhandled.set(True)


async def handle_update(application: Application, update: Update, *, one_poller: bool) -> None:
    """Handle ``update`` unless it was handled to the end before.

    ``one_poller``: nobody else can be handling it, so an unfinished update was interrupted.
    On the webhook, a delivery of an update in another worker's hands waits until that worker
    finishes it, or until its lease runs out and it is handled here.
    """
    stale_before = None if one_poller else utcnow() - HANDLING_LEASE
    state = await _begin(application, update.update_id, stale_before)
    while state is UpdateState.IN_HAND:
        await asyncio.sleep(IN_HAND_RECHECK_SECONDS)
        state = await _begin(application, update.update_id, utcnow() - HANDLING_LEASE)
    if state is UpdateState.HANDLED:
        logger.info("Update %s was handled before; acknowledged again", update.update_id)
    else:
        if state is UpdateState.RESUMED:
            logger.warning(
                "Update %s was cut short (a restart?); handling it again", update.update_id
            )
        _left_unhandled.set(False)
        await application.process_update(update)
        if _left_unhandled.get():
            await _release(application, update.update_id)
            raise UpdateLeftUnhandled(update.update_id)
    try:
        await in_transaction(
            application.bot_data.services.sessions,
            lambda session: finish_update(session, update_id=update.update_id, polled=one_poller),
        )
    except (DatabaseUnavailable, SQLAlchemyError) as error:  # a redelivery: answered again
        logger.warning("Update %s: handled, but not marked so (%s)", update.update_id, error)


async def _release(application: Application, update_id: int) -> None:
    """Let the next delivery of an update left unhandled claim it at once; if the database
    cannot even do that, the claim's lease runs out instead."""
    try:
        await in_transaction(
            application.bot_data.services.sessions,
            lambda session: release_update(session, update_id=update_id),
        )
    except (DatabaseUnavailable, SQLAlchemyError) as error:
        logger.warning("Update %s: claim kept until its lease ends (%s)", update_id, error)


async def _begin(
    application: Application, update_id: int, stale_before: datetime | None
) -> UpdateState:
    try:
        return await in_transaction(
            application.bot_data.services.sessions,
            lambda session: begin_update(session, update_id=update_id, stale_before=stale_before),
        )
    except (DatabaseUnavailable, SQLAlchemyError) as error:  # the gate tells the user
        logger.warning("Update %s: could not look it up (%s)", update_id, error)
        return UpdateState.NEW


async def serve_webhook(
    application: Application, telegram: TelegramSettings, stop: asyncio.Event
) -> None:
    """Answer Telegram's POSTs until ``stop`` is set; then finish the updates in hand."""
    assert telegram.webhook_url and telegram.webhook_secret
    secret = telegram.webhook_secret.get_secret_value()
    expected = _digest(secret)

    async def receive(request: web.Request) -> web.Response:
        if not hmac.compare_digest(_digest(request.headers.get(SECRET_HEADER, "")), expected):
            return web.Response(status=403)
        try:
            async with asyncio.timeout(BODY_SECONDS):
                body = await request.read()  # over MAX_UPDATE_BYTES: 413
        except TimeoutError:
            logger.warning("Webhook: a body slower than %s s was cut off", BODY_SECONDS)
            return web.Response(status=408)
        try:
            update = Update.de_json(json.loads(body), application.bot)
        except (ValueError, TypeError, KeyError):
            logger.warning("Webhook: a body that is not an update was refused")
            return web.Response(status=400)
        try:
            await handle_update(application, update, one_poller=False)
        except UpdateLeftUnhandled:
            return web.Response(status=503)  # Telegram sends it again later
        return web.Response(status=200)

    server = web.Application(client_max_size=MAX_UPDATE_BYTES)
    server.router.add_post(urlparse(telegram.webhook_url).path or "/", receive)
    runner = web.AppRunner(
        server,
        handle_signals=False,
        access_log=None,
        keepalive_timeout=HEADER_SECONDS,
        lingering_time=LINGER_SECONDS,
    )
    await runner.setup()
    await web.TCPSite(runner, telegram.webhook_listen, telegram.webhook_port).start()
    try:
        await application.bot.set_webhook(
            telegram.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
        logger.info("Webhook listening on %s:%s", telegram.webhook_listen, telegram.webhook_port)
        await stop.wait()
    finally:
        await runner.cleanup()  # stops listening; waits for the requests in progress


def _digest(secret: str) -> bytes:
    """What is compared: equal lengths whatever was sent, a missing or undecodable header too,
    so that the comparison's time tells nothing about the secret, not even its length."""
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).digest()


async def serve_polling(application: Application, stop: asyncio.Event) -> None:
    """Poll until ``stop`` is set; the offset moves past an update once it is stored.

    Polled updates are kept in ``inbox_updates`` until handled, so polling goes on at once
    (as python-telegram-bot's own does) and a restart handles what a crash cut short. Each
    chat's updates are handled in order, different chats at once.
    """
    bot = application.bot
    await bot.delete_webhook()
    chats = _ChatQueues(application, stop)
    for payload in await _unfinished(application):  # taken before a restart, never finished
        chats.start(Update.de_json(json.loads(payload), bot))
    offset: int | None = None
    while not stop.is_set():
        updates = await _next_batch(application, offset, stop)
        if not updates:
            continue
        try:
            fresh = await _store(application, updates)
        except (SQLAlchemyError, OSError) as error:  # left at Telegram, asked for again
            logger.warning("Polled updates not stored (%s); asking again shortly", error)
            await _pause(stop)
            continue
        offset = updates[-1].update_id + 1
        for update in updates:
            if update.update_id in fresh:
                chats.start(update)
    await chats.finish()
    if offset is not None:
        with contextlib.suppress(TelegramError):  # acknowledge the last batch before leaving
            await bot.get_updates(offset=offset, timeout=0, limit=1)


async def _unfinished(application: Application) -> list[str]:
    async with application.bot_data.services.sessions() as session:
        return await polled_unfinished(session)


async def _store(application: Application, updates: Iterable[Update]) -> set[int]:
    payloads = {update.update_id: json.dumps(update.to_dict()) for update in updates}
    async with application.bot_data.services.sessions() as session:
        fresh = await store_polled_updates(session, payloads)
        await session.commit()
    return fresh


class _ChatQueues:
    """Updates in hand: each chat's in order, different chats at once."""

    def __init__(self, application: Application, stop: asyncio.Event) -> None:
        self._application, self._stop = application, stop
        self._in_hand: set[asyncio.Task[None]] = set()
        self._last_of_chat: dict[object, asyncio.Task[None]] = {}

    def start(self, update: Update) -> None:
        chat = update.effective_chat
        key: object = chat.id if chat else update.update_id
        task = asyncio.create_task(self._handle(update, self._last_of_chat.get(key)))
        self._in_hand.add(task)
        self._last_of_chat[key] = task
        task.add_done_callback(partial(self._done, key=key))

    async def _handle(self, update: Update, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:  # the chat's earlier update first
            await asyncio.wait({previous})
        while True:
            try:
                await handle_update(self._application, update, one_poller=True)
                return
            except UpdateLeftUnhandled:  # tried again; when stopping, kept for the next start
                logger.warning("Update %s left for later: database unavailable", update.update_id)
                if self._stop.is_set():
                    return
                await _pause(self._stop)
            except Exception:  # a bug: the chat's next updates are still handled
                logger.exception("Update %s could not be handled", update.update_id)
                return

    def _done(self, task: asyncio.Task[None], *, key: object) -> None:
        self._in_hand.discard(task)
        if self._last_of_chat.get(key) is task:
            del self._last_of_chat[key]

    async def finish(self) -> None:
        """Let the updates in hand finish (stopping)."""
        if self._in_hand:
            await asyncio.wait(set(self._in_hand))


async def _next_batch(
    application: Application, offset: int | None, stop: asyncio.Event
) -> tuple[Update, ...]:
    """The next updates from getUpdates; none when stopping, on a timeout or an error."""
    fetch = asyncio.ensure_future(
        application.bot.get_updates(
            offset=offset, timeout=POLL_SECONDS, allowed_updates=Update.ALL_TYPES
        )
    )
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not fetch.done():
        fetch.cancel()
        with contextlib.suppress(asyncio.CancelledError, TelegramError):
            await fetch
        return ()
    try:
        return fetch.result()
    except TimedOut:
        return ()
    except TelegramError as error:
        logger.warning("getUpdates failed (%s); trying again shortly", error)
        await _pause(stop)
        return ()


async def _pause(stop: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), POLL_ERROR_PAUSE_SECONDS)

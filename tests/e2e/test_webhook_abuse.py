"""The webhook under abuse, against the real bot process in webhook mode over raw TCP.

A guessable secret is refused at start; requests without the secret (missing, wrong, or bytes
that are not text) get 403 and oversized bodies 413, with or without Content-Length; clients
that send their headers or body slowly, or nothing at all, are cut off within the bounds in
``bot.intake``, while the bot goes on answering everyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.intake import BODY_SECONDS, HEADER_SECONDS, LINGER_SECONDS
from bot.nlu.rasa_server import free_port
from bot.settings import REPO_ROOT
from tests.e2e.bot_process import TOKEN, BotProcess
from tests.telegram_standin import BotApiStandIn, FakeUser

pytestmark = pytest.mark.e2e

SECRET = secrets.token_urlsafe(32)
PATH = "/telegram"
SLACK = 3.0  # seconds a cut-off may come late on a busy 2-core machine
QUESTION = "apakah asn boleh jadi anggota kpps?"
A_MEGABYTE = 1 << 20  # Telegram's updates are a few kilobytes


@dataclass(frozen=True)
class Outcome:
    """What one raw client saw: the bot's answer and when the bot closed the connection."""

    answer: bytes  # b"": closed without an answer
    answered_after: float | None
    closed_after: float  # math.inf: still open when the client gave up

    @property
    def status(self) -> int | None:
        return int(self.answer.split(b" ", 2)[1]) if self.answer else None


async def talk(
    port: int, first: bytes, *, then: bytes = b"", every: float = 0.5, give_up: float = 60.0
) -> Outcome:
    """Send ``first`` at once, then ``then`` one byte every ``every`` seconds; read the answer
    until the bot closes the connection."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(first)

    async def trickle() -> None:
        with contextlib.suppress(OSError):  # the bot closed the connection
            for byte in then:
                await asyncio.sleep(every)
                writer.write(bytes([byte]))
                await writer.drain()

    dripping = asyncio.create_task(trickle())
    answer, answered_after, closed_after = b"", None, math.inf
    try:
        async with asyncio.timeout(give_up):
            while chunk := await reader.read(65536):
                answered_after = answered_after or time.monotonic() - started
                answer += chunk
        closed_after = time.monotonic() - started
    except ConnectionResetError:
        closed_after = time.monotonic() - started
    except TimeoutError:
        pass
    finally:
        dripping.cancel()
        writer.close()
    return Outcome(answer, answered_after, closed_after)


def head(*, secret: bytes | None = SECRET.encode(), length: int | None = None) -> bytes:
    lines = [f"POST {PATH} HTTP/1.1".encode(), b"Host: 127.0.0.1", b"Connection: close"]
    lines.append(b"Content-Type: application/json")
    if secret is not None:
        lines.append(b"X-Telegram-Bot-Api-Secret-Token: " + secret)
    if length is None:
        lines.append(b"Transfer-Encoding: chunked")
    else:
        lines.append(b"Content-Length: %d" % length)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def post(body: bytes, *, secret: bytes | None = SECRET.encode()) -> bytes:
    return head(secret=secret, length=len(body)) + body


def update_from(user: FakeUser, text: str, update_id: int) -> bytes:
    """An update as Telegram would send it: a message in the user's private chat."""
    sender = {"id": user.id, "is_bot": False, "first_name": user.first_name}
    message = {
        "message_id": update_id % 1_000_000,
        "date": int(time.time()),
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "from": sender,
        "text": text,
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


@pytest.fixture
async def webhook_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[int]:
    """The bot in webhook mode; yields the port it listens on."""
    port = free_port()
    bot = BotProcess(
        standin,
        tmp_path / "bot.log",
        **bot_env,
        BOT_MODE="webhook",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_URL=f"http://127.0.0.1:{port}{PATH}",
        WEBHOOK_SECRET=SECRET,
    )
    await bot.start(ready_method="setWebhook")
    try:
        yield port
    finally:
        assert bot.stop() == 0, bot.log_tail()
    log = bot.log_path.read_text(errors="replace")
    assert SECRET not in log and TOKEN not in log
    assert "Traceback" not in log, bot.log_tail()


async def _ask(standin: BotApiStandIn, user: FakeUser, text: str) -> str:
    since = len(standin.sent)
    await standin.send_text(user, text)
    [answer] = await standin.wait_for_sent(chat_id=user.id, since=since, timeout=20)
    return answer.plain_text or ""


def test_a_guessable_webhook_secret_is_refused_at_start() -> None:
    """The bot never starts in webhook mode with a short secret, and says how to make one."""
    guessable = "s3cret-webhook-token"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "RASA_"))}
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={
            **clean,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",  # nothing listens there
            "RASA_URL": "http://127.0.0.1:9",
            "BOT_MODE": "webhook",
            "WEBHOOK_URL": "https://bot.example/telegram",
            "WEBHOOK_SECRET": guessable,
        },
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    assert "WEBHOOK_SECRET must be 32 to 256 characters" in completed.stderr
    assert "python -c 'import secrets; print(secrets.token_urlsafe(32))'" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert guessable not in completed.stderr and TOKEN not in completed.stderr


@pytest.mark.rasa
async def test_forged_and_oversized_requests_are_refused(
    standin: BotApiStandIn, webhook_bot: int
) -> None:
    port = webhook_bot
    target = standin.add_user(FakeUser(8101, "Sasaran"))
    forged = update_from(target, QUESTION, update_id=990_000_001)
    wrong = secrets.token_urlsafe(32).encode()  # as long as the real one
    for secret in (None, wrong, b"", b"\xff\xfe" * 22):  # \xff: not text at all
        outcome = await talk(port, post(forged, secret=secret))
        assert outcome.status == 403, (secret, outcome)

    too_big = b" " * A_MEGABYTE  # whitespace: valid JSON around an update
    assert (await talk(port, post(forged + too_big))).status == 413
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (forged, too_big)) + b"0\r\n\r\n"
    assert (await talk(port, head() + chunks)).status == 413  # no Content-Length
    assert (await talk(port, post(b"not json"))).status == 400

    await asyncio.sleep(1)
    assert standin.sent_to(target.id) == []  # nothing forged or oversized was handled
    assert "Dasar hukum" in await _ask(standin, FakeUser(8102, "Asli"), QUESTION)


@pytest.mark.rasa
async def test_slow_and_idle_clients_are_cut_off_while_others_are_answered(
    standin: BotApiStandIn, webhook_bot: int
) -> None:
    port = webhook_bot
    give_up = 3 * (BODY_SECONDS + LINGER_SECONDS)
    header_line = b"X-Padding: " + b"a" * 200  # one byte every 0.5 s: 100 s of headers
    body = update_from(FakeUser(8201, "Lambat"), QUESTION, update_id=990_000_002)
    slow_headers = [
        asyncio.create_task(
            talk(port, f"POST {PATH} HTTP/1.1\r\n".encode(), then=header_line, give_up=give_up)
        )
        for _ in range(20)
    ]
    idle = asyncio.create_task(talk(port, b"", give_up=give_up))
    slow_body = asyncio.create_task(talk(port, head(length=len(body)), then=body, give_up=give_up))
    slow = [*slow_headers, idle, slow_body]

    started = time.monotonic()
    assert "Dasar hukum" in await _ask(standin, FakeUser(8202, "Cepat"), QUESTION)
    assert not any(task.done() for task in slow), "the bot answered only once they were gone"
    assert time.monotonic() - started < HEADER_SECONDS

    for outcome in [await task for task in (*slow_headers, idle)]:
        assert outcome.answer == b""  # no request ever came
        assert HEADER_SECONDS - SLACK <= outcome.closed_after <= HEADER_SECONDS + SLACK
    cut = await slow_body
    assert cut.status == 408
    assert cut.answered_after is not None and cut.answered_after >= BODY_SECONDS
    assert cut.closed_after <= BODY_SECONDS + LINGER_SECONDS + SLACK
    assert standin.sent_to(8201) == []

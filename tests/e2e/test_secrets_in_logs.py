"""No secret in the bot's log, at DEBUG, while Telegram and Rasa fail (issue 21).

The real bot runs in webhook mode with every secret set: the bot token, a Rasa token, the
webhook secret and (on PostgreSQL) a database password. Rasa takes connections and never
answers; the Bot API, behind a gate, first refuses connections, then lets them time out.
Every failure must show in the log, and no secret and no request URL may.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.log_redaction import MASK
from bot.nlu.rasa_server import free_port
from tests.e2e.bot_process import TOKEN, BotProcess
from tests.e2e.conftest import CONSULTANT_IDS, STAFF_CHAT_ID
from tests.e2e.tcp_gate import SilentPort, TcpGate
from tests.storage.conftest import fresh_postgres_database
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord

pytestmark = pytest.mark.e2e

RASA_TOKEN = "rasa-token-uji-7f3k2"
WEBHOOK_SECRET = "webhook-secret-uji-9q8w7-Zx4Vb2Nm6Lk8Jh0Gf3Ds"
DATABASE_PASSWORD = "sandi-db-uji-4x5y6"
BOT_API_CONNECT_SECONDS = 5.0  # python-telegram-bot's default connect timeout
QUESTION = "apakah asn boleh hadir di acara kampanye?"
RECORD_START = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ ")  # the log's format


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """PostgreSQL with a password in the URL (trust authentication ignores it); SQLite, which
    has none, without TEST_DATABASE_URL."""
    if not os.environ.get("TEST_DATABASE_URL"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'tanya_netral.db'}"
        return
    async with fresh_postgres_database("TEST_DATABASE_URL not set") as url:
        yield make_url(url).set(password=DATABASE_PASSWORD).render_as_string(hide_password=False)


async def test_no_secret_reaches_the_log_while_telegram_and_rasa_fail(
    standin: BotApiStandIn, database_url: str, tmp_path: Path
) -> None:
    rasa = SilentPort()  # takes a connection and never answers; then connecting times out
    gate = TcpGate(standin.port)
    await gate.open()
    bot = BotProcess(
        standin, tmp_path / "bot.log", **_environment(gate, rasa, database_url, tmp_path)
    )
    try:
        await bot.start(ready_method="setWebhook")
        # Rasa: the first parse waits out its read timeout, the next ones their connect timeout.
        for user in (FakeUser(2101), FakeUser(2102)):
            await standin.send_text(user, QUESTION)
            await standin.wait_for_sent(_nlu_unavailable_reply, chat_id=user.id, timeout=30)
        await _wait_for_log(bot, lambda log: log.count("NLU unavailable") >= 2)

        # The Bot API refuses connections: the reply is tried again, and sent once it opens.
        await gate.refuse()
        refused = FakeUser(2103)
        asking = asyncio.ensure_future(standin.send_text(refused, QUESTION))
        await _wait_for_log(bot, lambda log: log.count("ConnectError") >= 2)
        await gate.open()
        await standin.wait_for_sent(_nlu_unavailable_reply, chat_id=refused.id, timeout=30)
        await asking

        # The Bot API lets connections time out: the reply fails, the error is logged in full.
        await gate.go_silent()
        timed_out = FakeUser(2104)
        asking = asyncio.ensure_future(standin.send_text(timed_out, QUESTION))
        await _wait_for_log(
            bot, lambda log: "Could not apologise" in log, timeout=4 * BOT_API_CONNECT_SECONDS
        )
        await gate.open()
        await standin.wait_for_sent(
            lambda r: "Galat bot" in (r.plain_text or ""), chat_id=STAFF_CHAT_ID, timeout=30
        )
        await asking
    finally:
        await gate.open()
        exit_code = bot.stop()
        await gate.close()
        rasa.close()
    assert exit_code == 0, bot.log_tail()

    log = bot.log_path.read_text(errors="replace")
    assert " DEBUG " in log
    nlu = [line for line in log.splitlines() if "NLU unavailable" in line]
    assert any("ReadTimeout" in line for line in nlu)  # Rasa hung on the first parse,
    assert any("ConnectTimeout" in line for line in nlu)  # then its connections timed out
    assert "httpx.ConnectError" in log  # the Bot API refused (and the send was tried again),
    assert "Unhandled error" in log and "telegram.error.TimedOut" in log  # then timed out
    for secret in _secrets(database_url):
        assert secret not in log, f"{secret!r} in the log:\n{_lines_with(log, secret)}"
    for server in (gate.url, rasa.url):  # host and port only: no path, no query
        assert f"{server}/" not in log, _lines_with(log, f"{server}/")
    assert MASK not in log  # nothing was left for the log's redaction to catch
    above_debug = [record for record in _records(log) if " DEBUG " not in record[:40]]
    assert not [record for record in above_debug if QUESTION in record]  # users' texts


def _environment(
    gate: TcpGate, rasa: SilentPort, database_url: str, tmp_path: Path
) -> dict[str, str]:
    config = tmp_path / "config.yml"
    rasa_settings = {"timeout_seconds": 1.0, "connect_timeout_seconds": 1.0, "breaker_failures": 10}
    config.write_text(yaml.safe_dump({"rasa": rasa_settings}), encoding="utf-8")
    port = free_port()
    return {
        "TELEGRAM_API_BASE_URL": f"{gate.url}/bot",
        "BOT_MODE": "webhook",
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "RASA_URL": rasa.url,
        "RASA_AUTH_TOKEN": RASA_TOKEN,
        "DATABASE_URL": database_url,
        "STAFF_CHAT_ID": str(STAFF_CHAT_ID),
        "CONSULTANT_IDS": ",".join(map(str, CONSULTANT_IDS)),
        "LOG_LEVEL": "DEBUG",
        "TANYA_NETRAL_CONFIG": str(config),
    }


def _secrets(database_url: str) -> list[str]:
    """Each secret as written and URL-encoded; the bot token's secret half alone too."""
    secrets = [TOKEN, TOKEN.split(":")[1], RASA_TOKEN, WEBHOOK_SECRET]
    if make_url(database_url).password:
        secrets.append(DATABASE_PASSWORD)
    return [form for secret in secrets for form in (secret, quote(secret, safe=""))]


def _nlu_unavailable_reply(record: SentRecord) -> bool:
    text = record.plain_text or ""
    return "tidak tersedia" in text and "tiket" in text  # an office-hours note may come first


async def _wait_for_log(
    bot: BotProcess, logged: Callable[[str], bool], timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while not logged(bot.log_path.read_text(errors="replace")):
        assert time.monotonic() < deadline, f"not logged in time:\n{bot.log_tail()}"
        await asyncio.sleep(0.1)


def _records(log: str) -> list[str]:
    """The log's records: a line with a time stamp and the lines after it (a traceback)."""
    records: list[str] = []
    for line in log.splitlines():
        if RECORD_START.match(line) or not records:
            records.append(line)
        else:
            records[-1] += "\n" + line
    return records


def _lines_with(log: str, text: str) -> str:
    return "\n".join(line for line in log.splitlines() if text in line)[:2000]

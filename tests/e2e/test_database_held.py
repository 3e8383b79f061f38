"""A PostgreSQL database held by someone else, under the real bot process.

Another session locks the ``users`` table, as a long migration or a forgotten ``psql``
transaction would. Every statement of the bot that needs it is cancelled by the statement
timeout (``database.statement_timeout_seconds``, set from the config file), tried again by the
retry policy, and then the user is told within seconds that their message waits: no hang, no
crash, and nothing lost. Once the table is free, the bot answers the question it held, without
the user sending it again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot import retrying
from bot.knowledge import load_knowledge_base
from bot.storage.database import normalize_database_url
from tests.conftest import RunningRasa
from tests.e2e.bot_process import BotProcess
from tests.storage.conftest import fresh_postgres_database
from tests.telegram_standin import BotApiStandIn, FakeUser
from tests.test_telegram_standin import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rasa]

STATEMENT_TIMEOUT = 1.0
QUESTION = "apakah asn boleh jadi anggota kpps?"
SLACK = 5.0


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    async with fresh_postgres_database("TEST_DATABASE_URL not set: PostgreSQL e2e skipped") as url:
        yield url


@pytest.fixture(params=["polling", "webhook"])
async def bot_on_postgres(
    request: pytest.FixtureRequest,
    standin: BotApiStandIn,
    rasa_server: RunningRasa,
    postgres_url: str,
    tmp_path: Path,
) -> AsyncIterator[BotProcess]:
    """The bot polling (a held update is tried again) or on a webhook (answered 503, so that
    Telegram sends it again)."""
    config = tmp_path / "config.yml"
    config.write_text(f"database:\n  statement_timeout_seconds: {STATEMENT_TIMEOUT}\n")
    webhook: dict[str, str] = {}
    if request.param == "webhook":
        port = free_port()
        webhook = {
            "BOT_MODE": "webhook",
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
            "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
            "WEBHOOK_SECRET": "held-database-webhook-secret-0123456789",
        }
    bot = BotProcess(
        standin,
        tmp_path / "bot.log",
        RASA_URL=rasa_server.url,
        RASA_AUTH_TOKEN=rasa_server.auth_token,
        DATABASE_URL=postgres_url,
        TANYA_NETRAL_CONFIG=str(config),
        **webhook,
    )
    await bot.start(ready_method="setWebhook" if webhook else "getUpdates")
    try:
        yield bot
    finally:
        assert bot.stop() == 0, bot.log_tail()


async def _ask(standin: BotApiStandIn, user: FakeUser, question: str) -> str:
    since = len(standin.sent)
    await standin.send_text(user, question)
    [reply] = await standin.wait_for_sent(chat_id=user.id, since=since, timeout=30)
    return reply.plain_text or ""


async def test_a_held_database_tells_the_user_once_and_answers_the_held_question_after(
    standin: BotApiStandIn, bot_on_postgres: BotProcess, postgres_url: str
) -> None:
    asn = FakeUser(8301, "Rina")
    assert "Dasar hukum" in await _ask(standin, asn, QUESTION)
    held = load_knowledge_base().message("held_update")

    holder_engine = create_async_engine(normalize_database_url(postgres_url))
    try:
        async with holder_engine.connect() as holder:
            await holder.execute(text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            since = len(standin.sent)
            assert await _ask(standin, asn, "pns boleh like postingan capres?") == held
            waited = time.monotonic() - started
            tries = retrying.DATABASE_ATTEMPTS * STATEMENT_TIMEOUT
            assert tries <= waited <= tries + 3 * retrying.DATABASE_FIRST_WAIT_SECONDS + SLACK
            await asyncio.sleep(2 * tries)  # tried again meanwhile: told once, not again
            assert [r.plain_text for r in standin.sent_to(asn.id)[-1:]] == [held]
            assert bot_on_postgres.running
            await holder.rollback()
    finally:
        await holder_engine.dispose()

    # The held question is answered without being sent again; then the bot goes on as before.
    [_, answer] = await standin.wait_for_sent(chat_id=asn.id, since=since, count=2, timeout=30)
    assert "Dasar hukum" in (answer.plain_text or "") and "like" in (answer.plain_text or "")
    assert "Dasar hukum" in await _ask(standin, asn, QUESTION)
    assert "statement timeout" in bot_on_postgres.log_path.read_text(errors="replace")

"""A PostgreSQL database held by someone else, under the real bot process.

Another session locks the ``users`` table, as a long migration or a forgotten ``psql``
transaction would. Every statement of the bot that needs it is cancelled by the statement
timeout (``database.statement_timeout_seconds``, set from the config file), tried again by the
retry policy, and then the user gets the polite apology within seconds: no hang, no crash.
Once the table is free, the bot answers the user's questions again.
"""

from __future__ import annotations

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

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rasa]

STATEMENT_TIMEOUT = 1.0
QUESTION = "apakah asn boleh jadi anggota kpps?"
SLACK = 5.0


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    async with fresh_postgres_database("TEST_DATABASE_URL not set: PostgreSQL e2e skipped") as url:
        yield url


@pytest.fixture
async def bot_on_postgres(
    standin: BotApiStandIn, rasa_server: RunningRasa, postgres_url: str, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    config = tmp_path / "config.yml"
    config.write_text(f"database:\n  statement_timeout_seconds: {STATEMENT_TIMEOUT}\n")
    bot = BotProcess(
        standin,
        tmp_path / "bot.log",
        RASA_URL=rasa_server.url,
        RASA_AUTH_TOKEN=rasa_server.auth_token,
        DATABASE_URL=postgres_url,
        TANYA_NETRAL_CONFIG=str(config),
    )
    await bot.start()
    try:
        yield bot
    finally:
        assert bot.stop() == 0, bot.log_tail()


async def _ask(standin: BotApiStandIn, user: FakeUser, question: str) -> str:
    since = len(standin.sent)
    await standin.send_text(user, question)
    [reply] = await standin.wait_for_sent(chat_id=user.id, since=since, timeout=30)
    return reply.plain_text or ""


async def test_a_held_table_gets_the_apology_in_seconds_and_answers_come_back_after(
    standin: BotApiStandIn, bot_on_postgres: BotProcess, postgres_url: str
) -> None:
    asn = FakeUser(8301, "Rina")
    assert "Dasar hukum" in await _ask(standin, asn, QUESTION)
    apology = load_knowledge_base().message("temporary_error")

    holder_engine = create_async_engine(normalize_database_url(postgres_url))
    try:
        async with holder_engine.connect() as holder:
            await holder.execute(text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            assert await _ask(standin, asn, QUESTION) == apology
            waited = time.monotonic() - started
            tries = retrying.DATABASE_ATTEMPTS * STATEMENT_TIMEOUT
            assert tries <= waited <= tries + 3 * retrying.DATABASE_FIRST_WAIT_SECONDS + SLACK
            assert bot_on_postgres.running
            await holder.rollback()
    finally:
        await holder_engine.dispose()

    assert "Dasar hukum" in await _ask(standin, asn, QUESTION)
    assert "statement timeout" in bot_on_postgres.log_path.read_text(errors="replace")

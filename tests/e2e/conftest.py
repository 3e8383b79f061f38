"""End-to-end fixtures: the Bot API stand-in, the real bot process and its database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import Ticket, TicketStatus, create_engine, create_session_factory
from tests.conftest import RunningRasa
from tests.e2e.bot_process import TOKEN, BotProcess
from tests.storage.conftest import fresh_postgres_database
from tests.telegram_standin import BotApiStandIn, FakeUser

STAFF_CHAT_ID = -1001000000001
CONSULTANT_IDS = (7001, 7002)


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    server = BotApiStandIn(TOKEN)
    await server.start()
    server.add_group(STAFF_CHAT_ID, "LKBH Korpri — konsultan")
    try:
        yield server
    finally:
        await server.stop()


ON_SQLITE_AND_POSTGRESQL = pytest.mark.parametrize(
    "database_url",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
    indirect=True,
)
"""A module's ``pytestmark``: each of its tests runs on SQLite and on a fresh PostgreSQL
database (skipped, with the reason, without ``TEST_DATABASE_URL``)."""


@pytest.fixture
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The bot's database: a SQLite file, or a fresh PostgreSQL database when a module asks
    for both (``ON_SQLITE_AND_POSTGRESQL``)."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'tanya_netral.db'}"
        return
    async with fresh_postgres_database("TEST_DATABASE_URL not set: PostgreSQL e2e skipped") as url:
        yield url


ALWAYS_OPEN: dict[str, Any] = {
    "office_days": [1, 2, 3, 4, 5, 6, 7],
    "office_hours_start": "00:00",
    "office_hours_end": "23:59",
    "holidays": [],
}
"""``queue`` settings with the office always open: no after-hours notice among the messages."""


def always_open_config(tmp_path: Path, **sections: dict[str, Any]) -> Path:
    """A config file with the office always open (``ALWAYS_OPEN``) and ``sections`` beside it,
    for ``TANYA_NETRAL_CONFIG``."""
    config = tmp_path / "config.yml"
    queue = {**ALWAYS_OPEN, **sections.pop("queue", {})}
    config.write_text(yaml.safe_dump({"queue": queue, **sections}), encoding="utf-8")
    return config


@pytest.fixture
def bot_env(rasa_server: RunningRasa, database_url: str) -> dict[str, str]:
    return {
        "RASA_URL": rasa_server.url,
        "RASA_AUTH_TOKEN": rasa_server.auth_token,
        "DATABASE_URL": database_url,
        "STAFF_CHAT_ID": str(STAFF_CHAT_ID),
        "CONSULTANT_IDS": ",".join(map(str, CONSULTANT_IDS)),
    }


@pytest.fixture
async def bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    process = BotProcess(standin, tmp_path / "bot.log", **bot_env)
    await process.start()
    try:
        yield process
    finally:
        exit_code = process.stop()
        assert exit_code == 0, f"bot exited with {exit_code}:\n{process.log_tail()}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Read what the bot wrote, from the test process."""
    engine = create_engine(database_url)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


async def open_ticket_through_the_bot(
    standin: BotApiStandIn,
    db: async_sessionmaker[AsyncSession],
    asn: FakeUser,
    case: str,
    *,
    timeout: float = 20.0,
) -> int:
    """The ASN tells their case and it becomes a ticket, as a user would get there: they agree
    to hand it to the consultants and skip the intake questions; the number of their open
    ticket. The one way e2e tests open a ticket through the bot."""
    await hand_case_over(standin, asn, case, timeout=timeout)
    async with db() as session:
        return (
            await session.scalars(
                select(Ticket.id).where(
                    Ticket.user_id == asn.id, Ticket.status != TicketStatus.SELESAI
                )
            )
        ).one()


async def hand_case_over(
    standin: BotApiStandIn, asn: FakeUser, case: str, *, timeout: float = 20.0
) -> None:
    """``open_ticket_through_the_bot`` without reading the number: the case sent, the offer
    taken ([Ya, teruskan]), the intake skipped, up to the acknowledgement."""
    mark = len(standin.sent)
    await standin.send_text(asn, case)
    [offer, *_] = await standin.wait_for_sent(
        lambda r: any(data.startswith("kasus:ya:") for data in r.callback_data),
        chat_id=asn.id,
        since=mark,
        timeout=timeout,
    )
    [forward] = [data for data in offer.callback_data if data.startswith("kasus:ya:")]
    mark = len(standin.sent)
    await standin.press_button(asn, offer, forward)
    await skip_intake(standin, asn, since=mark, timeout=timeout)


async def skip_intake(
    standin: BotApiStandIn, asn: FakeUser, *, since: int, timeout: float = 20.0
) -> int:
    """Press the skip button of each intake question sent after ``since``, up to the
    acknowledgement that ends the intake; the update id of the last press (outside office
    hours, its handling sends the after-hours notice after the acknowledgement)."""
    pressed = 0
    for _ in range(3):
        [question, *_] = await standin.wait_for_sent(
            lambda r: any(data.startswith("isian:") for data in r.callback_data),
            chat_id=asn.id,
            since=since,
            timeout=timeout,
        )
        since = len(standin.sent)
        [skip] = [data for data in question.callback_data if data.endswith(":lewati")]
        pressed = (await standin.press_button(asn, question, skip))["update_id"]
    await standin.wait_for_sent(
        lambda r: "Berikutnya" in (r.plain_text or ""), chat_id=asn.id, since=since, timeout=timeout
    )
    return int(pressed)

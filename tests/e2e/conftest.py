"""End-to-end fixtures: the Bot API stand-in, the real bot process and its database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import Ticket, TicketStatus, create_engine, create_session_factory
from tests.conftest import RunningRasa
from tests.e2e.bot_process import TOKEN, BotProcess
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


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'tanya_netral.db'}"


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

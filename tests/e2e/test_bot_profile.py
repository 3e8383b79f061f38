"""The menus and descriptions a phone user sees, set by the real bot at start (issue #22, 7).

Nothing here is stored in the database, so SQLite alone is used.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from telegram import BotCommand

from handlers.bot_profile import (
    ASN_MENU,
    CONSULTANT_MENU,
    SHORT_DESCRIPTION,
    STAFF_MENU,
    bot_description,
)
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import CONSULTANT_IDS, STAFF_CHAT_ID
from tests.telegram_standin import BotApiStandIn, FakeUser

pytestmark = [pytest.mark.e2e, pytest.mark.rasa]

WROTE_BEFORE = FakeUser(CONSULTANT_IDS[0], first_name="Andi")
NEVER_WROTE_ID = CONSULTANT_IDS[1]  # no private chat with the bot yet
PRIVATE_CHATS = {"type": "all_private_chats"}
STAFF_GROUP = {"type": "chat", "chat_id": STAFF_CHAT_ID}
MENU_CALLS = 2 + len(CONSULTANT_IDS)  # private chats, the staff group, each consultant
SLOW_DESCRIPTION_SECONDS = 4.0
"""Telegram answers setMyDescription this late (python-telegram-bot waits 5 s): a question
asked at start is answered before it."""


def stored(commands: tuple[BotCommand, ...]) -> list[dict[str, str]]:
    return [{"command": c.command, "description": c.description} for c in commands]


async def logged(bot: BotProcess, text: str, timeout: float = 5.0) -> str:
    """The first line of the bot's log holding ``text``, once it is written."""
    for _ in range(int(timeout / 0.1)):
        lines = [line for line in bot.log_tail(400).splitlines() if text in line]
        if lines:
            return lines[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no log line with {text!r}:\n{bot.log_tail()}")


async def test_each_chat_shows_its_commands_and_the_bot_describes_itself(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> None:
    standin.add_user(WROTE_BEFORE)
    bot = BotProcess(standin, tmp_path / "bot.log", **bot_env)
    await bot.start()
    try:
        await standin.wait_for_call("setMyCommands", count=MENU_CALLS, timeout=30)
        private = standin.my_commands(PRIVATE_CHATS)
        assert private == stored(ASN_MENU)
        assert {"start", "bantuan", "konsultan", "selesai", "nama", "hapus_data"} == {
            c["command"] for c in private
        }
        staff = standin.my_commands(STAFF_GROUP)
        assert staff == stored(STAFF_MENU)
        # The menu is STAFF_MENU (tests/test_bot_profile.py holds it to the registered
        # handlers); the daily core must be in it.
        assert {"antrian", "tiket", "ambil", "jawab", "tutup"} <= {c["command"] for c in staff}
        consultant = standin.my_commands({"type": "chat", "chat_id": WROTE_BEFORE.id})
        assert consultant == stored(CONSULTANT_MENU)
        assert standin.my_commands() == []  # groups other than the staff group: no menu

        [refused] = [
            c
            for c in standin.calls
            if c.method == "setMyCommands" and c.params["scope"].get("chat_id") == NEVER_WROTE_ID
        ]
        assert refused.status == 400 and refused.description == "Bad Request: chat not found"
        line = await logged(bot, f"Staff member {NEVER_WROTE_ID} has not written")
        assert " INFO " in line

        assert standin.state.descriptions == {
            ("description", ""): bot_description(365),
            ("short_description", ""): SHORT_DESCRIPTION,
        }
        log = bot.log_tail(400)
        assert "WARNING handlers.bot_profile" not in log and " ERROR " not in log
    finally:
        assert bot.stop() == 0, bot.log_tail()


async def test_a_refused_menu_and_a_slow_telegram_do_not_hold_the_start(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path
) -> None:
    standin.fail_next("setMyCommands", 1, error_code=400, description="Bad Request: uji tolak")
    standin.delay_next("setMyDescription", SLOW_DESCRIPTION_SECONDS)
    bot = BotProcess(standin, tmp_path / "bot.log", **bot_env)
    await bot.start(ready_method="deleteWebhook")  # the first request after post_init
    try:
        asn = FakeUser(6701)
        since = len(standin.sent)
        await standin.send_text(asn, "pns boleh like postingan capres?")
        [answer, *_] = await standin.wait_for_sent(chat_id=asn.id, since=since, timeout=20)
        assert "Dasar hukum" in (answer.plain_text or "")
        described = [c for c in standin.calls if c.method == "setMyDescription"]
        assert not described, "the bot waited for its description before answering"

        await standin.wait_for_call("setMyCommands", count=MENU_CALLS, timeout=30)
        assert standin.my_commands(PRIVATE_CHATS) == []  # refused; the next start sets it
        assert standin.my_commands(STAFF_GROUP) == stored(STAFF_MENU)
        assert ("description", "") in standin.state.descriptions  # slow, but set
        line = await logged(bot, "Telegram refused the bot's private chats' menu")
        assert " WARNING " in line and "Uji tolak" in line
        assert " ERROR " not in bot.log_tail(400)
        assert bot.running
    finally:
        assert bot.stop() == 0, bot.log_tail()

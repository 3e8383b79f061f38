"""The bot's menus and descriptions: declared once, matching the handlers, within Telegram's
limits, and set through a real python-telegram-bot against the Bot API stand-in."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable

import pytest
from telegram import BotCommand
from telegram.constants import BotCommandLimit, BotDescriptionLimit
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler, ExtBot
from telegram.request import HTTPXRequest

from bot.knowledge import load_knowledge_base
from bot.send_budget import SendBudgetLimiter
from bot.settings import PrivacySettings, Settings, StaffSettings
from bot.telegram_text import utf16_length
from handlers import build_all_handlers, coordinator_reports, staff_commands
from handlers.bot_profile import (
    ASN_MENU,
    CONSULTANT_MENU,
    COORDINATOR_MENU,
    KNOWLEDGE_MENU,
    LAWYER_MENU,
    REPORT_MENU,
    REVIEW_MENU,
    SHORT_DESCRIPTION,
    STAFF_MENU,
    UNLISTED_ALIASES,
    bot_description,
    publish_profile,
)
from tests.telegram_standin import BotApiStandIn, FakeUser

TOKEN = "123456:TEST-bot-profile"
STAFF_GROUP = -1001234500001
WROTE_BEFORE, NEVER_WROTE = FakeUser(7101, first_name="Andi"), FakeUser(7102)
SETTINGS = Settings(
    staff=StaffSettings(chat_id=STAFF_GROUP, consultant_ids=(WROTE_BEFORE.id, NEVER_WROTE.id))
)
MENUS = {
    "private chats": ASN_MENU,
    "staff": STAFF_MENU,
    "consultant": CONSULTANT_MENU,
    "coordinator": COORDINATOR_MENU,
    "lawyer": LAWYER_MENU + ASN_MENU,
    "reviewer": REVIEW_MENU + ASN_MENU,
}
PRIVATE_SCOPE = {"type": "all_private_chats"}
STAFF_SCOPE = {"type": "chat", "chat_id": STAFF_GROUP}


def names(commands: Iterable[BotCommand]) -> list[str]:
    return [command.command for command in commands]


def handled_commands(handlers: Iterable[BaseHandler]) -> set[str]:
    """Every command some handler answers (a conversation's steps included)."""
    found: set[str] = set()
    for handler in handlers:
        if isinstance(handler, CommandHandler):
            found |= handler.commands
        elif isinstance(handler, ConversationHandler):
            steps = [h for step in handler.states.values() for h in step]
            found |= handled_commands([*handler.entry_points, *steps, *handler.fallbacks])
    return found


def test_every_menu_command_is_handled_and_every_handled_command_is_in_a_menu() -> None:
    handled = handled_commands(h for group in build_all_handlers(SETTINGS).values() for h in group)
    offered = {command.command for menu in MENUS.values() for command in menu}
    assert offered - handled == set(), "in a menu, but no handler answers it"
    assert handled - offered - UNLISTED_ALIASES == set(), "answered, but in no menu"
    assert handled >= UNLISTED_ALIASES, "an alias nobody answers any more"
    # Staff commands are refused to everyone else by the one list in handlers/staff_commands.
    assert set(staff_commands.STAFF_COMMANDS) == set(names(STAFF_MENU))


def test_each_chat_gets_the_commands_it_may_use() -> None:
    assert "hapus_data" in names(ASN_MENU) and "jawab" not in names(ASN_MENU)
    assert "jawab" in names(STAFF_MENU) and "konsultan" not in names(STAFF_MENU)
    assert set(names(CONSULTANT_MENU)) == set(names(ASN_MENU)) | set(names(STAFF_MENU))
    assert set(names(COORDINATOR_MENU)) == set(names(CONSULTANT_MENU)) | set(
        names(REPORT_MENU + KNOWLEDGE_MENU)
    )
    assert set(names(REPORT_MENU)) == set(coordinator_reports.COORDINATOR_COMMANDS)


@pytest.mark.parametrize("menu", MENUS)
def test_menus_keep_telegrams_rules(menu: str) -> None:
    commands = MENUS[menu]
    assert len(commands) <= BotCommandLimit.MAX_COMMAND_NUMBER
    assert len(set(names(commands))) == len(commands), "a command listed twice"
    for command in commands:
        assert re.fullmatch(r"[a-z0-9_]{1,32}", command.command)
        assert 1 <= utf16_length(command.description) <= BotCommandLimit.MAX_DESCRIPTION


@pytest.mark.parametrize("retention_days", [PrivacySettings().retention_days, 99_999])
def test_descriptions_fit_telegrams_limits(retention_days: int) -> None:
    description = bot_description(retention_days)
    assert utf16_length(description) <= BotDescriptionLimit.MAX_DESCRIPTION_LENGTH
    assert f"{retention_days} hari" in description
    assert utf16_length(SHORT_DESCRIPTION) <= BotDescriptionLimit.MAX_SHORT_DESCRIPTION_LENGTH


def test_texts_name_only_commands_of_the_private_menu() -> None:
    """The description and the reply to an unknown command send the ASN to real commands."""
    private = set(names(ASN_MENU))
    assert set(re.findall(r"/(\w+)", bot_description(365))) <= private
    unknown = load_knowledge_base().message("unknown_command")
    assert set(re.findall(r"/(\w+)", unknown)) == private


# -- setting them, against the stand-in ----------------------------------------------------


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(TOKEN) as server:
        server.add_group(STAFF_GROUP, "LKBH Korpri — konsultan")
        server.add_user(WROTE_BEFORE)
        yield server


async def profile_bot(standin: BotApiStandIn, *, read_timeout: float = 5.0) -> ExtBot[None]:
    """A bot like the real one: every request under the one retry policy."""
    return ExtBot(
        TOKEN,
        base_url=standin.base_url,
        request=HTTPXRequest(read_timeout=read_timeout),
        rate_limiter=SendBudgetLimiter(0),
    )


def profile_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "handlers.bot_profile" and r.levelno >= logging.WARNING
    ]


def stored(commands: Iterable[BotCommand]) -> list[dict[str, str]]:
    return [{"command": c.command, "description": c.description} for c in commands]


async def test_every_chat_gets_its_menu_and_a_consultant_who_never_wrote_is_skipped(
    standin: BotApiStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="handlers.bot_profile")
    async with await profile_bot(standin) as bot:
        await publish_profile(bot, SETTINGS)
    assert standin.my_commands(PRIVATE_SCOPE) == stored(ASN_MENU)
    assert standin.my_commands(STAFF_SCOPE) == stored(STAFF_MENU)
    consultant = {"type": "chat", "chat_id": WROTE_BEFORE.id}
    assert standin.my_commands(consultant) == stored(CONSULTANT_MENU)
    assert standin.my_commands() == []  # other groups: no menu
    assert standin.state.descriptions == {
        ("description", ""): bot_description(365),
        ("short_description", ""): SHORT_DESCRIPTION,
    }
    [skipped] = [r for r in caplog.records if str(NEVER_WROTE.id) in r.getMessage()]
    assert skipped.levelno == logging.INFO and "not written" in skipped.getMessage()
    assert profile_warnings(caplog) == []


async def test_a_lawyer_gets_the_review_command_above_the_menu_they_have_anyway(
    standin: BotApiStandIn,
) -> None:
    lawyer, coordinator = FakeUser(7103, first_name="Dewi"), FakeUser(7104, first_name="Sari")
    standin.add_user(lawyer)
    standin.add_user(coordinator)
    staff = StaffSettings(coordinator_ids=(coordinator.id,), lawyer_ids=(lawyer.id, coordinator.id))
    async with await profile_bot(standin) as bot:
        await publish_profile(bot, Settings(staff=staff))
    assert standin.my_commands({"type": "chat", "chat_id": lawyer.id}) == stored(
        LAWYER_MENU + ASN_MENU
    )
    assert standin.my_commands({"type": "chat", "chat_id": coordinator.id}) == stored(
        LAWYER_MENU + COORDINATOR_MENU
    )


async def test_a_refusal_is_logged_and_the_rest_is_still_set(
    standin: BotApiStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    standin.fail_next("setMyCommands", 1, error_code=400, description="Bad Request: uji tolak")
    standin.fail_next("setMyShortDescription", 1, error_code=403)
    async with await profile_bot(standin) as bot:
        await publish_profile(bot, SETTINGS)
    assert standin.my_commands(PRIVATE_SCOPE) == []
    assert standin.my_commands(STAFF_SCOPE) == stored(STAFF_MENU)
    assert ("short_description", "") not in standin.state.descriptions
    warnings = profile_warnings(caplog)
    assert any("private chats' menu" in w and "Uji tolak" in w for w in warnings)
    assert any("short description" in w for w in warnings)


async def test_a_flaky_telegram_is_retried_and_an_unreachable_one_ends_quietly(
    standin: BotApiStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    standin.fail_next("setMyDescription", 1, error_code=502)  # retried by the one policy
    async with await profile_bot(standin) as bot:
        await publish_profile(bot, SETTINGS)
    assert ("description", "") in standin.state.descriptions

    standin.reset()
    standin.delay_next("setMyShortDescription", 2.0)  # longer than the bot waits: timed out
    async with await profile_bot(standin, read_timeout=0.5) as bot:
        await publish_profile(bot, SETTINGS)  # does not raise
    assert not [c for c in standin.calls if c.method == "setMyCommands"]
    [warning] = profile_warnings(caplog)
    assert "Timed out" in warning and "next start" in warning


async def test_the_standin_refuses_a_chat_scope_of_an_unknown_chat(
    standin: BotApiStandIn,
) -> None:
    from telegram import BotCommandScopeChat
    from telegram.error import BadRequest

    async with await profile_bot(standin) as bot:
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.set_my_commands(ASN_MENU, BotCommandScopeChat(NEVER_WROTE.id))
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.get_my_commands(BotCommandScopeChat(-1009999999999))
        with pytest.raises(BadRequest, match="too long"):
            await bot.set_my_short_description("x" * 121)
        with pytest.raises(BadRequest, match="too long"):
            await bot.set_my_description("😀" * 257)  # 514 UTF-16 units
        assert await bot.set_my_description("d" * 512)
        assert (await bot.get_my_description("id")).description == "d" * 512  # the default
        assert await bot.set_my_description("")
        assert (await bot.get_my_description()).description == ""

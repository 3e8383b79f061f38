"""The bot's Rasa child sees only what it needs: no bot secrets, its token off the command line."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.nlu.client import NluClient
from bot.nlu.rasa_server import RasaProcess
from bot.nlu.result import NluUnavailable
from bot.nlu.training import rasa_environment, train_model

# What the bot's own environment holds and a Rasa process has no use for.
BOT_SECRETS = {
    "TELEGRAM_BOT_TOKEN": "123456:bot-token-for-isolation-test",
    "DATABASE_URL": "postgresql+asyncpg://bot:db-password-for-isolation-test@db/bot",
    "WEBHOOK_SECRET": "webhook-secret-for-isolation-test",
    "RASA_AUTH_TOKEN": "external-rasa-token-for-isolation-test",
}


class VerboseRasa(RasaProcess):
    """The bot's Rasa with every log at DEBUG, as an operator debugging it might run it."""

    def command(self) -> list[str]:
        return [*super().command(), "--debug"]

    def environment(self) -> dict[str, str]:
        return {**super().environment(), "LOG_LEVEL_LIBRARIES": "DEBUG"}


@pytest.fixture(scope="module")
def rasa() -> Iterator[RasaProcess]:
    """A Rasa started by a bot whose environment holds its secrets (and a LOG_LEVEL)."""
    model = train_model().model_path
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**BOT_SECRETS, "LOG_LEVEL": "DEBUG"}.items():
            patch.setenv(name, value)
        server = VerboseRasa(model)
        server.start()
    try:
        asyncio.run(server.wait_ready(timeout=240))
        yield server
    finally:
        server.stop()


def process_tree(root: int) -> list[int]:
    """``root`` and every process descended from it."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    tree = [root]
    for pid in tree:
        tree.extend(child for child, parent in parents.items() if parent == pid)
    return tree


def variables(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode()
    return dict(item.split("=", 1) for item in raw.split("\0") if item)


@pytest.mark.rasa
def test_environment_holds_no_bot_secret_and_the_token_only_there(rasa: RasaProcess) -> None:
    assert rasa.pid is not None
    for pid in process_tree(rasa.pid):
        environment = variables(pid)
        assert not set(BOT_SECRETS.values()) & set(environment.values())
        assert {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "WEBHOOK_SECRET"}.isdisjoint(environment)
        assert "LOG_LEVEL" not in environment
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
        assert rasa.auth_token not in cmdline
        assert not [secret for secret in BOT_SECRETS.values() if secret in cmdline]
    assert variables(rasa.pid)["RASA_AUTH_TOKEN"] == rasa.auth_token


@pytest.mark.rasa
def test_environment_is_readable_by_its_own_user_only(rasa: RasaProcess) -> None:
    status = os.stat(f"/proc/{rasa.pid}/environ")
    assert stat.S_IMODE(status.st_mode) == 0o400
    assert status.st_uid == os.getuid()


@pytest.mark.rasa
async def test_parse_needs_the_token(rasa: RasaProcess) -> None:
    async with NluClient(rasa.url, auth_token=rasa.auth_token) as client:
        assert (await client.parse("assalamualaikum min")).intent == "salam"
    async with NluClient(rasa.url) as client:
        with pytest.raises(NluUnavailable):
            await client.parse("assalamualaikum min")


@pytest.mark.rasa
async def test_log_holds_neither_token_nor_secrets_even_at_debug(rasa: RasaProcess) -> None:
    async with NluClient(rasa.url, auth_token=rasa.auth_token) as client:
        await client.parse("bolehkah pns like postingan capres?")
    log = rasa.log_path.read_text(errors="replace")
    assert "DEBUG" in log  # the server really logged at DEBUG
    assert rasa.auth_token not in log
    assert not [secret for secret in BOT_SECRETS.values() if secret in log]


def test_rasa_environment_is_built_from_an_allow_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """Training's environment too: nothing the bot holds but path, home, locale and time."""
    for name in list(os.environ):
        monkeypatch.delenv(name)
    kept = {"PATH": "/usr/bin", "HOME": "/home/bot", "LC_ALL": "C.UTF-8", "TMPDIR": "/tmp/x"}
    for name, value in {**BOT_SECRETS, **kept, "SOME_SERVICE_PASSWORD": "x"}.items():
        monkeypatch.setenv(name, value)
    environment = rasa_environment()
    assert {name: environment[name] for name in kept} == kept
    assert set(environment) - set(kept) == {
        "RASA_TELEMETRY_ENABLED",
        "TF_CPP_MIN_LOG_LEVEL",
        "SQLALCHEMY_SILENCE_UBER_WARNING",
        "PYTHONPATH",
        "PYTHONWARNINGS",
    }

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import DEFAULT_CONFIG_PATH, load_settings


def test_shipped_config_loads_with_documented_defaults() -> None:
    settings = load_settings(DEFAULT_CONFIG_PATH, environ={})
    assert settings.telegram.mode == "polling"
    assert settings.telegram.api_base_url == "https://api.telegram.org/bot"
    assert settings.telegram.token is None
    assert settings.rasa.url is None
    assert settings.database_url is None


def test_environment_overrides_file() -> None:
    settings = load_settings(
        DEFAULT_CONFIG_PATH,
        environ={
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "BOT_MODE": "webhook",
            "WEBHOOK_PORT": "9000",
            "RASA_URL": "http://rasa:5005",
            "STAFF_CHAT_ID": "-1001234",
            "CONSULTANT_IDS": "11, 22,33",
            "DATABASE_URL": "postgresql+asyncpg://u@h/db",
        },
    )
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == "123:abc"
    assert settings.telegram.mode == "webhook"
    assert settings.telegram.webhook_port == 9000
    assert settings.rasa.url == "http://rasa:5005"
    assert settings.staff.chat_id == -1001234
    assert settings.staff.consultant_ids == (11, 22, 33)
    assert settings.database_url == "postgresql+asyncpg://u@h/db"


def test_secret_can_come_from_a_file_and_is_never_shown(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("999:secret-token\n")
    settings = load_settings(DEFAULT_CONFIG_PATH, environ={"TELEGRAM_BOT_TOKEN_FILE": str(secret)})
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == "999:secret-token"
    assert "secret-token" not in repr(settings)
    assert "secret-token" not in str(settings.model_dump())


def test_invalid_mode_is_rejected() -> None:
    with pytest.raises(ValidationError):
        load_settings(DEFAULT_CONFIG_PATH, environ={"BOT_MODE": "carrier-pigeon"})


def test_unknown_keys_in_config_are_rejected(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("rasa:\n  urll: http://typo\n")
    with pytest.raises(ValidationError):
        load_settings(config, environ={})

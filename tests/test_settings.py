"""Settings: the sources and their precedence, the deployment variables, config.yml as docs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError
from pydantic_settings import SettingsError

from bot.nlu.training import model_path_for
from bot.settings import (
    DEFAULT_CONFIG_PATH,
    REPO_ROOT,
    Settings,
    environment_variables,
    load_settings,
    setting_fields,
)

DEPLOYMENT_VARIABLES = {
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "BOT_MODE",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "DATABASE_URL",
    "RASA_URL",
    "RASA_AUTH_TOKEN",
    "RASA_PORT",
    "TELEGRAM_MAX_SENDS_PER_SECOND",
    "STAFF_CHAT_ID",
    "CONSULTANT_IDS",
    "COORDINATOR_IDS",
    "LAWYER_IDS",
    "REVIEWER_IDS",
    "LOG_LEVEL",
    "TANYA_NETRAL_MODELS",
    "RASA_VENV",
}
SECRETS = {("telegram", "token"), ("telegram", "webhook_secret"), ("rasa", "auth_token")}
GOOD_SECRET = "Xq7_v2-LmN8pR4sT6uW0yZ1aB3cD5eF9"  # 32 characters, as random as they look
DOCUMENTED_KEY = re.compile(r"^(?P<indent> *)# (?P<key>[a-z_]+):(?P<value>.*)$")


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yml"
    path.write_text(text, encoding="utf-8")
    return path


def value_at(settings: Settings, path: tuple[str, ...]) -> Any:
    value: Any = settings
    for key in path:
        value = getattr(value, key)
    return value


def documented_config() -> str:
    """config.yml with its ``# key: value`` lines uncommented: the defaults as it tells them."""
    lines = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8").splitlines()
    return "\n".join(
        f"{match['indent']}{match['key']}:{match['value']}"
        if (match := DOCUMENTED_KEY.match(line))
        else line
        for line in lines
    )


# --- config.yml: documentation of the code's defaults, not a second copy of them ---


def test_shipped_config_sets_no_value() -> None:
    data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    assert {key: value for key, value in data.items() if value is not None} == {}
    assert load_settings(DEFAULT_CONFIG_PATH, environ={}) == Settings()


def test_config_documents_every_setting_with_the_codes_default(tmp_path: Path) -> None:
    documented = yaml.safe_load(documented_config())
    leaves: set[tuple[str, ...]] = set()
    for key, value in documented.items():
        leaves |= {(key, inner) for inner in value} if isinstance(value, dict) else {(key,)}
    fields = {path for path, _ in setting_fields()}
    assert leaves == fields - SECRETS, "config.yml must show every key but the secrets"
    from_documentation = load_settings(write_config(tmp_path, documented_config()), environ={})
    defaults = Settings()
    differing = {
        ".".join(path): (value_at(from_documentation, path), value_at(defaults, path))
        for path in fields
        if value_at(from_documentation, path) != value_at(defaults, path)
    }
    assert differing == {}, "config.yml shows these values, the code has these defaults"


def test_config_names_every_variable_and_only_those() -> None:
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    assert set(re.findall(r"\[([A-Z][A-Z0-9_]+)\]", text)) == set(environment_variables())


def test_every_setting_has_a_description() -> None:
    undescribed = [".".join(path) for path, field in setting_fields() if not field.description]
    assert undescribed == []


# --- the deployment interface: variable names and precedence ---


def test_environment_variable_names_are_the_deployment_interface() -> None:
    variables = environment_variables()
    assert set(variables) == DEPLOYMENT_VARIABLES
    assert variables["TELEGRAM_BOT_TOKEN"] == ("telegram", "token")
    assert variables["DATABASE_URL"] == ("database_url",)
    assert variables["RASA_VENV"] == ("rasa", "venv")


def test_environment_overrides_file() -> None:
    settings = load_settings(
        DEFAULT_CONFIG_PATH,
        environ={
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "BOT_MODE": "webhook",
            "WEBHOOK_PORT": "9000",
            "WEBHOOK_URL": "https://bot.example/telegram",
            "WEBHOOK_SECRET": GOOD_SECRET,
            "RASA_URL": "http://rasa:5005",
            "STAFF_CHAT_ID": "-1001234",
            "CONSULTANT_IDS": "11, 22;33",
            "COORDINATOR_IDS": "44,22",
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
    assert settings.staff.coordinator_ids == (44, 22)
    assert settings.staff.team_ids == frozenset({11, 22, 33, 44})
    assert settings.database_url == "postgresql+asyncpg://u@h/db"


def test_precedence_default_file_variable_then_variable_file(tmp_path: Path) -> None:
    config = write_config(tmp_path, "rasa:\n  port: 5001\n  timeout_seconds: 9\n")
    value_file = tmp_path / "port"
    value_file.write_text(" 5003\n", encoding="utf-8")
    assert load_settings(environ={}).rasa.port == 0
    from_file = load_settings(config, environ={})
    assert (from_file.rasa.port, from_file.rasa.timeout_seconds) == (5001, 9.0)
    assert from_file.rasa.parses_in_flight == 4  # keys not in the file keep the default
    assert load_settings(config, environ={"RASA_PORT": "5002"}).rasa.port == 5002
    both = {"RASA_PORT": "5002", "RASA_PORT_FILE": str(value_file)}
    assert load_settings(config, environ=both).rasa.port == 5003


def test_empty_variable_is_unset(tmp_path: Path) -> None:
    config = write_config(tmp_path, "rasa:\n  port: 5001\nlog_level: WARNING\n")
    empty_file = tmp_path / "empty"
    empty_file.write_text("\n", encoding="utf-8")
    settings = load_settings(
        config, environ={"RASA_PORT": "", "LOG_LEVEL": "  ", "RASA_URL": "", "STAFF_CHAT_ID": ""}
    )
    assert (settings.rasa.port, settings.log_level) == (5001, "WARNING")
    assert settings.rasa.url is None and settings.staff.chat_id is None
    # An empty <NAME>_FILE is unset too, and so is the content of an empty file.
    assert load_settings(config, environ={"RASA_PORT": "5002", "RASA_PORT_FILE": ""}).rasa.port == (
        5002
    )
    assert load_settings(config, environ={"RASA_PORT_FILE": str(empty_file)}).rasa.port == 5001


def test_secret_can_come_from_a_file_and_is_never_shown(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("999:secret-token\n")
    settings = load_settings(DEFAULT_CONFIG_PATH, environ={"TELEGRAM_BOT_TOKEN_FILE": str(secret)})
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == "999:secret-token"
    assert "secret-token" not in repr(settings)
    assert "secret-token" not in str(settings.model_dump())


def test_missing_variable_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_settings(None, environ={"WEBHOOK_SECRET_FILE": str(tmp_path / "absent")})


def test_given_environ_replaces_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_MODE", "webhook")
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example/telegram")
    monkeypatch.setenv("WEBHOOK_SECRET", GOOD_SECRET)
    monkeypatch.delenv("TANYA_NETRAL_CONFIG", raising=False)
    assert load_settings(environ={}).telegram.mode == "polling"
    assert load_settings().telegram.mode == "webhook"
    # Built directly, Settings holds the code's defaults and its arguments only (tests).
    assert Settings().telegram.mode == "polling"


def test_config_file_is_chosen_by_argument_then_variable(tmp_path: Path) -> None:
    named = write_config(tmp_path, "log_level: ERROR\n")
    other = tmp_path / "other.yml"
    other.write_text("log_level: WARNING\n", encoding="utf-8")
    environ = {"TANYA_NETRAL_CONFIG": str(named)}
    assert load_settings(environ=environ).log_level == "ERROR"
    assert load_settings(other, environ=environ).log_level == "WARNING"
    with pytest.raises(FileNotFoundError, match=r"absent\.yml"):
        load_settings(environ={"TANYA_NETRAL_CONFIG": str(tmp_path / "absent.yml")})


# --- what the file may not hold ---


@pytest.mark.parametrize(
    ("text", "key"),
    [("rasa:\n  urll: http://typo\n", "rasa.urll"), ("databse_url: sqlite://\n", "databse_url")],
)
def test_unknown_keys_in_config_are_rejected_by_name(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(key)):
        load_settings(write_config(tmp_path, text), environ={})


def test_secrets_in_config_are_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path, "telegram:\n  token: '123:abc'\n")
    with pytest.raises(SettingsError, match=r"telegram\.token.*TELEGRAM_BOT_TOKEN"):
        load_settings(config, environ={})


def test_invalid_values_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        load_settings(DEFAULT_CONFIG_PATH, environ={"BOT_MODE": "carrier-pigeon"})
    with pytest.raises(ValidationError, match="telegram"):
        load_settings(write_config(tmp_path, "telegram: polling\n"), environ={})
    with pytest.raises(SettingsError, match="mapping"):
        load_settings(write_config(tmp_path, "- polling\n"), environ={})


# --- the webhook secret: long enough, and never shown ---


def _webhook(secret: str | None, **more: str) -> dict[str, str]:
    environ = {"BOT_MODE": "webhook", "WEBHOOK_URL": "https://bot.example/telegram", **more}
    return environ if secret is None else {**environ, "WEBHOOK_SECRET": secret}


@pytest.mark.parametrize(
    "secret",
    [
        None,
        "s3cret-webhook-token",  # 20 characters: a phrase someone typed
        GOOD_SECRET[:31],
        GOOD_SECRET[:31] + "!",  # Telegram refuses anything but A-Z a-z 0-9 _ -
        "a" * 257,
    ],
)
def test_webhook_mode_refuses_a_guessable_secret_and_says_how_to_make_one(
    secret: str | None,
) -> None:
    token = "123456:token-that-must-not-show"
    with pytest.raises(ValidationError) as refused:
        load_settings(DEFAULT_CONFIG_PATH, environ=_webhook(secret, TELEGRAM_BOT_TOKEN=token))
    message = str(refused.value)
    assert "WEBHOOK_SECRET" in message
    assert "secrets.token_urlsafe(32)" in message
    assert token not in message  # the input is never echoed: it holds the secrets
    assert secret is None or secret not in message


def test_webhook_mode_accepts_a_long_random_secret_and_polling_needs_none() -> None:
    for secret in (GOOD_SECRET, "A" * 256):
        settings = load_settings(DEFAULT_CONFIG_PATH, environ=_webhook(secret))
        assert settings.telegram.webhook_secret is not None
        assert settings.telegram.webhook_secret.get_secret_value() == secret
    assert load_settings(DEFAULT_CONFIG_PATH, environ={"WEBHOOK_SECRET": "short"}).telegram
    with pytest.raises(ValidationError, match="WEBHOOK_URL"):
        load_settings(DEFAULT_CONFIG_PATH, environ={"BOT_MODE": "webhook"})


def test_settings_are_frozen() -> None:
    settings = load_settings(DEFAULT_CONFIG_PATH, environ={})
    with pytest.raises(ValidationError):
        settings.log_level = "DEBUG"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        settings.rasa.port = 1  # type: ignore[misc]


# --- the NLU paths ---


def test_nlu_paths_are_relative_to_the_checkout(tmp_path: Path) -> None:
    defaults = load_settings(environ={}).rasa
    assert (defaults.models_dir, defaults.venv) == (REPO_ROOT / "models", REPO_ROOT / ".venv-rasa")
    rasa = load_settings(
        environ={"TANYA_NETRAL_MODELS": str(tmp_path), "RASA_VENV": "elsewhere/rasa-env"}
    ).rasa
    assert rasa.venv == REPO_ROOT / "elsewhere" / "rasa-env"
    assert model_path_for("0123", rasa) == tmp_path / "nlu-0123.tar.gz"

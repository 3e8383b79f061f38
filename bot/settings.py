"""Application settings: one typed object built from ``config.yml`` and environment variables.

Nothing here runs at import time; ``load_settings()`` is called from the CLI entry points.
Environment variables override the file and are the stable deployment interface.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = REPO_ROOT / "config.yml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramSettings(_Section):
    token: SecretStr | None = None
    api_base_url: str = "https://api.telegram.org/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    max_sends_per_second: int = Field(default=30, ge=0)


class RasaSettings(_Section):
    url: str | None = None
    """One Rasa URL, or several replicas comma-separated; unset: a local Rasa server."""
    auth_token: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)
    """Port of the local Rasa server; 0 picks a free one (several bots on one machine)."""
    timeout_seconds: float = 5.0
    connect_timeout_seconds: float = 2.0
    startup_timeout_seconds: float = 180.0
    parses_in_flight: int = Field(default=4, ge=1)
    queue_timeout_seconds: float = Field(default=30.0, gt=0)
    breaker_failures: int = Field(default=3, ge=1)
    breaker_pause_seconds: float = Field(default=15.0, gt=0)
    parse_cache_size: int = Field(default=10_000, ge=0)

    @field_validator("url")
    @classmethod
    def _url_names_a_server(cls, value: str | None) -> str | None:
        """Blank is unset; commas and blanks alone are a mistake (``NluClient`` splits the rest)."""
        if value is None or not value.strip():
            return None
        if not value.replace(",", "").strip():
            raise ValueError(f"no Rasa URL in {value!r}")
        return value


class PolicySettings(_Section):
    """Thresholds of ``bot.nlu.policy.decide``; documented in config.yml ``policy:``."""

    agreed_confidence: float = 0.3
    answer_confidence: float = 0.5
    escalate_confidence: float = 0.4
    fallback_confidence: float = 0.3
    case_neighbour_score: float = 0.1
    min_margin: float = 0.05
    min_similarity: float = 0.2
    min_coverage: float = 0.5
    clarify_candidates: int = 3
    clarify_min_score: float = 0.05


class StaffSettings(_Section):
    chat_id: int | None = None
    consultant_ids: tuple[int, ...] = ()

    @field_validator("consultant_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        return value


class PrivacySettings(_Section):
    retention_days: int = 365
    retention_check_hours: float = 24.0


class QueueSettings(_Section):
    remind_unclaimed_minutes: int = 30
    remind_unanswered_minutes: int = 120
    remind_every_minutes: int = 60
    auto_close_days: int = 7
    office_hours_start: str = "08:00"
    office_hours_end: str = "16:00"
    office_days: tuple[int, ...] = (1, 2, 3, 4, 5)
    timezone: str = "Asia/Jakarta"
    card_history_messages: int = 5


class AbuseSettings(_Section):
    messages_per_minute: int = 20


class Settings(_Section):
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    rasa: RasaSettings = Field(default_factory=RasaSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    staff: StaffSettings = Field(default_factory=StaffSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    abuse: AbuseSettings = Field(default_factory=AbuseSettings)
    database_url: str | None = None
    log_level: str = "INFO"


ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "TELEGRAM_BOT_TOKEN": ("telegram", "token"),
    "TELEGRAM_API_BASE_URL": ("telegram", "api_base_url"),
    "BOT_MODE": ("telegram", "mode"),
    "WEBHOOK_LISTEN": ("telegram", "webhook_listen"),
    "WEBHOOK_PORT": ("telegram", "webhook_port"),
    "WEBHOOK_URL": ("telegram", "webhook_url"),
    "WEBHOOK_SECRET": ("telegram", "webhook_secret"),
    "DATABASE_URL": ("database_url",),
    "RASA_URL": ("rasa", "url"),
    "RASA_AUTH_TOKEN": ("rasa", "auth_token"),
    "RASA_PORT": ("rasa", "port"),
    "RASA_PARSE_CACHE_SIZE": ("rasa", "parse_cache_size"),
    "TELEGRAM_MAX_SENDS_PER_SECOND": ("telegram", "max_sends_per_second"),
    "STAFF_CHAT_ID": ("staff", "chat_id"),
    "CONSULTANT_IDS": ("staff", "consultant_ids"),
    "LOG_LEVEL": ("log_level",),
}
"""Environment variable → settings path. ``<NAME>_FILE`` reads a secret from a file instead."""


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the YAML file, then apply environment overrides."""
    environ = os.environ if environ is None else environ
    config_path = Path(environ.get("TANYA_NETRAL_CONFIG", path or DEFAULT_CONFIG_PATH))
    data: dict[str, Any] = {}
    if config_path.exists():
        data = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    for name, keys in ENV_OVERRIDES.items():
        value = _env_value(environ, name)
        if value is None:
            continue
        target = data
        for key in keys[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        target[keys[-1]] = value
    return Settings.model_validate(data)


def _env_value(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    if value is None and environ.get(f"{name}_FILE"):
        value = Path(environ[f"{name}_FILE"]).read_text(encoding="utf-8").strip()
    if value is None or value.strip() == "":
        return None
    return value.strip()

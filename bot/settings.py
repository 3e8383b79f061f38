"""Application settings: one typed object built from ``config.yml`` and environment variables.

The defaults live here, in the fields; ``config.yml`` explains every key but sets none. From
lowest to highest precedence: the default, the config file (``config.yml``, or the file named by
``TANYA_NETRAL_CONFIG``), the field's environment variable, then ``<NAME>_FILE`` (the value read
from that file). An empty variable is unset. Secrets come only from the environment.

Nothing here runs at import time; ``load_settings()`` is called from the command entry points.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    YamlConfigSettingsSource,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = REPO_ROOT / "config.yml"
CONFIG_PATH_VARIABLE = "TANYA_NETRAL_CONFIG"


@dataclass(frozen=True, slots=True)
class Env:
    """Field marker: the environment variable (and ``<name>_FILE``) that sets this field."""

    name: str


def _in_checkout(path: Path) -> Path:
    """Resolve a relative path against the checkout, whatever the working directory."""
    return REPO_ROOT / path.expanduser()


CheckoutPath = Annotated[Path, AfterValidator(_in_checkout), Field(validate_default=True)]
FieldPath = tuple[str, ...]
"""Where a field sits: ``("rasa", "url")``."""

WEBHOOK_SECRET_LENGTHS = range(32, 257)
"""Telegram takes 1-256 characters. The bot asks for at least 32: every update the webhook
accepts is believed, so whoever guesses the secret can write as any user or consultant (claim
tickets, read questions); 32 characters refuses the typed phrases, and a random secret
(``secrets.token_urlsafe(32)``: 43 characters, or ``openssl rand -hex 32``) is out of reach."""
WEBHOOK_SECRET_ALPHABET = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
)
GENERATE_WEBHOOK_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
HolidayKind = Literal["public", "cuti_bersama"]
"""Days off of the Indonesian calendar (``bot.queue.office_hours``)."""


class _Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, hide_input_in_errors=True
    )


class TelegramSettings(_Section):
    token: Annotated[SecretStr | None, Env("TELEGRAM_BOT_TOKEN")] = None
    """Bot token from @BotFather; required by ``python -m bot run``."""
    api_base_url: Annotated[str, Env("TELEGRAM_API_BASE_URL")] = "https://api.telegram.org/bot"
    """Bot API base URL (python-telegram-bot's ``base_url``)."""
    mode: Annotated[Literal["polling", "webhook"], Env("BOT_MODE")] = "polling"
    """How updates arrive."""
    webhook_listen: Annotated[str, Env("WEBHOOK_LISTEN")] = "127.0.0.1"
    """Address the webhook server listens on."""
    webhook_port: Annotated[int, Env("WEBHOOK_PORT")] = 8443
    """Port of the webhook server."""
    webhook_url: Annotated[str | None, Env("WEBHOOK_URL")] = None
    """Public HTTPS URL Telegram posts updates to (webhook mode)."""
    webhook_secret: Annotated[SecretStr | None, Env("WEBHOOK_SECRET")] = None
    """Secret token of every webhook request; required in webhook mode (32-256 characters)."""
    max_sends_per_second: Annotated[int, Env("TELEGRAM_MAX_SENDS_PER_SECOND"), Field(ge=0)] = 30
    """Messages the bot sends per second overall; 0 turns the limiter off."""

    @model_validator(mode="after")
    def _webhook_needs_url_and_unguessable_secret(self) -> TelegramSettings:
        """Webhook mode needs its URL and a secret nobody can guess (never shown in the error)."""
        if self.mode != "webhook":
            return self
        if not self.webhook_url or self.webhook_secret is None:
            raise ValueError(
                "webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET; "
                f"generate a secret with: {GENERATE_WEBHOOK_SECRET}"
            )
        secret = self.webhook_secret.get_secret_value()
        if len(secret) not in WEBHOOK_SECRET_LENGTHS or not set(secret) <= WEBHOOK_SECRET_ALPHABET:
            raise ValueError(
                "WEBHOOK_SECRET must be 32 to 256 characters of A-Z a-z 0-9 _ - "
                f"(a short one can be guessed); generate one with: {GENERATE_WEBHOOK_SECRET}"
            )
        return self


class RasaSettings(_Section):
    url: Annotated[str | None, Env("RASA_URL")] = None
    """One Rasa URL, or several replicas comma-separated; unset: a local Rasa server."""
    auth_token: Annotated[SecretStr | None, Env("RASA_AUTH_TOKEN")] = None
    """Rasa's ``--auth-token``; unset with a local server: a random one."""
    host: str = "127.0.0.1"
    """Address of the local Rasa server."""
    port: Annotated[int, Env("RASA_PORT"), Field(ge=0, le=65535)] = 0
    """Port of the local Rasa server; 0 picks a free one (several bots on one machine)."""
    models_dir: Annotated[CheckoutPath, Env("TANYA_NETRAL_MODELS")] = Path("models")
    """Where ``python -m bot train`` keeps NLU models; relative to the checkout."""
    venv: Annotated[CheckoutPath, Env("RASA_VENV")] = Path(".venv-rasa")
    """Python environment with Rasa installed; relative to the checkout."""
    timeout_seconds: float = 5.0
    """Wait for one parse answer before the NLU counts as unavailable."""
    connect_timeout_seconds: float = 2.0
    """Wait for a TCP connection to Rasa."""
    startup_timeout_seconds: float = 180.0
    """Wait for a local Rasa server to load its model."""
    parses_in_flight: Annotated[int, Field(ge=1)] = 4
    """Parses sent to Rasa at once, per replica."""
    queue_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    """Wait for a turn to parse before the NLU counts as unavailable."""
    breaker_failures: Annotated[int, Field(ge=1)] = 3
    """Failed parses in a row that pause a replica."""
    breaker_pause_seconds: Annotated[float, Field(gt=0)] = 15.0
    """How long a failing replica is paused."""

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
    """Thresholds of ``bot.nlu.policy.decide``; explained in config.yml ``policy:``."""

    agreed_confidence: float = 0.3
    """Classifier confidence enough when it agrees with the nearest examples."""
    answer_confidence: float = 0.5
    """When they disagree: confidence to answer a topic."""
    escalate_confidence: float = 0.4
    """When they disagree: confidence to hand a case to the consultants."""
    fallback_confidence: float = 0.3
    """When they disagree: confidence to say the message is out of scope."""
    case_neighbour_score: float = 0.1
    """konsultasi_kasus score that escalates when the nearest examples are cases."""
    min_margin: float = 0.05
    """Lead over the runner-up an answered topic needs; otherwise clarify."""
    min_similarity: float = 0.2
    """Out-of-scope gate: cosine similarity to the nearest training example."""
    min_coverage: float = 0.5
    """Out-of-scope gate: share of known words."""
    clarify_candidates: int = 3
    """Topics a clarify message offers."""
    clarify_min_score: float = 0.05
    """Least classifier score of an offered topic."""


class StaffSettings(_Section):
    chat_id: Annotated[int | None, Env("STAFF_CHAT_ID")] = None
    """The consultants' Telegram group; unset: consultants work in private chat."""
    consultant_ids: Annotated[tuple[int, ...], Env("CONSULTANT_IDS")] = ()
    """Telegram user ids allowed to use the staff commands."""
    coordinator_ids: Annotated[tuple[int, ...], Env("COORDINATOR_IDS")] = ()
    """LKBH coordinators: take over or release any ticket; they are consultants too."""
    reviewer_ids: Annotated[tuple[int, ...], Env("REVIEWER_IDS")] = ()
    """Who labels the questions the assistant misread (``/tinjau_nlu``), in private chat."""
    lawyer_ids: Annotated[tuple[int, ...], Env("LAWYER_IDS")] = ()
    """LKBH lawyers who approve the knowledge base's answers (``/tinjau_jawaban``), in private
    chat."""
    office: str = "LKBH Korpri"
    """The office this bot serves; reply templates are kept per office."""

    @field_validator(
        "consultant_ids", "coordinator_ids", "reviewer_ids", "lawyer_ids", mode="before"
    )
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        return value

    @property
    def team_ids(self) -> frozenset[int]:
        """Everyone who may use the staff commands: consultants and coordinators."""
        return frozenset(self.consultant_ids) | frozenset(self.coordinator_ids)


class PrivacySettings(_Section):
    retention_days: int = 365
    """Conversation messages older than this are deleted."""
    retention_check_hours: float = 24.0
    """How often the deletion runs."""


class QueueSettings(_Section):
    remind_unclaimed_minutes: int = 30
    """Remind the staff of a ticket unclaimed this long."""
    remind_unanswered_minutes: int = 120
    """Remind a claimed ticket's consultant, privately, when it has no reply this long."""
    remind_group_after_minutes: int = 60
    """Remind the staff group when the ticket is still without a reply this much longer."""
    remind_every_minutes: int = 60
    """Least time between two reminders of one ticket (all reminder times: office hours only)."""
    release_silent_owner_minutes: int = 240
    """Give a claimed ticket back to the queue when its owner did nothing on it this long
    (office time; 0: never)."""
    auto_close_days: int = 7
    """Close a ticket after this many days without a user reply."""
    office_hours_start: str = "08:00"
    """Start of the consultants' day, local time."""
    office_hours_end: str = "16:00"
    """End of the consultants' day, local time."""
    office_days: tuple[int, ...] = (1, 2, 3, 4, 5)
    """Office days: 1 = Monday ... 7 = Sunday."""
    timezone: str = "Asia/Jakarta"
    """Time zone of the office hours."""
    holidays: tuple[HolidayKind, ...] = ("public", "cuti_bersama")
    """Days off besides the weekend: Indonesia's public holidays, cuti bersama; () for none."""
    card_history_messages: int = 5
    """Recent messages a new ticket's card shows."""


class ReportsSettings(_Section):
    """The coordinators' reports (``bot.reports``) and their weekly digest."""

    include_texts: bool = False
    """Put the ASN's question texts in the exported workbook (never an erased one)."""
    digest_weekday: Annotated[int, Field(ge=1, le=7)] = 1
    """Day of the weekly digest: 1 = Monday ... 7 = Sunday."""
    digest_time: Annotated[str, Field(pattern=r"^([01]?\d|2[0-3])[:.][0-5]\d$")] = "07:00"
    """Time of day of the weekly digest, in its time zone ("07:00")."""
    timezone: str | None = None
    """Time zone of the reports' days and the digest; unset: queue.timezone."""


class KnowledgeSettings(_Section):
    """The knowledge base (``knowledge/``) and the lawyers' sign-off of its answers."""

    path: CheckoutPath = Path("knowledge")
    """Directory of the answers, regulations and messages; relative to the checkout."""
    show_draft_notice: bool = True
    """Add a line to an answer no lawyer has approved yet (or one sent back for a change)."""
    review_interval_days: Annotated[int, Field(ge=1)] = 365
    """A lawyer's approval is due for review this many days later."""


class AbuseSettings(_Section):
    messages_per_minute: int = 20
    """Per-user limit on messages."""


class DatabaseSettings(_Section):
    statement_timeout_seconds: Annotated[float, Field(gt=0)] = 15.0
    """PostgreSQL cancels a statement running longer; the database then counts as unavailable."""
    pool_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    """Wait for a free pooled connection before the database counts as unavailable."""


# The config file and environment of the ``load_settings()`` call under way: sources are built
# by a classmethod hook, which takes no arguments of its own.
_inputs: ContextVar[tuple[Path | None, Mapping[str, str]] | None] = ContextVar(
    "settings_inputs", default=None
)


class Settings(BaseSettings):
    """Every setting. ``load_settings()`` reads the file and environment; ``Settings(...)`` alone
    is the code's defaults plus its arguments (tests)."""

    model_config = SettingsConfigDict(
        extra="forbid",
        frozen=True,
        case_sensitive=True,
        use_attribute_docstrings=True,
        hide_input_in_errors=True,  # the input holds the secrets
    )

    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    rasa: RasaSettings = Field(default_factory=RasaSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    staff: StaffSettings = Field(default_factory=StaffSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    abuse: AbuseSettings = Field(default_factory=AbuseSettings)
    reports: ReportsSettings = Field(default_factory=ReportsSettings)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    database_url: Annotated[str | None, Env("DATABASE_URL")] = None
    """SQLAlchemy async URL; unset: the SQLite file data/tanya_netral.db."""
    log_level: Annotated[str, Env("LOG_LEVEL")] = "INFO"
    """DEBUG, INFO, WARNING or ERROR."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Highest first: arguments, environment, config file; see ``load_settings``."""
        inputs = _inputs.get()
        if inputs is None:
            return (init_settings,)
        config_path, environ = inputs
        return (
            init_settings,
            EnvironmentSource(settings_cls, environ),
            ConfigFileSource(settings_cls, config_path),
        )


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the config file and the environment (``os.environ`` by default).

    The file is ``path``, else the one named by ``TANYA_NETRAL_CONFIG``, else ``config.yml``
    if it exists; a file named but missing is an error.
    """
    environ = os.environ if environ is None else environ
    named = path or environ.get(CONFIG_PATH_VARIABLE, "").strip()
    if named and not Path(named).is_file():
        raise FileNotFoundError(f"settings file {named} does not exist")
    config_path = Path(named) if named else DEFAULT_CONFIG_PATH
    reset = _inputs.set((config_path if config_path.is_file() else None, environ))
    try:
        return Settings()
    finally:
        _inputs.reset(reset)


def environment_variables(model: type[BaseModel] = Settings) -> dict[str, FieldPath]:
    """Each environment variable the settings read → the path of its field."""
    return {marker.name: path for path, field in setting_fields(model) for marker in _env(field)}


def setting_fields(
    model: type[BaseModel] = Settings, prefix: FieldPath = ()
) -> Iterator[tuple[FieldPath, FieldInfo]]:
    """Every setting (a leaf field of ``model``) with its path."""
    for name, field in model.model_fields.items():
        section = field.annotation
        if isinstance(section, type) and issubclass(section, _Section):
            yield from setting_fields(section, (*prefix, name))
        else:
            yield (*prefix, name), field


def _env(field: FieldInfo) -> list[Env]:
    return [marker for marker in field.metadata if isinstance(marker, Env)]


class EnvironmentSource(PydanticBaseSettingsSource):
    """The variables named by the fields' ``Env`` markers, from a given mapping.

    ``<NAME>_FILE`` names a file holding the value (stripped) and wins over ``<NAME>``; an
    empty variable or file is unset.
    """

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.environ = environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every variable at once

    def __call__(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, path in environment_variables(self.settings_cls).items():
            value = self._value(name)
            if value is not None:
                target = data
                for key in path[:-1]:
                    target = target.setdefault(key, {})
                target[path[-1]] = value
        return data

    def _value(self, name: str) -> str | None:
        value = self.environ.get(name, "")
        if file := self.environ.get(f"{name}_FILE", "").strip():
            value = Path(file).read_text(encoding="utf-8")
        return value.strip() or None


class ConfigFileSource(YamlConfigSettingsSource):
    """The YAML config file. A section whose keys are all commented out is empty; a secret
    key is refused, so that a token never lands in a file that is copied and shared."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None) -> None:
        self.path = path
        super().__init__(settings_cls, yaml_file=path, yaml_file_encoding="utf-8")

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        data = super()._read_file(file_path)
        if not isinstance(data, dict):
            raise SettingsError(f"{file_path}: expected a mapping of settings")
        return data

    def __call__(self) -> dict[str, Any]:
        sections = {path[0] for path, _ in setting_fields(self.settings_cls) if len(path) > 1}
        data = {
            key: value
            for key, value in super().__call__().items()
            if value is not None or key not in sections
        }
        for path, field in setting_fields(self.settings_cls):
            secret = SecretStr in (field.annotation, *get_args(field.annotation))
            if secret and _contains(data, path):
                name = _env(field)[0].name
                raise SettingsError(
                    f"{self.path}: {'.'.join(path)} is a secret: set {name} or {name}_FILE instead"
                )
        return data


def _contains(data: Any, path: FieldPath) -> bool:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return False
        data = data[key]
    return True

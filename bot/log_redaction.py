"""Keep secrets out of the log: every record is cleaned before any handler writes it.

Bot API URLs carry the bot token, Rasa requests carry its token as ``?token=``, and error texts
of HTTP libraries quote the URL they failed on; a traceback repeats them. The transport keeps
URLs out of its errors (``bot.http_transport``); this filter is the second net: each registered
secret, and its URL-encoded forms, is replaced by ``MASK`` in the message (its arguments
merged into it), the traceback and the stack of every record that reaches the root logger's
handlers — every logger that propagates there: the bot's own, python-telegram-bot's, httpx's,
aiohttp's, asyncio's ("Task exception was never retrieved") and warnings captured by
``logging.captureWarnings``.

A secret is replaced wherever it appears, so a short one (a database password such as
``postgres``) also masks words that merely contain it.
"""

from __future__ import annotations

import logging
from urllib.parse import quote, quote_plus

from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.settings import Settings, setting_fields

MASK = "***"

_tracebacks = logging.Formatter()  # the standard traceback text, redacted before formatting


class SecretRedactor(logging.Filter):
    """A handler filter that replaces each known secret in a record, in place."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()

    def add(self, secret: str | None) -> None:
        """Mask ``secret`` from now on, as written and URL-encoded; blank is ignored."""
        if not secret or not secret.strip():
            return
        forms = {secret, quote(secret, safe=""), quote_plus(secret, safe="")}
        # Longest first: a secret that contains another is masked whole.
        self._secrets = tuple(sorted(set(self._secrets) | forms, key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        record.msg, record.args = self.redact(_message(record)), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _tracebacks.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _message(record: logging.LogRecord) -> str:
    """The record's message with its arguments merged in, even when they do not fit."""
    try:
        return record.getMessage()
    except (TypeError, ValueError, KeyError):  # the formatter would print msg and args raw
        return f"{record.msg!s} (arguments: {record.args!r})"


_redactor = SecretRedactor()


def register_secret(secret: str | None) -> None:
    """Mask ``secret`` in every log record from now on (e.g. a generated Rasa token)."""
    _redactor.add(secret)


def register_settings_secrets(settings: Settings) -> None:
    """Mask every secret of the settings (each ``SecretStr``) and the database password."""
    for path, _field in setting_fields(type(settings)):
        value: object = settings
        for name in path:
            value = getattr(value, name)
        if isinstance(value, SecretStr):
            register_secret(value.get_secret_value())
    if settings.database_url:
        try:
            register_secret(make_url(settings.database_url).password)
        except (ArgumentError, ValueError):  # unparsable: an error may quote it whole
            register_secret(settings.database_url)


def protect_handlers(logger: logging.Logger | None = None) -> None:
    """Put the filter on each handler of ``logger`` (the root logger by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        if _redactor not in handler.filters:
            handler.addFilter(_redactor)

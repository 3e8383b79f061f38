"""Secrets are masked in every part of a log record: message, arguments, traceback, stack."""

from __future__ import annotations

import asyncio
import gc
import io
import logging
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import pytest

from bot.log_redaction import MASK, SecretRedactor
from bot.settings import REPO_ROOT

TOKEN = "987654:rahasia-bot+token/uji"
URL = f"http://127.0.0.1:8081/bot{TOKEN}/sendMessage"


@contextmanager
def _root_log(*secrets: str) -> Iterator[io.StringIO]:
    """What a handler on the root logger writes, filtered as ``configure_logging`` does."""
    redactor = SecretRedactor()
    for secret in secrets:
        redactor.add(secret)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redactor)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


@pytest.fixture
def log() -> Iterator[io.StringIO]:
    with _root_log(TOKEN) as stream:
        yield stream


def test_a_secret_in_the_message_or_its_arguments_is_masked(log: io.StringIO) -> None:
    logger = logging.getLogger("tests.redaction")
    logger.warning("request to %s failed (%d tries)", URL, 3)
    logger.warning(URL)
    logger.warning("encoded: %s", quote(URL, safe=""))
    logger.warning("100%% sure, %(where)s", {"where": TOKEN})
    text = log.getvalue()
    assert TOKEN not in text and quote(TOKEN, safe="") not in text
    assert text.count(MASK) == 4
    assert "failed (3 tries)" in text and "100% sure" in text and "/sendMessage" in text


def test_a_secret_in_a_traceback_is_masked_and_the_traceback_kept(log: io.StringIO) -> None:
    try:
        try:
            raise ConnectionError(f"Connection timeout to host {URL}")
        except ConnectionError as error:
            raise RuntimeError("sending failed") from error
    except RuntimeError:
        logging.getLogger("tests.redaction").exception("Unhandled error")
    text = log.getvalue()
    assert TOKEN not in text
    assert "Traceback" in text and "ConnectionError: Connection timeout to host" in text
    assert "RuntimeError: sending failed" in text and f"/bot{MASK}/sendMessage" in text


def test_a_secret_in_the_stack_is_masked() -> None:
    stack_secret = sys._getframe().f_code.co_name  # the stack shows this function's name
    with _root_log(stack_secret) as log:
        logging.getLogger("tests.redaction").warning("where am I?", stack_info=True)
    text = log.getvalue()
    assert "Stack (most recent call last)" in text and stack_secret not in text


def test_a_message_whose_arguments_do_not_fit_is_masked_too(log: io.StringIO) -> None:
    logging.getLogger("tests.redaction").warning("%s and %s", TOKEN)
    assert TOKEN not in log.getvalue() and MASK in log.getvalue()


def test_a_captured_warning_is_masked(log: io.StringIO) -> None:
    logging.captureWarnings(True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn(f"unclosed connection to {URL}", ResourceWarning, stacklevel=1)
    finally:
        logging.captureWarnings(False)
    text = log.getvalue()
    assert "py.warnings" in text and "unclosed connection" in text and TOKEN not in text


def test_an_exception_no_task_retrieved_is_masked(log: io.StringIO) -> None:
    async def fail() -> None:
        raise ConnectionError(f"Connection timeout to host {URL}")

    async def main() -> None:
        task = asyncio.get_running_loop().create_task(fail())
        await asyncio.sleep(0)
        del task  # never awaited: asyncio logs it when the task is collected
        gc.collect()

    asyncio.run(main())
    text = log.getvalue()
    assert "Task exception was never retrieved" in text
    assert "ConnectionError" in text and TOKEN not in text


def test_blank_secrets_mask_nothing() -> None:
    redactor = SecretRedactor()
    for blank in (None, "", "  "):
        redactor.add(blank)
    assert redactor.redact("  plain  ") == "  plain  "


def test_a_secret_containing_another_is_masked_whole() -> None:
    redactor = SecretRedactor()
    redactor.add("abc")
    redactor.add("xxabcxx")
    assert redactor.redact("a xxabcxx b abc") == f"a {MASK} b {MASK}"


def test_the_command_line_masks_configured_secrets_in_logs_warnings_and_crashes() -> None:
    """``configure_logging`` as ``python -m bot`` runs it, with the settings from the
    environment: each secret is logged, warned and raised, and appears nowhere."""
    secrets = {
        "TELEGRAM_BOT_TOKEN": "123456:token-bot-uji",
        "RASA_AUTH_TOKEN": "token-rasa-uji",
        "WEBHOOK_SECRET": "rahasia-webhook-uji-0123456789abcdefghijklmnop",
    }
    password = "sandi/db@uji"
    script = """
import logging, os, warnings
from bot.cli import configure_logging
configure_logging()
values = [os.environ[name] for name in ("TELEGRAM_BOT_TOKEN", "RASA_AUTH_TOKEN", "WEBHOOK_SECRET")]
values.append("sandi/db@uji")
logging.getLogger("bot.test").info("values: %s", values)
warnings.warn("warned: " + " ".join(values))
raise RuntimeError("crashed: " + " ".join(values))
"""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "RASA_"))}
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env={
            **environment,
            **secrets,
            "DATABASE_URL": f"postgresql://bot:{quote(password, safe='')}@127.0.0.1/bot",
            "LOG_LEVEL": "DEBUG",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    stderr = completed.stderr
    assert completed.returncode == 1
    assert "values: " in stderr and "warned: " in stderr and "crashed: " in stderr
    assert "Traceback" in stderr
    for secret in [*secrets.values(), password]:
        assert secret not in stderr, stderr
    assert stderr.count(MASK) >= 12

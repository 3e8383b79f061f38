"""``python -m bot``: the command-line interface. Output goes to stdout; logs to stderr."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from types import TracebackType

from bot import commands_nlu, log_redaction
from bot.settings import Settings, load_settings

logger = logging.getLogger(__name__)

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _registrars() -> list[Registrar]:
    from bot.knowledge.commands import register as register_kb
    from bot.reports.commands import register as register_report
    from bot.storage.commands import register as register_db

    return [commands_nlu.register, register_kb, register_db, register_report, _register_run]


def _register_run(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("run", help="run the Telegram bot (polling or webhook)")
    parser.set_defaults(func=_run_bot)


def _run_bot(args: argparse.Namespace) -> int:
    from bot.app import run_bot

    return run_bot()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for register in _registrars():
        register(subparsers)
    return parser


def configure_logging(verbose: bool = False) -> None:
    """Log to stderr at the configured level (LOG_LEVEL; DEBUG with -v), never a secret.

    Every record, warning and uncaught traceback passes ``bot.log_redaction``, which masks the
    configured secrets; the library loggers that write URLs or users' texts are kept quiet.
    """
    settings = _settings()
    level = "DEBUG" if verbose else (settings.log_level.upper() if settings else "INFO")
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if settings is not None:
        log_redaction.register_settings_secrets(settings)
    log_redaction.protect_handlers()
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    # Bot API URLs contain the token: never log httpx requests. PTB logs the Bot API URL and
    # request parameters (users' texts) at DEBUG; aiosqlite every statement with its
    # parameters (users' texts again), twice.
    for name in ("httpx", "httpcore", "aiosqlite"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("telegram.Bot", "telegram.ext.ExtBot"):
        logging.getLogger(name).setLevel(logging.INFO)


def _settings() -> Settings | None:
    try:
        return load_settings()
    except (ValueError, OSError):  # the command itself reports a broken configuration
        return None


def _log_uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    """An error that ends the program goes through the log (and its redaction) too."""
    logger.critical("Uncaught error", exc_info=(kind, error, traceback))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose)
    try:
        result = args.func(args)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return int(result or 0)
    except KeyboardInterrupt:
        logger.info("Interrupted")
        return 130

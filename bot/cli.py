"""``python -m bot``: the command-line interface. Output goes to stdout; logs to stderr."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence

from bot import commands_nlu
from bot.settings import load_settings

logger = logging.getLogger(__name__)

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _registrars() -> list[Registrar]:
    from bot.knowledge.commands import register as register_kb
    from bot.storage.commands import register as register_db

    return [commands_nlu.register, register_kb, register_db, _register_run]


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
    """Log to stderr at the configured level (LOG_LEVEL; DEBUG with -v), never the token."""
    level = "DEBUG" if verbose else _configured_level()
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Bot API URLs contain the token: never log httpx requests. PTB logs the Bot API URL and
    # request parameters (users' texts) at DEBUG.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("telegram.Bot", "telegram.ext.ExtBot"):
        logging.getLogger(name).setLevel(logging.INFO)


def _configured_level() -> str:
    try:
        return load_settings().log_level.upper()
    except (ValueError, OSError):  # the command itself reports a broken configuration
        return "INFO"


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

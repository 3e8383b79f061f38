"""Run the knowledge-base tools on their own: ``python -m bot.knowledge kb check``."""

from __future__ import annotations

import argparse
import sys

from bot.knowledge.commands import register


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen ``kb`` subcommand."""
    parser = argparse.ArgumentParser(prog="python -m bot.knowledge")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    sys.exit(main())

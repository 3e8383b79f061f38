"""Command-line tools for editors of the knowledge base: ``kb check``, ``kb show INTENT`` and
``kb status`` (the lawyers' review states, read from the database).

``register`` adds the ``kb`` command to a parent parser. Every subcommand sets ``func``: call
``args.func(args)`` and use its return value as the exit status.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from bot.intents import ANSWER_INTENTS
from bot.knowledge.answer_checks import SHORT_ANSWER_BUDGET, VERDICT_LINE_BUDGET
from bot.knowledge.base import DEFAULT_PATH, KnowledgeBaseError, load_knowledge_base
from bot.knowledge.checks import check_knowledge_base
from bot.knowledge.models import TopicEntry
from bot.knowledge.render import render_answer
from bot.knowledge.review_status import read_review_states, review_warnings, status_lines
from bot.knowledge.telegram_html import telegram_length, to_plain_text

PREVIEW_WIDTH = 60
"""Roughly what fits on a phone screen."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kb check`` and ``kb show INTENT`` to ``subparsers``."""
    kb_parser = subparsers.add_parser("kb", help="check or preview the knowledge base")
    kb_parser.add_argument(
        "--path", type=Path, default=DEFAULT_PATH, help="knowledge directory (default: %(default)s)"
    )
    commands = kb_parser.add_subparsers(dest="kb_command", required=True)
    check = commands.add_parser(
        "check", help="report every problem (exit 1) and unreviewed answers (warnings)"
    )
    check.add_argument(
        "--strict", action="store_true", help="exit 1 on drafts, needed changes, overdue reviews"
    )
    check.set_defaults(func=run_check)
    status = commands.add_parser("status", help="each answer's review state and open notes")
    status.set_defaults(func=run_status)
    show = commands.add_parser("show", help="print an answer as the user will see it")
    show.add_argument("intent", help=f"one of: {', '.join(ANSWER_INTENTS)}")
    show.set_defaults(func=run_show)


def run_check(args: argparse.Namespace) -> int:
    """Print every problem of the knowledge base; return 1 if there is any."""
    try:
        kb = load_knowledge_base(args.path)
    except KnowledgeBaseError as error:
        print(error, file=sys.stderr)
        return 1
    problems = check_knowledge_base(kb)
    for problem in problems:
        print(problem)
    warnings = review_warnings(*read_review_states(kb))
    for warning in warnings:
        print(f"warning: {warning}")
    if problems:
        print(f"{len(problems)} problem(s) in {args.path}", file=sys.stderr)
        return 1
    if warnings and getattr(args, "strict", False):
        print(f"{len(warnings)} review warning(s) (--strict)", file=sys.stderr)
        return 1
    print(
        f"OK: {len(kb.entries)} answers, {len(kb.regulations)} regulations, "
        f"{len(kb.messages)} messages in {args.path}"
    )
    return 0


def run_status(args: argparse.Namespace) -> int:
    """Print each answer's review state, who approved it and when, and the open notes."""
    try:
        kb = load_knowledge_base(args.path)
    except KnowledgeBaseError as error:
        print(error, file=sys.stderr)
        return 1
    statuses, unread = read_review_states(kb)
    print(unread or "Review states read from the database.")
    for line in status_lines(kb, statuses):
        print(line)
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print the rendered HTML of one answer and a plain-text preview of it."""
    try:
        kb = load_knowledge_base(args.path)
    except KnowledgeBaseError as error:
        print(error, file=sys.stderr)
        return 1
    if args.intent not in kb.entries:
        print(f"no answer for {args.intent!r}; choose one of: {', '.join(ANSWER_INTENTS)}")
        return 2
    rendered = render_answer(kb, args.intent)
    entry = kb.entries[args.intent]
    if isinstance(entry, TopicEntry):
        print(
            f"── Layar pertama: verdict line {telegram_length(entry.verdict_note)}"
            f"/{VERDICT_LINE_BUDGET}, short answer {telegram_length(entry.short_answer)}"
            f"/{SHORT_ANSWER_BUDGET} characters; the rest is folded ──"
        )
    print(f"── HTML ({len(rendered)} characters) ──")
    print(rendered)
    print()
    print(f"── Pratinjau di ponsel ({telegram_length(rendered)} characters counted) ──")
    print(wrap_for_phone(to_plain_text(rendered)))
    return 0


def wrap_for_phone(text: str, width: int = PREVIEW_WIDTH) -> str:
    """Wrap each line to ``width`` columns, keeping bullets and quote bars aligned."""
    lines = []
    for line in text.split("\n"):
        indent = "  " if line.startswith(("• ", "┃ ")) else ""
        prefix = "┃ " if line.startswith("┃ ") else indent
        wrapped = textwrap.wrap(line, width, subsequent_indent=prefix) if line else [""]
        lines.extend(wrapped)
    return "\n".join(lines)

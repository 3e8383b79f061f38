"""NLU commands: ``train``, ``classify``, ``chat``, ``evaluate`` and ``nlu export-reviewed``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bot.nlu.result import NluUnavailable
from bot.nlu.training import TrainingFailed, train_model
from bot.nlu.understanding import Understanding, nlu_client
from bot.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    train = subparsers.add_parser("train", help="train the NLU model when its inputs changed")
    train.add_argument("--force", action="store_true", help="train even when up to date")
    train.set_defaults(func=_train)

    classify = subparsers.add_parser(
        "classify", help="classify stdin lines; one JSON object per line on stdout"
    )
    classify.set_defaults(func=_classify)

    chat = subparsers.add_parser("chat", help="offline terminal chat through the same pipeline")
    chat.set_defaults(func=_chat)

    evaluate = subparsers.add_parser("evaluate", help="evaluate the NLU on the held-out set")
    evaluate.add_argument("--no-fail", action="store_true", help="exit 0 even below a target")
    evaluate.add_argument(
        "--data",
        type=Path,
        default=None,
        help="a directory of labelled questions in Rasa NLU YAML (default: the held-out set)",
    )
    evaluate.set_defaults(func=_evaluate)

    nlu = subparsers.add_parser("nlu", help="the learning loop: reviewed questions into training")
    nlu_commands = nlu.add_subparsers(dest="nlu_command", required=True)
    export = nlu_commands.add_parser(
        "export-reviewed",
        help="write the questions reviewers labelled (/tinjau_nlu), masked, into training data; "
        "print the held-out figures, train, print them again",
    )
    export.add_argument(
        "--out", type=Path, default=None, help="directory (default: rasa_project/data/nlu/reviewed)"
    )
    export.add_argument("--no-train", action="store_true", help="only write the file")
    export.set_defaults(func=_export_reviewed)


def _train(args: argparse.Namespace) -> int:
    try:
        outcome = train_model(force=args.force)
    except (TrainingFailed, FileNotFoundError) as error:
        print(error, file=sys.stderr)
        return 1
    state = f"trained in {outcome.seconds:.1f} s" if outcome.trained else "up to date"
    print(f"{outcome.model_path.name}: {state}")
    return 0


async def _classify(args: argparse.Namespace) -> int:
    """Answer each stdin line as soon as it arrives, so the command also works in a pipe."""
    settings = load_settings()
    async with nlu_client(settings) as client:
        understanding = Understanding(client, settings.policy)
        while line := await asyncio.to_thread(sys.stdin.readline):
            text = line.rstrip("\r\n")
            reading = await understanding.read(text)
            record = {
                "text": text,
                "intent": reading.decision.intent,
                "confidence": round(reading.result.confidence, 4),
                "action": reading.decision.action.value,
            }
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    return 0


async def _chat(args: argparse.Namespace) -> int:
    from bot.console import run_console

    return await run_console(load_settings())


async def _evaluate(args: argparse.Namespace) -> int:
    from bot.evaluation import run_evaluation

    try:
        return await run_evaluation(
            load_settings(), data=args.data, fail_below_targets=not args.no_fail
        )
    except NluUnavailable as error:
        print(f"NLU unavailable: {error}", file=sys.stderr)
        return 1


async def _export_reviewed(args: argparse.Namespace) -> int:
    from bot.nlu.review_export import REVIEWED_DIR, run_export_reviewed

    try:
        return await run_export_reviewed(
            load_settings(), out_dir=args.out or REVIEWED_DIR, train=not args.no_train
        )
    except (NluUnavailable, TrainingFailed, FileNotFoundError) as error:
        print(error, file=sys.stderr)
        return 1

"""``python -m bot evaluate``: the held-out set through the same path as ``classify``."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.intents import ALL_INTENTS, ANSWER_INTENTS, ESCALATION_INTENTS, OUT_OF_SCOPE_INTENT, Action
from bot.nlu.understanding import Understanding, nlu_client
from bot.settings import REPO_ROOT, Settings

HELD_OUT_DIR = REPO_ROOT / "rasa_project" / "tests" / "nlu"
REPORTS_DIR = REPO_ROOT / "reports"
CONCURRENCY = 8

TARGETS: dict[str, tuple[str, float]] = {
    "in_scope_accuracy": (">=", 0.95),
    "escalation_recall": (">=", 0.95),
    "out_of_scope_rejection": (">=", 0.90),
    "wrong_answer_rate": ("<=", 0.02),
}
"""The product targets of the NLU issue; ``evaluate`` (and so CI) fails below any of them."""


@dataclass(frozen=True, slots=True)
class Outcome:
    text: str
    expected: str
    predicted: str
    action: Action
    confidence: float


def load_held_out(directory: Path = HELD_OUT_DIR) -> list[tuple[str, str]]:
    """Return (text, intent) pairs from the held-out NLU files."""
    pairs: list[tuple[str, str]] = []
    for path in sorted(directory.rglob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    pairs.append((line.strip()[2:].strip(), block["intent"]))
    return pairs


def product_figures(outcomes: list[Outcome]) -> dict[str, float]:
    """The four product figures of the NLU issue."""

    def share(hits: int, total: int) -> float:
        return hits / total if total else 0.0

    in_scope = [o for o in outcomes if o.expected in ANSWER_INTENTS]
    escalation = [o for o in outcomes if o.expected in ESCALATION_INTENTS]
    out_of_scope = [o for o in outcomes if o.expected == OUT_OF_SCOPE_INTENT]
    wrong = [o for o in outcomes if o.action is Action.ANSWER and o.predicted != o.expected]
    return {
        "in_scope_accuracy": share(
            sum(o.action is Action.ANSWER and o.predicted == o.expected for o in in_scope),
            len(in_scope),
        ),
        "escalation_recall": share(
            sum(o.action is Action.ESCALATE for o in escalation), len(escalation)
        ),
        "out_of_scope_rejection": share(
            sum(o.action is Action.FALLBACK for o in out_of_scope), len(out_of_scope)
        ),
        "wrong_answer_rate": share(len(wrong), len(outcomes)),
    }


def per_intent_scores(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    scores: dict[str, dict[str, float]] = {}
    for intent in ALL_INTENTS:
        tp = sum(o.expected == intent and o.predicted == intent for o in outcomes)
        predicted = sum(o.predicted == intent for o in outcomes)
        support = sum(o.expected == intent for o in outcomes)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[intent] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    return scores


def meets(name: str, value: float, limit: float) -> bool:
    operator, _ = TARGETS[name]
    return value >= limit if operator == ">=" else value <= limit


async def classify_all(understanding: Understanding, pairs: list[tuple[str, str]]) -> list[Outcome]:
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(text: str, expected: str) -> Outcome:
        async with semaphore:
            reading = await understanding.read(text)
        return Outcome(
            text,
            expected,
            reading.decision.intent or OUT_OF_SCOPE_INTENT,
            reading.decision.action,
            reading.result.confidence,
        )

    return list(await asyncio.gather(*(one(text, intent) for text, intent in pairs)))


async def run_evaluation(
    settings: Settings, *, data: Path | None = None, fail_below_targets: bool = True
) -> int:
    """Classify a labelled set (the held-out set unless ``data``), report, check the targets."""
    pairs = load_held_out(data or HELD_OUT_DIR)
    async with nlu_client(settings) as client:
        outcomes = await classify_all(Understanding(client, settings.policy), pairs)
    from bot.evaluation_report import write_report

    figures = product_figures(outcomes)
    report = write_report(REPORTS_DIR, outcomes, per_intent_scores(outcomes), figures)
    actions = Counter(o.action.value for o in outcomes)
    print(f"{data or 'held-out'} questions: {len(outcomes)}; actions: {dict(actions)}")
    print(f"report: {report}")
    failed = False
    for name, value in figures.items():
        operator, target = TARGETS[name]
        failed |= not meets(name, value, target)
        status = "OK" if meets(name, value, target) else "BELOW TARGET"
        print(f"{name}: {value:.3f} (target {operator} {target}) {status}")
    sys.stdout.flush()
    if failed:
        print("FAILED: a figure is below its target", file=sys.stderr)
    return 1 if failed and fail_below_targets else 0


def outcomes_as_json(outcomes: list[Outcome]) -> str:
    return json.dumps(
        [
            {
                "text": o.text,
                "expected": o.expected,
                "predicted": o.predicted,
                "action": o.action.value,
                "confidence": round(o.confidence, 4),
            }
            for o in outcomes
        ],
        ensure_ascii=False,
        indent=1,
    )

"""The one policy that turns an NLU result into an action. Nothing else compares confidences."""

from __future__ import annotations

from dataclasses import dataclass

from bot.intents import (
    ANSWER_INTENTS,
    ESCALATION_INTENTS,
    OUT_OF_SCOPE_INTENT,
    TOPIC_INTENTS,
    Action,
)
from bot.nlu.result import NluResult
from bot.settings import PolicySettings


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with a message: the action, the intent it is for, and clarify candidates."""

    action: Action
    intent: str | None
    candidates: tuple[str, ...] = ()


def decide(result: NluResult, settings: PolicySettings) -> Decision:
    """Map an NLU result to answer, clarify, escalate or fallback (see intents.md)."""
    intent, confidence = result.intent, result.confidence
    if intent is None or not result.text.strip():
        return Decision(Action.FALLBACK, OUT_OF_SCOPE_INTENT)
    if _outside_training_distribution(result, settings):
        return Decision(Action.FALLBACK, OUT_OF_SCOPE_INTENT)
    if intent in ESCALATION_INTENTS and confidence >= settings.escalate_confidence:
        return Decision(Action.ESCALATE, intent)
    if intent == OUT_OF_SCOPE_INTENT and confidence >= settings.fallback_confidence:
        return Decision(Action.FALLBACK, intent)
    if (
        intent in ANSWER_INTENTS
        and confidence >= settings.answer_confidence
        and confidence - _runner_up(result) >= settings.min_margin
    ):
        return Decision(Action.ANSWER, intent)
    candidates = _topic_candidates(result, settings.clarify_candidates)
    if not candidates:
        return Decision(Action.FALLBACK, OUT_OF_SCOPE_INTENT)
    return Decision(Action.CLARIFY, intent, candidates)


def _outside_training_distribution(result: NluResult, settings: PolicySettings) -> bool:
    scope = result.scope
    if scope is None:
        return False
    return scope.similarity < settings.min_similarity and scope.coverage < settings.min_coverage


def _runner_up(result: NluResult) -> float:
    others = [score for name, score in result.ranking if name != result.intent]
    return max(others, default=0.0)


def _topic_candidates(result: NluResult, limit: int) -> tuple[str, ...]:
    ranked = [name for name, _ in result.ranking] or [result.intent or ""]
    return tuple(name for name in ranked if name in TOPIC_INTENTS)[:limit]

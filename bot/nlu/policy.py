"""The one policy that turns an NLU result into an action. Nothing else compares confidences.

Two readers vote on every message: the classifier (``intent``/``confidence``) and the scope
gate's nearest training examples (``scope.neighbour_intent``). When they agree, a modest
confidence is enough; when they disagree, the classifier must be sure on its own. Anything else
is a clarifying question (or out of scope when no topic is plausible): a wrong legal answer is
worse than a question back (intents.md, boundary rule 4).
"""

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

CASE_INTENT = "konsultasi_kasus"


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with a message: the action, the intent it is for, and clarify candidates."""

    action: Action
    intent: str | None
    candidates: tuple[str, ...] = ()


def decide(result: NluResult, settings: PolicySettings) -> Decision:
    """Map an NLU result to answer, clarify, escalate or fallback (see intents.md)."""
    intent, confidence = result.intent, result.confidence
    if (
        intent is None
        or not result.text.strip()
        or _outside_training_distribution(result, settings)
    ):
        return Decision(Action.FALLBACK, OUT_OF_SCOPE_INTENT)
    agreed = result.scope is not None and result.scope.neighbour_intent == intent
    sure = confidence >= (settings.agreed_confidence if agreed else _alone(intent, settings))
    if intent in ESCALATION_INTENTS and sure:
        return Decision(Action.ESCALATE, intent)
    if _neighbours_see_a_case(result, settings):
        return Decision(Action.ESCALATE, CASE_INTENT)
    if intent == OUT_OF_SCOPE_INTENT and sure:
        return Decision(Action.FALLBACK, intent)
    if intent in ANSWER_INTENTS and sure and confidence - _runner_up(result) >= settings.min_margin:
        return Decision(Action.ANSWER, intent)
    candidates = _topic_candidates(result, settings)
    if not candidates:
        return Decision(Action.FALLBACK, OUT_OF_SCOPE_INTENT)
    return Decision(Action.CLARIFY, intent, candidates)


def _alone(intent: str, settings: PolicySettings) -> float:
    """The confidence the classifier needs when the nearest examples vote for another intent."""
    if intent in ESCALATION_INTENTS:
        return settings.escalate_confidence
    if intent == OUT_OF_SCOPE_INTENT:
        return settings.fallback_confidence
    return settings.answer_confidence


def _outside_training_distribution(result: NluResult, settings: PolicySettings) -> bool:
    """No known word at all (gibberish, emoji, other scripts), or far from every example."""
    scope = result.scope
    if scope is None:
        return False
    if scope.coverage <= 0.0:
        return True
    return scope.similarity < settings.min_similarity and scope.coverage < settings.min_coverage


def _neighbours_see_a_case(result: NluResult, settings: PolicySettings) -> bool:
    """The nearest examples are personal cases and the classifier does not rule it out."""
    if result.scope is None or result.scope.neighbour_intent != CASE_INTENT:
        return False
    return _score(result, CASE_INTENT) >= settings.case_neighbour_score


def _score(result: NluResult, name: str) -> float:
    return next((score for label, score in result.ranking if label == name), 0.0)


def _runner_up(result: NluResult) -> float:
    others = [score for name, score in result.ranking if name != result.intent]
    return max(others, default=0.0)


def _topic_candidates(result: NluResult, settings: PolicySettings) -> tuple[str, ...]:
    """Plausible topics, best first: the classifier's, then the nearest examples' vote."""
    ranked = [name for name, score in result.ranking if score >= settings.clarify_min_score]
    if result.scope is not None and result.scope.neighbour_intent:
        ranked.append(result.scope.neighbour_intent)
    topics = [name for name in dict.fromkeys(ranked) if name in TOPIC_INTENTS]
    return tuple(topics[: settings.clarify_candidates])

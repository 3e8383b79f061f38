"""The one policy that turns an NLU result into an action. Nothing else compares confidences.

Two readers vote on every message: the classifier (``intent``/``confidence``) and the scope
gate's nearest training examples (``scope.neighbour_intent``). When they agree, a modest
confidence is enough; when they disagree, the classifier must be sure on its own. Anything else
is a clarifying question (or out of scope when no topic is plausible): a wrong legal answer is
worse than a question back (intents.md, boundary rule 4). An answered topic whose runner-up topic
is nearly as likely also offers that topic ("Lihat juga").
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
from bot.nlu.coverage import asks_about_status_outside_asn
from bot.nlu.result import NluResult
from bot.settings import PolicySettings

CASE_INTENT = "konsultasi_kasus"

COVERAGE_INTENT = "cakupan_aturan"
"""Whom the rules cover: offered first when a behaviour question is about someone outside ASN."""

SAME_FOR_EVERYONE = frozenset({COVERAGE_INTENT, "jadwal_pemilu", "pelaporan", "lkbh_korpri"})
"""Topics whose answer does not depend on whether the asker is ASN."""

SERVICE_INTENT = "lkbh_korpri"
"""The topic of LKBH KORPRI itself: what a comment on its service names, not a new question."""

SEE_ALSO_SHARE = 0.3
"""An answered topic offers the best other topic ("Lihat juga") when that one scores at least
this share of the answered topic's confidence. On the held-out set (2026-12) this offers one on
53 of the 1,942 topic answers (2.7%): on 10 of the 21 answers of a wrong topic, the right topic
on 8 of them; 0.25 offered 63, 0.5 offered 30 (7 of the wrong)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with a message: the action, the intent it is for, and clarify candidates."""

    action: Action
    intent: str | None
    candidates: tuple[str, ...] = ()
    see_also: str | None = None
    """Another topic close behind the answered one, offered as "Lihat juga"."""


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
        if _written_for_asn_but_asked_about_others(result):
            return Decision(Action.CLARIFY, intent, _coverage_first(result, settings))
        return Decision(Action.ANSWER, intent, see_also=see_also_topic(result))
    candidates = _topic_candidates(result, settings)
    if not candidates:
        return Decision(Action.FALLBACK, OUT_OF_SCOPE_INTENT)
    return Decision(Action.CLARIFY, intent, candidates)


def reads_as_question(decision: Decision | None) -> bool:
    """Whether a message read as ``decision`` is a new question rather than a remark: a topic
    the policy answers, or a personal case. Used where a remark is awaited (a rating comment),
    so LKBH KORPRI's own topic and a request for a consultant ("konsultannya ramah") count as
    remarks; None (the message could not be read) is one too."""
    if decision is None:
        return False
    if decision.action is Action.ANSWER:
        return decision.intent in TOPIC_INTENTS and decision.intent != SERVICE_INTENT
    return decision.action is Action.ESCALATE and decision.intent == CASE_INTENT


def see_also_topic(result: NluResult) -> str | None:
    """The best-scoring other topic, when it is close behind the topic read; else None."""
    if result.intent not in TOPIC_INTENTS:
        return None
    others = [(name, score) for name, score in result.ranking if name != result.intent]
    name, score = next(((n, s) for n, s in others if n in TOPIC_INTENTS), ("", 0.0))
    return name if name and score >= SEE_ALSO_SHARE * result.confidence else None


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


def _written_for_asn_but_asked_about_others(result: NluResult) -> bool:
    """A behaviour topic (its answer is written for PNS and PPPK) asked about someone else."""
    return (
        result.intent in TOPIC_INTENTS
        and result.intent not in SAME_FOR_EVERYONE
        and asks_about_status_outside_asn(result.text)
    )


def _coverage_first(result: NluResult, settings: PolicySettings) -> tuple[str, ...]:
    others = [name for name in _topic_candidates(result, settings) if name != COVERAGE_INTENT]
    return (COVERAGE_INTENT, *others)[: settings.clarify_candidates]


def _topic_candidates(result: NluResult, settings: PolicySettings) -> tuple[str, ...]:
    """Plausible topics, best first: the classifier's, then the nearest examples' vote."""
    ranked = [name for name, score in result.ranking if score >= settings.clarify_min_score]
    if result.scope is not None and result.scope.neighbour_intent:
        ranked.append(result.scope.neighbour_intent)
    topics = [name for name in dict.fromkeys(ranked) if name in TOPIC_INTENTS]
    return tuple(topics[: settings.clarify_candidates])

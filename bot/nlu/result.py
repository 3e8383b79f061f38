"""Typed NLU results, independent of Rasa's JSON shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class NluUnavailable(Exception):
    """The NLU service could not be reached or did not answer in time."""


@dataclass(frozen=True, slots=True)
class ScopeSignals:
    """How close a message is to what the model was trained on (the out-of-scope gate)."""

    similarity: float
    """Cosine similarity to the nearest training example (0..1)."""
    coverage: float
    """Share of the message's words that occur in the training data (0..1)."""
    neighbour_intent: str | None
    """Intent of the nearest training examples (a vote of the closest few)."""


@dataclass(frozen=True, slots=True)
class NluResult:
    """The NLU's reading of one message."""

    text: str
    intent: str | None
    confidence: float
    ranking: tuple[tuple[str, float], ...] = ()
    scope: ScopeSignals | None = None

    @classmethod
    def from_rasa(cls, text: str, payload: dict[str, Any]) -> NluResult:
        """Build a result from a Rasa ``/model/parse`` response."""
        intent = payload.get("intent") or {}
        ranking = tuple(
            (str(item["name"]), float(item.get("confidence") or 0.0))
            for item in payload.get("intent_ranking") or ()
            if item.get("name")
        )
        raw_scope = payload.get("scope")
        scope = (
            ScopeSignals(
                similarity=float(raw_scope.get("similarity", 0.0)),
                coverage=float(raw_scope.get("coverage", 0.0)),
                neighbour_intent=raw_scope.get("neighbour_intent"),
            )
            if isinstance(raw_scope, dict)
            else None
        )
        return cls(
            text=text,
            intent=intent.get("name") or None,
            confidence=float(intent.get("confidence") or 0.0),
            ranking=ranking,
            scope=scope,
        )

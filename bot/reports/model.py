"""What a coordinators' report holds: figures only, no names, usernames or Telegram ids."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.intents import Action
from bot.reports.periods import Period


class Outcome(StrEnum):
    """What the assistant did with a question (``Message.action`` of an inbound message)."""

    ANSWERED = Action.ANSWER.value
    CLARIFIED = Action.CLARIFY.value
    OUT_OF_SCOPE = Action.FALLBACK.value
    ESCALATED = Action.ESCALATE.value


OUTCOME_LABELS = {
    Outcome.ANSWERED: "Dijawab",
    Outcome.CLARIFIED: "Diperjelas",
    Outcome.OUT_OF_SCOPE: "Di luar topik",
    Outcome.ESCALATED: "Ke konsultan",
}
UNPLACED = (Outcome.CLARIFIED, Outcome.OUT_OF_SCOPE)
"""Questions the assistant could not place on a topic."""
RATINGS = (1, 2, 3, 4, 5)


@dataclass(frozen=True, slots=True)
class Durations:
    """Office minutes (``OfficeHours.office_time_between``) over the tickets that have them."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, minutes: Sequence[float]) -> Durations:
        """The median and the 90th percentile (nearest rank) of ``minutes``."""
        if not minutes:
            return cls(0, None, None)
        ordered = sorted(minutes)
        p90 = ordered[math.ceil(0.9 * len(ordered)) - 1]
        return cls(len(ordered), statistics.median(ordered), p90)


@dataclass(frozen=True, slots=True)
class DayFigures:
    day: date
    questions: dict[Outcome, int]
    tickets_opened: int
    tickets_claimed: int
    tickets_closed: int


@dataclass(frozen=True, slots=True)
class TopicFigures:
    title: str
    answered: int
    """Questions the assistant answered on this topic."""
    helpful: int
    unhelpful: int
    tickets: int
    """Tickets opened on this topic."""

    @property
    def helpful_share(self) -> float | None:
        rated = self.helpful + self.unhelpful
        return self.helpful / rated if rated else None


@dataclass(frozen=True, slots=True)
class ConsultantFigures:
    label: str
    """"Konsultan 1" for the one with most tickets: never a name or an id."""
    tickets: int
    first_reply: Durations
    rating_count: int
    rating_mean: float | None


@dataclass(frozen=True, slots=True)
class WeekFigures:
    monday: date
    questions: int
    unplaced: int

    @property
    def unplaced_share(self) -> float | None:
        return self.unplaced / self.questions if self.questions else None


@dataclass(frozen=True, slots=True)
class TicketRow:
    """One ticket opened in the period, as the workbook shows it (times in local time)."""

    number: int
    pseudonym: str
    topic: str
    reason: str
    opened: datetime
    claimed: datetime | None
    first_reply: datetime | None
    closed: datetime | None
    minutes_to_first_reply: float | None
    minutes_to_close: float | None
    consultant: str | None
    rating: int | None
    question: str | None
    """Only with ``reports.include_texts``, and never a text the ASN erased."""


@dataclass(frozen=True, slots=True)
class Report:
    period: Period
    days: tuple[DayFigures, ...]
    topics: tuple[TopicFigures, ...]
    """Most answered first."""
    first_reply: Durations
    """Tickets opened in the period: from opening to the consultant's first reply."""
    close: Durations
    """Tickets opened in the period: from opening to closing."""
    consultants: tuple[ConsultantFigures, ...]
    ratings: dict[int, int]
    """Tickets opened in the period, by their rating 1-5."""
    weeks: tuple[WeekFigures, ...]
    tickets: tuple[TicketRow, ...]
    texts_included: bool = False
    """Built with the question texts (``reports.include_texts``)."""

    def questions(self, outcome: Outcome | None = None) -> int:
        """Questions in the period, of one outcome or all."""
        return sum(
            count
            for day in self.days
            for each, count in day.questions.items()
            if outcome in (None, each)
        )

    @property
    def rating_mean(self) -> float | None:
        count = sum(self.ratings.values())
        return sum(value * n for value, n in self.ratings.items()) / count if count else None

"""Stop sending questions to a Rasa that keeps failing; try it again after a pause."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bot.nlu.result import NluUnavailable

logger = logging.getLogger(__name__)


class RasaBreaker:
    """After ``failures`` parses in a row fail, questions skip Rasa for ``pause_seconds``.

    A Rasa that hangs (a stopped process, a full machine) fails each parse only when its
    timeout runs out, and the questions queued behind it wait for those timeouts in turn.
    While paused, a question fails at once (``NluUnavailable``: it goes to a consultant).
    When the pause is over, one question tries Rasa: if it is answered, every question goes to
    Rasa again; if not, another pause begins. A parse that is cancelled decides nothing.

    One breaker watches one Rasa server: with several replicas, ``NluClient`` keeps one per
    replica (``like``), named after it; while a replica is paused its questions go to the
    others (``fallback`` names them in the log), and only when every replica is paused does a
    question fail at once.
    """

    def __init__(
        self,
        *,
        failures: int,
        pause_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        name: str = "Rasa",
        fallback: str = "consultants",
    ) -> None:
        self._failures_to_pause = failures
        self._pause_seconds = pause_seconds
        self._clock = clock
        self.name = name
        self._fallback = fallback
        self._failed_in_a_row = 0
        self._paused_until: float | None = None
        self._trying = False  # one question is trying Rasa after a pause

    def like(self, *, name: str, fallback: str) -> RasaBreaker:
        """A new breaker with the same failures, pause and clock, for another Rasa server."""
        return RasaBreaker(
            failures=self._failures_to_pause,
            pause_seconds=self._pause_seconds,
            clock=self._clock,
            name=name,
            fallback=fallback,
        )

    @property
    def paused(self) -> bool:
        """True while questions skip Rasa (also while one question is trying it again)."""
        return self._paused_until is not None

    @property
    def skipping(self) -> bool:
        """True if a question would skip Rasa now (``check`` would raise)."""
        return self._paused_until is not None and (
            self._trying or self._clock() < self._paused_until
        )

    def check(self) -> None:
        """Raise ``NluUnavailable`` if a question would skip Rasa now (before it queues)."""
        if self.skipping:
            raise NluUnavailable(
                f"{self.name} paused after {self._failed_in_a_row} failed parses in a row"
            )

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """One parse: skip Rasa while paused, and count how the parse ended."""
        self.check()
        trying = self._paused_until is not None
        self._trying = self._trying or trying
        try:
            yield
        except NluUnavailable:
            self._failed(trying)
            raise
        except BaseException:
            if trying:
                self._trying = False  # cancelled: the next question tries instead
            raise
        self._answered(trying)

    def _failed(self, trying: bool) -> None:
        self._failed_in_a_row += 1
        if trying:
            self._trying = False
        elif self._paused_until is not None or self._failed_in_a_row < self._failures_to_pause:
            return
        self._paused_until = self._clock() + self._pause_seconds
        logger.warning(
            "%s failed %d parses in a row; questions go to %s for %g s",
            self.name,
            self._failed_in_a_row,
            self._fallback,
            self._pause_seconds,
        )

    def _answered(self, trying: bool) -> None:
        if self._paused_until is not None:
            logger.info("%s answers again; questions go to %s", self.name, self.name)
        if trying:
            self._trying = False
        self._failed_in_a_row = 0
        self._paused_until = None

"""A bounded cache of NLU results in front of Rasa: a repeated question costs no parse.

Keyed by the normalised text, cleared when Rasa loads another model (its ``/status`` model id,
checked at most every ``model_check_seconds``), and concurrent misses of the same question
share one in-flight parse. Failures are never cached.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

import httpx

from bot.nlu.result import NluResult

logger = logging.getLogger(__name__)

DEFAULT_PARSE_CACHE_SIZE = 10_000
DEFAULT_MODEL_CHECK_SECONDS = 10.0
_SURROUNDING_PUNCTUATION = re.compile(r"^[^\w]+|[^\w]+$")


class Parser(Protocol):
    """What the cache needs from ``NluClient``."""

    async def parse(self, text: str) -> NluResult: ...

    async def model_id(self) -> str | None: ...


def normalise_question(text: str) -> str:
    """Casefold, collapse whitespace and strip surrounding punctuation: the cache key."""
    return _SURROUNDING_PUNCTUATION.sub("", " ".join(text.casefold().split()))


class ParseCache:
    """LRU of ``NluResult`` by normalised text; ``size`` 0 turns caching off."""

    def __init__(
        self,
        parser: Parser,
        *,
        size: int = DEFAULT_PARSE_CACHE_SIZE,
        model_check_seconds: float = DEFAULT_MODEL_CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._parser = parser
        self.size = max(size, 0)
        self._model_check_seconds = model_check_seconds
        self._clock = clock
        self._results: OrderedDict[str, NluResult] = OrderedDict()
        self._in_flight: dict[str, asyncio.Task[NluResult]] = {}
        self._model_id: str | None = None
        self._checked_at: float | None = None
        self._model_check: asyncio.Task[None] | None = None
        self._generation = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._results)

    async def parse(self, text: str) -> NluResult:
        """Return the cached reading of ``text`` or parse it once; raises like the parser."""
        key = normalise_question(text)
        if not self.size or not key:
            return await self._parser.parse(text)
        await self._check_model()
        cached = self._results.get(key)
        if cached is not None:
            self._results.move_to_end(key)
            self.hits += 1
            return cached if cached.text == text else dataclasses.replace(cached, text=text)
        self.misses += 1
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.create_task(self._parse_and_store(key, text))
            self._in_flight[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        result = await asyncio.shield(task)
        return result if result.text == text else dataclasses.replace(result, text=text)

    def clear(self) -> None:
        """Forget every result; parses in flight are not stored when they finish."""
        self._results.clear()
        self._generation += 1

    async def _parse_and_store(self, key: str, text: str) -> NluResult:
        generation = self._generation
        result = await self._parser.parse(text)
        if generation == self._generation:
            self._results[key] = result
            while len(self._results) > self.size:
                self._results.popitem(last=False)
        return result

    def _forget(self, key: str, task: asyncio.Task[NluResult]) -> None:
        if self._in_flight.get(key) is task:
            del self._in_flight[key]
        if not task.cancelled():
            task.exception()  # retrieved here too, so an unawaited failure is not logged twice

    async def _check_model(self) -> None:
        """Clear the cache when Rasa's model id changed; at most every model_check_seconds."""
        now = self._clock()
        if self._checked_at is not None and now - self._checked_at < self._model_check_seconds:
            return
        if self._model_check is None or self._model_check.done():
            self._checked_at = now
            self._model_check = asyncio.create_task(self._read_model_id())
        await asyncio.shield(self._model_check)

    async def _read_model_id(self) -> None:
        try:
            model_id = await self._parser.model_id()
        except (httpx.HTTPError, ValueError) as error:
            logger.info("Could not read Rasa's model id (%r); cache kept", error)
            return
        if model_id != self._model_id:
            if self._model_id is not None or self._results:
                logger.info("Rasa model changed to %s; parse cache cleared", model_id)
            self.clear()
            self._model_id = model_id

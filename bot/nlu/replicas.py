"""The Rasa replicas behind ``RASA_URL`` and the one place that picks which serves a parse."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

from bot.nlu.breaker import RasaBreaker
from bot.nlu.result import NluUnavailable


def split_urls(urls: str) -> tuple[str, ...]:
    """``"http://a:5005/, http://b:5005,"`` → ``("http://a:5005", "http://b:5005")``.

    Blanks around commas, empty entries, trailing slashes and repeated URLs are dropped.
    """
    found = (url.strip().rstrip("/") for url in urls.split(","))
    replicas = tuple(dict.fromkeys(url for url in found if url))
    if not replicas:
        raise ValueError(f"No Rasa URL in {urls!r}")
    return replicas


@dataclass(eq=False)
class Replica:
    """One Rasa server: its URL, its breaker and its turns (parses it may have in flight)."""

    url: str
    breaker: RasaBreaker
    turns: asyncio.Semaphore

    @property
    def name(self) -> str:
        """How messages and logs call it: ``Rasa`` alone, ``Rasa at <url>`` among several."""
        return self.breaker.name


class Replicas:
    """Round robin over the replicas whose breaker lets questions through.

    Each replica keeps its own breaker and its own ``parses_in_flight`` turns, so a replica
    that keeps failing is paused alone and its share goes to the others in turn. A question
    whose replica is paused (before or while it waits for a turn there) goes to the next one;
    only when every replica is paused does it fail at once. With one URL the given breaker is
    that replica's; with several it is the model of one breaker per replica.
    """

    def __init__(self, urls: str, *, breaker: RasaBreaker, parses_in_flight: int) -> None:
        found = split_urls(urls)
        if len(found) == 1:
            breakers = [breaker]
        else:
            breakers = [
                breaker.like(name=f"Rasa at {url}", fallback="the other replicas") for url in found
            ]
        self._replicas = tuple(
            Replica(url, replica_breaker, asyncio.Semaphore(parses_in_flight))
            for url, replica_breaker in zip(found, breakers, strict=True)
        )
        self._next = 0  # where the round robin looks first

    def __len__(self) -> int:
        return len(self._replicas)

    def __iter__(self) -> Iterator[Replica]:
        return iter(self._replicas)

    def __getitem__(self, index: int) -> Replica:
        return self._replicas[index]

    def pick(self, avoid: Replica | None = None) -> Replica:
        """The next replica in turn that is not paused (nor ``avoid``, which just failed this
        question); ``NluUnavailable`` if there is none."""
        count = len(self._replicas)
        for step in range(count):
            index = (self._next + step) % count
            replica = self._replicas[index]
            if not replica.breaker.skipping and replica is not avoid:
                self._next = (index + 1) % count
                return replica
        if count == 1:
            self._replicas[0].breaker.check()  # raises: its own "Rasa paused after ..."
        raise NluUnavailable(f"Rasa paused: all {count} replicas failed parses in a row")

    async def take_turn(self, timeout: float, avoid: Replica | None = None) -> Replica:
        """Wait at most ``timeout`` for a turn on the picked replica; the caller releases it.

        The replica is picked before the wait, so a paused one costs no waiting; if it is
        paused while the question waits, the question takes the next replica's turn instead.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            replica = self.pick(avoid)
            try:
                async with asyncio.timeout_at(deadline):
                    await replica.turns.acquire()
            except TimeoutError:
                raise NluUnavailable(f"Rasa busy: no turn to parse within {timeout:g} s") from None
            if not replica.breaker.skipping:
                return replica
            # Paused (or being tried by another question) while this one waited for the turn,
            # which then did suspend, so this loop never spins: try the next replica.
            replica.turns.release()

"""Load generators: closed loops at a fixed concurrency, and an open loop at a fixed rate."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    """Completed requests and their latencies (seconds) over a measured window."""

    concurrency: int
    completed: int
    failed: int
    seconds: float
    latencies: tuple[float, ...]

    @property
    def throughput(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[
            round(share * 100) - 1
        ]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    @property
    def slowest(self) -> float:
        return max(self.latencies, default=float("nan"))


Request = Callable[[str, int], Awaitable[float]]
"""Send one question as one user; return its latency in seconds (raise on failure)."""


async def closed_loop(
    request: Request,
    questions: Iterator[str],
    users: Iterator[int],
    *,
    concurrency: int,
    seconds: float,
    max_requests: int = 100_000,
) -> LoadResult:
    """``concurrency`` workers each send, wait for the answer, and send again until time is up."""
    latencies: list[float] = []
    failed = 0
    budget = itertools.count()
    started = time.perf_counter()
    deadline = started + seconds
    finished = started

    async def worker() -> None:
        nonlocal failed, finished
        while time.perf_counter() < deadline and next(budget) < max_requests:
            try:
                latencies.append(await request(next(questions), next(users)))
            except Exception:  # a failed request is counted, not fatal
                failed += 1
            finished = time.perf_counter()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LoadResult(concurrency, len(latencies), failed, finished - started, tuple(latencies))


@dataclass(frozen=True)
class BurstResult:
    """An open-loop burst: how many were sent, answered, and when the last answer came."""

    rate: int
    seconds: float
    sent: int
    answered: int
    send_window: float
    drain_seconds: float
    latencies: tuple[float, ...]

    @property
    def lost(self) -> int:
        return self.sent - self.answered

    @property
    def replies(self) -> LoadResult:
        """The answered requests' latencies, for their percentiles."""
        return LoadResult(0, self.answered, self.lost, self.seconds, self.latencies)


async def open_loop_burst(
    request: Request,
    questions: Iterator[str],
    users: Iterator[int],
    *,
    rate: int,
    seconds: float,
) -> BurstResult:
    """Send ``rate`` messages a second for ``seconds`` regardless of answers; wait for all."""
    total = int(rate * seconds)
    loop_start = time.perf_counter()
    answered_at: list[float] = []
    latencies: list[float] = []

    async def one(question: str, user: int) -> None:
        latencies.append(await request(question, user))
        answered_at.append(time.perf_counter())

    tasks = []
    for index in range(total):
        delay = loop_start + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(next(questions), next(users))))
    last_sent = time.perf_counter()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    answered = sum(1 for outcome in outcomes if not isinstance(outcome, BaseException))
    drain = (max(answered_at) - last_sent) if answered_at else float("nan")
    return BurstResult(
        rate, seconds, total, answered, last_sent - loop_start, max(drain, 0.0), tuple(latencies)
    )

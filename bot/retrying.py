"""The one retry policy of the bot (tenacity): what is retried, how often, how long apart.

Only failures that a second try can fix, and that cannot repeat an effect, are retried:
- a database that is locked, unreachable, too slow (a statement cancelled by its timeout) or
  out of free connections (``database``): a transaction that failed was rolled back;
- a Telegram request (``telegram_request``) refused by flood control — a 429 says the message
  was not sent and how long to wait — or that failed before Telegram answered it for a reason
  other than a timeout (connection refused or reset, Telegram's 502);
- a connection to Rasa that could not be opened (``rasa_connect``): nothing reached Rasa.

A send that timed out is not retried: it may have been delivered, and a reply sent twice is
worse than one the user asks for again. A request Telegram refused (400, 403) is not either.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    before_sleep_log,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from bot.storage.database import is_transient

logger = logging.getLogger(__name__)

T = TypeVar("T")

DATABASE_ATTEMPTS = 3
DATABASE_FIRST_WAIT_SECONDS = 0.5
TELEGRAM_ATTEMPTS = 10
"""Tries of one Telegram request. A reply, a ticket card or a relayed answer must wait out flood
control, not be dropped (four tries lost replies); ten 429s in a row for one send mean the send
budget is set too high."""
TELEGRAM_FIRST_WAIT_SECONDS = 0.5


def database() -> AsyncRetrying:
    """Retry a transaction that failed for a passing reason (``is_transient``): 3 tries, 0.5 s
    then 1 s apart; then the error goes to the caller."""
    return AsyncRetrying(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(DATABASE_ATTEMPTS),
        wait=wait_exponential(multiplier=DATABASE_FIRST_WAIT_SECONDS, max=4),
        before_sleep=before_sleep_log(logger, logging.WARNING),
        reraise=True,
    )


def retry_after_seconds(error: RetryAfter) -> float:
    """How long a 429 says to wait."""
    with warnings.catch_warnings():  # PTB 22 warns that it will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        delay = error.retry_after
    return delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)


def _wait_retry_after(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    return retry_after_seconds(error) if isinstance(error, RetryAfter) else 1.0


def rasa_connect() -> AsyncRetrying:
    """Try once more, at once, when a connection to Rasa could not be opened."""
    return AsyncRetrying(
        retry=retry_if_exception_type(httpx.ConnectError),
        stop=stop_after_attempt(2),
        reraise=True,
    )


async def call(policy: AsyncRetrying, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` under ``policy``; its last error is raised when the policy gives up."""

    async def attempt() -> T:  # tenacity awaits only what is a coroutine function itself
        return await work()

    return await policy(attempt)


def _retryable_telegram_error(error: BaseException) -> bool:
    if isinstance(error, RetryAfter):
        return True
    return isinstance(error, NetworkError) and not isinstance(error, TimedOut | BadRequest)


def _telegram_wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, RetryAfter):
        return _wait_retry_after(state)
    return min(TELEGRAM_FIRST_WAIT_SECONDS * 2 ** (state.attempt_number - 1), 5.0)


def telegram_request() -> AsyncRetrying:
    """Wait out a 429 as long as Telegram says; try a request that failed before Telegram
    answered (not a timeout) again after 0.5, 1, 2 … 5 s; ``TELEGRAM_ATTEMPTS`` tries in all."""
    return AsyncRetrying(
        retry=retry_if_exception(_retryable_telegram_error),
        stop=stop_after_attempt(TELEGRAM_ATTEMPTS),
        wait=_telegram_wait,
        before_sleep=before_sleep_log(logger, logging.WARNING),
        reraise=True,
    )

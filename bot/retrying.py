"""The one retry policy of the bot (tenacity): what is retried, how often, how long apart.

Only failures that a second try can fix, and that cannot repeat an effect, are retried:
- a locked or unreachable database (``database``): a transaction that failed was rolled back;
- Telegram's flood control (``flood_control``): a 429 says the message was not sent and how
  long to wait;
- a connection to Rasa that could not be opened (``rasa_connect``): nothing reached Rasa.

A send that failed in another way is not retried: it may have been delivered, and a reply
sent twice is worse than one the user asks for again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from sqlalchemy.exc import DBAPIError
from telegram.error import RetryAfter
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
FLOOD_ATTEMPTS = 5
"""A 429 waited out this many times in a row for one send: the send budget is set too high."""


def _is_transient_database_error(error: BaseException) -> bool:
    return isinstance(error, DBAPIError) and is_transient(error)


def database() -> AsyncRetrying:
    """Retry a transaction the database refused for being locked or unreachable: 3 tries,
    0.5 s then 1 s apart; then the error goes to the caller."""
    return AsyncRetrying(
        retry=retry_if_exception(_is_transient_database_error),
        stop=stop_after_attempt(DATABASE_ATTEMPTS),
        wait=wait_exponential(multiplier=DATABASE_FIRST_WAIT_SECONDS, max=4),
        before_sleep=before_sleep_log(logger, logging.WARNING),
        reraise=True,
    )


def _wait_retry_after(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, RetryAfter):
        delay = error.retry_after
        return delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
    return 1.0


def flood_control() -> AsyncRetrying:
    """Wait out Telegram's 429 as long as it says, up to ``FLOOD_ATTEMPTS`` tries."""
    return AsyncRetrying(
        retry=retry_if_exception_type(RetryAfter),
        stop=stop_after_attempt(FLOOD_ATTEMPTS),
        wait=_wait_retry_after,
        before_sleep=before_sleep_log(logger, logging.WARNING),
        reraise=True,
    )


def rasa_connect() -> AsyncRetrying:
    """Try once more, at once, when a connection to Rasa could not be opened."""
    return AsyncRetrying(
        retry=retry_if_exception_type(httpx.ConnectError),
        stop=stop_after_attempt(2),
        reraise=True,
    )


async def call(policy: AsyncRetrying, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` under ``policy``; its last error is raised when the policy gives up."""
    return await policy(work)

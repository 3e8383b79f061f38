"""Failure injection and optional Telegram-like flood control."""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass

from .models import ApiError, too_many_requests

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: "Forbidden: injected failure",
    404: "Not Found",
    409: "Conflict: injected failure",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
SENDING_METHODS = frozenset(
    {"sendmessage", "sendphoto", "senddocument", "copymessage", "forwardmessage"}
)


@dataclass
class _Injection:
    method: str  # lower-case method name, or "*" for any method
    remaining: int
    error: ApiError | None
    delay: float = 0.0


@dataclass
class _Outage:
    chat_id: int
    until: float  # time.monotonic()
    error_code: int
    retry_after: int | None


class FaultPlan:
    """What the next matching requests should suffer, consumed first come first served;
    and chats that refuse every request for a while."""

    def __init__(self) -> None:
        self._injections: list[_Injection] = []
        self._outages: list[_Outage] = []

    def fail(
        self,
        method: str,
        count: int,
        *,
        error_code: int,
        retry_after: int | None,
        description: str | None,
    ) -> None:
        if error_code == 429:
            error = too_many_requests(retry_after or 1)
            if description:
                error.description = description
        else:
            text = description or _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
            error = ApiError(error_code, text)
        self._injections.append(_Injection(method.lower(), count, error))

    def delay(self, method: str, seconds: float, count: int) -> None:
        self._injections.append(_Injection(method.lower(), count, None, seconds))

    def take(self, method: str) -> _Injection | None:
        for injection in self._injections:
            if injection.method in (method.lower(), "*"):
                injection.remaining -= 1
                if injection.remaining <= 0:
                    self._injections.remove(injection)
                return injection
        return None

    def refuse_chat(
        self, chat_id: int, until: float, *, error_code: int, retry_after: int | None
    ) -> None:
        self._outages.append(_Outage(chat_id, until, error_code, retry_after))

    def refusal(self, chat_id: object, now: float) -> ApiError | None:
        """The error a request about `chat_id` gets now, if that chat is refusing."""
        self._outages = [outage for outage in self._outages if outage.until > now]
        for outage in self._outages:
            if outage.chat_id == chat_id:
                if outage.error_code == 429:
                    wait = outage.retry_after or max(1, math.ceil(outage.until - now))
                    return too_many_requests(wait)
                text = _DEFAULT_DESCRIPTIONS.get(outage.error_code, f"Error {outage.error_code}")
                return ApiError(outage.error_code, text)
        return None

    def clear(self) -> None:
        self._injections.clear()
        self._outages.clear()


class FloodControl:
    """Telegram's documented send limits: ~30 messages/s overall, 20/min per group."""

    def __init__(
        self,
        *,
        global_per_second: int = 30,
        group_per_minute: int = 20,
        private_per_second: int | None = None,
    ) -> None:
        self.global_per_second = global_per_second
        self.group_per_minute = group_per_minute
        self.private_per_second = private_per_second
        self._global: deque[float] = deque()
        self._chats: defaultdict[int, deque[float]] = defaultdict(deque)

    @staticmethod
    def _wait(window: deque[float], limit: int, period: float, now: float) -> float:
        while window and window[0] <= now - period:
            window.popleft()
        return 0.0 if len(window) < limit else window[0] + period - now

    def admit(self, chat_id: object, now: float) -> None:
        """Count one message to `chat_id`, or raise 429 with Telegram's retry_after."""
        windows = [(self._global, self.global_per_second, 1.0)]
        if isinstance(chat_id, int) and chat_id < 0:
            windows.append((self._chats[chat_id], self.group_per_minute, 60.0))
        elif isinstance(chat_id, int) and self.private_per_second:
            windows.append((self._chats[chat_id], self.private_per_second, 1.0))
        wait = max(self._wait(window, limit, period, now) for window, limit, period in windows)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for window, _, _ in windows:
            window.append(now)

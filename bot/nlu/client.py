"""HTTP client for the Rasa NLU service (``POST /model/parse``)."""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType

import httpx

from bot.http_transport import AiohttpTransport
from bot.nlu.breaker import RasaBreaker
from bot.nlu.result import NluResult, NluUnavailable
from bot.settings import RasaSettings

logger = logging.getLogger(__name__)


DEFAULT_PARSES_IN_FLIGHT = 4
DEFAULT_QUEUE_TIMEOUT_SECONDS = 30.0
DEFAULT_BREAKER_FAILURES = 3
DEFAULT_BREAKER_PAUSE_SECONDS = 15.0


class NluClient:
    """One long-lived ``httpx.AsyncClient`` to a Rasa server; create once, close on shutdown.

    At most ``parses_in_flight`` parses are sent at once; the others wait here, first come
    first served, at most ``queue_timeout_seconds``. Rasa parses one message at a time, so a
    few requests keep it busy; more only queue inside Rasa, and not in order: ramping up to 32
    questions at once against one Rasa, requests on connections opened while it was busy
    waited up to 3.1 s while those on its open connections were served (median 0.19 s). Queued
    here in front of 4 connections, the slowest took 0.27–0.30 s (``python -m bench.ramp``).

    After ``breaker_failures`` parses in a row fail, questions skip Rasa for
    ``breaker_pause_seconds`` (``RasaBreaker``) instead of each waiting out a timeout.

    Its I/O goes through ``AiohttpTransport`` unless a ``transport`` is given.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth_token: str | None = None,
        timeout_seconds: float = 5.0,
        connect_timeout_seconds: float = 2.0,
        parses_in_flight: int = DEFAULT_PARSES_IN_FLIGHT,
        queue_timeout_seconds: float = DEFAULT_QUEUE_TIMEOUT_SECONDS,
        breaker: RasaBreaker | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._params = {"token": auth_token} if auth_token else {}
        self.breaker = breaker or RasaBreaker(
            failures=DEFAULT_BREAKER_FAILURES, pause_seconds=DEFAULT_BREAKER_PAUSE_SECONDS
        )
        self._in_flight = asyncio.Semaphore(parses_in_flight)  # first come, first served
        self._queue_timeout = queue_timeout_seconds
        max_connections = parses_in_flight + 1  # and one for /status
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_seconds, connect=connect_timeout_seconds),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            transport=transport or AiohttpTransport(max_connections=max_connections),
        )

    @classmethod
    def from_settings(
        cls, settings: RasaSettings, *, url: str, auth_token: str | None
    ) -> NluClient:
        """A client with the configured timeouts and limits."""
        return cls(
            url,
            auth_token=auth_token,
            timeout_seconds=settings.timeout_seconds,
            connect_timeout_seconds=settings.connect_timeout_seconds,
            parses_in_flight=settings.parses_in_flight,
            queue_timeout_seconds=settings.queue_timeout_seconds,
            breaker=RasaBreaker(
                failures=settings.breaker_failures,
                pause_seconds=settings.breaker_pause_seconds,
            ),
        )

    async def parse(self, text: str) -> NluResult:
        """Classify one message; raise ``NluUnavailable`` when Rasa cannot answer in time."""
        self.breaker.check()  # a paused Rasa: fail now, not after waiting for a turn
        try:
            async with asyncio.timeout(self._queue_timeout):
                await self._in_flight.acquire()
        except TimeoutError:
            raise NluUnavailable(
                f"Rasa busy: no turn to parse within {self._queue_timeout:g} s"
            ) from None
        try:
            with self.breaker.attempt():
                return await self._parse(text)
        finally:
            self._in_flight.release()

    async def _parse(self, text: str) -> NluResult:
        try:
            response = await self._post_parse(text)
        except httpx.ConnectError:
            logger.info("Rasa connect error, retrying once")
            try:
                response = await self._post_parse(text)
            except httpx.HTTPError as error:
                raise NluUnavailable(f"Rasa unreachable: {error!r}") from error
        except httpx.HTTPError as error:
            raise NluUnavailable(f"Rasa request failed: {error!r}") from error
        if response.status_code != httpx.codes.OK:
            raise NluUnavailable(f"Rasa answered HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError as error:
            raise NluUnavailable("Rasa answered with invalid JSON") from error
        return NluResult.from_rasa(text, payload)

    async def is_ready(self) -> bool:
        """Return True when the server answers ``/status`` with a loaded model."""
        try:
            response = await self._http.get("/status", params=self._params)
        except httpx.HTTPError:
            return False
        if response.status_code != httpx.codes.OK:
            return False
        return bool(response.json().get("model_id"))

    async def model_id(self) -> str | None:
        """Return the id of the loaded model (changes when the model is replaced)."""
        response = await self._http.get("/status", params=self._params)
        response.raise_for_status()
        model_id = response.json().get("model_id")
        return str(model_id) if model_id else None

    async def _post_parse(self, text: str) -> httpx.Response:
        return await self._http.post("/model/parse", params=self._params, json={"text": text})

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> NluClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

"""HTTP client for the Rasa NLU service (``POST /model/parse``), one server or several."""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType

import httpx

from bot import retrying
from bot.http_transport import AiohttpTransport
from bot.log_redaction import register_secret
from bot.nlu.breaker import RasaBreaker
from bot.nlu.replicas import Replica, Replicas
from bot.nlu.result import NluResult, NluUnavailable
from bot.settings import RasaSettings

logger = logging.getLogger(__name__)


DEFAULT_PARSES_IN_FLIGHT = 4
DEFAULT_QUEUE_TIMEOUT_SECONDS = 30.0
DEFAULT_BREAKER_FAILURES = 3
DEFAULT_BREAKER_PAUSE_SECONDS = 15.0


class NluClient:
    """One long-lived ``httpx.AsyncClient`` to Rasa; create once, close on shutdown.

    ``url`` is one Rasa server or several replicas, comma-separated (``RASA_URL``). Parses go
    to the replicas in turn (``Replicas.pick``: the one place that picks a parse's replica);
    ``/status`` asks them all. A single URL works as it always has.

    At most ``parses_in_flight`` parses are sent to each replica at once (the limit is per
    replica, as is the queue); the others wait here, first come first served, at most
    ``queue_timeout_seconds``. Rasa parses one message at a time, so a few requests keep it
    busy; more only queue inside Rasa, and not in order: ramping up to 32 questions at once
    against one Rasa, requests on connections opened while it was busy waited up to 3.1 s
    while those on its open connections were served (median 0.19 s). Queued here in front of
    4 connections, the slowest took 0.27–0.30 s (``python -m bench.ramp``).

    After ``breaker_failures`` parses in a row fail on a replica, questions skip it for
    ``breaker_pause_seconds`` (``RasaBreaker``, one per replica) instead of each waiting out a
    timeout: they go to the other replicas, and fail at once only when all are paused. A
    single URL's breaker is ``breaker``; with several, each replica gets one like it.
    """

    def __init__(
        self,
        url: str,
        *,
        auth_token: str | None = None,
        timeout_seconds: float = 5.0,
        connect_timeout_seconds: float = 2.0,
        parses_in_flight: int = DEFAULT_PARSES_IN_FLIGHT,
        queue_timeout_seconds: float = DEFAULT_QUEUE_TIMEOUT_SECONDS,
        breaker: RasaBreaker | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        register_secret(auth_token)  # it travels in every URL's query (a local Rasa's too)
        self._params = {"token": auth_token} if auth_token else {}
        self.replicas = Replicas(
            url,
            breaker=breaker
            or RasaBreaker(
                failures=DEFAULT_BREAKER_FAILURES, pause_seconds=DEFAULT_BREAKER_PAUSE_SECONDS
            ),
            parses_in_flight=parses_in_flight,
        )
        self._queue_timeout = queue_timeout_seconds
        max_connections = (parses_in_flight + 1) * len(self.replicas)  # and one for /status
        self._http = httpx.AsyncClient(
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

    @property
    def breakers(self) -> tuple[RasaBreaker, ...]:
        """The breaker of each replica, in the order of ``url``."""
        return tuple(replica.breaker for replica in self.replicas)

    async def parse(self, text: str) -> NluResult:
        """Classify one message; raise ``NluUnavailable`` when Rasa cannot answer in time.

        Among several replicas, a parse that fails on one (a replica that died and is not yet
        paused) goes to the next in turn once: the question is not handed to a consultant
        while another replica is answering.
        """
        tries, failed = min(2, len(self.replicas)), None
        for attempt in range(1, tries + 1):
            replica = await self.replicas.take_turn(self._queue_timeout, avoid=failed)
            try:
                with replica.breaker.attempt():
                    return await self._parse(replica, text)
            except NluUnavailable as error:
                if attempt == tries:
                    raise
                logger.info("%s; trying the next replica", error)
                failed = replica
            finally:
                replica.turns.release()
        raise AssertionError("unreachable")

    async def _parse(self, replica: Replica, text: str) -> NluResult:
        try:
            response = await retrying.call(
                retrying.rasa_connect(), lambda: self._post_parse(replica.url, text)
            )
        except httpx.ConnectError as error:
            raise NluUnavailable(f"{replica.name} unreachable: {error!r}") from error
        except httpx.HTTPError as error:
            raise NluUnavailable(f"{replica.name} request failed: {error!r}") from error
        if response.status_code != httpx.codes.OK:
            raise NluUnavailable(f"{replica.name} answered HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError as error:
            raise NluUnavailable(f"{replica.name} answered with invalid JSON") from error
        return NluResult.from_rasa(text, payload)

    async def is_ready(self) -> bool:
        """Return True when a replica answers ``/status`` with a loaded model."""
        return any(await asyncio.gather(*(self._is_ready(replica) for replica in self.replicas)))

    async def _is_ready(self, replica: Replica) -> bool:
        try:
            response = await self._get_status(replica)
        except httpx.HTTPError:
            return False
        if response.status_code != httpx.codes.OK:
            return False
        return bool(response.json().get("model_id"))

    async def model_id(self) -> str | None:
        """Return the id of the loaded model (changes when the model is replaced).

        With several replicas: the distinct ids of those that answered, sorted and
        comma-separated, so it changes when any replica loads another model; it raises only
        when none answered.
        """
        answers = await asyncio.gather(
            *(self._model_id(replica) for replica in self.replicas), return_exceptions=True
        )
        failures = [answer for answer in answers if isinstance(answer, BaseException)]
        if len(failures) == len(answers) or any(
            not isinstance(failure, httpx.HTTPError | ValueError) for failure in failures
        ):
            raise failures[0]
        return ",".join(sorted({answer for answer in answers if isinstance(answer, str)})) or None

    async def _model_id(self, replica: Replica) -> str | None:
        response = await self._get_status(replica)
        response.raise_for_status()
        model_id = response.json().get("model_id")
        return str(model_id) if model_id else None

    async def _get_status(self, replica: Replica) -> httpx.Response:
        return await self._http.get(f"{replica.url}/status", params=self._params)

    async def _post_parse(self, url: str, text: str) -> httpx.Response:
        return await self._http.post(f"{url}/model/parse", params=self._params, json={"text": text})

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

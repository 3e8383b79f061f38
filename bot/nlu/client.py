"""HTTP client for the Rasa NLU service (``POST /model/parse``)."""

from __future__ import annotations

import logging
from types import TracebackType

import httpx

from bot.http_transport import AiohttpTransport
from bot.nlu.result import NluResult, NluUnavailable
from bot.settings import RasaSettings

logger = logging.getLogger(__name__)


class NluClient:
    """One long-lived ``httpx.AsyncClient`` to a Rasa server; create once, close on shutdown.

    Its I/O goes through ``AiohttpTransport`` unless a ``transport`` is given.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth_token: str | None = None,
        timeout_seconds: float = 5.0,
        connect_timeout_seconds: float = 2.0,
        max_connections: int = 64,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._params = {"token": auth_token} if auth_token else {}
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
        """A client with the configured timeouts and connection limit."""
        return cls(
            url,
            auth_token=auth_token,
            timeout_seconds=settings.timeout_seconds,
            connect_timeout_seconds=settings.connect_timeout_seconds,
            max_connections=settings.max_connections,
        )

    async def parse(self, text: str) -> NluResult:
        """Classify one message; raise ``NluUnavailable`` when Rasa cannot answer."""
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

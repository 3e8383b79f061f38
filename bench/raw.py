"""Rasa's ``/model/parse`` loaded straight, without the bot: the reference beside each figure."""

from __future__ import annotations

import time

import httpx

from bot.nlu.rasa_server import RasaProcess


class RawParse:
    """One HTTP client posting questions to Rasa, as many at once as the load sends."""

    def __init__(self, rasa: RasaProcess) -> None:
        self._http = httpx.AsyncClient(
            base_url=rasa.url,
            params={"token": rasa.auth_token},
            timeout=30.0,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )

    async def parse(self, question: str, user_id: int) -> float:
        """Parse one question; return seconds until Rasa's answer was read."""
        started = time.perf_counter()
        response = await self._http.post("/model/parse", json={"text": question})
        response.raise_for_status()
        response.json()
        return time.perf_counter() - started

    async def aclose(self) -> None:
        await self._http.aclose()

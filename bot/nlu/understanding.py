"""The path every question takes: NLU parse, then the policy. Shared by the bot and the CLI."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.nlu.client import NluClient
from bot.nlu.policy import Decision, decide
from bot.nlu.rasa_server import local_rasa_server
from bot.nlu.result import NluResult
from bot.nlu.training import train_model
from bot.settings import PolicySettings, Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Understood:
    """The NLU result for a message and the decision taken on it."""

    result: NluResult
    decision: Decision


class Understanding:
    """Read a question: classify it with Rasa and decide the action with the policy."""

    def __init__(self, client: NluClient, policy: PolicySettings) -> None:
        self.client = client
        self.policy = policy

    async def read(self, text: str) -> Understood:
        """Return the reading of one message; raises ``NluUnavailable`` when Rasa is down."""
        result = await self.client.parse(text)
        return Understood(result, decide(result, self.policy))


@asynccontextmanager
async def nlu_client(settings: Settings) -> AsyncIterator[NluClient]:
    """Yield a client for ``RASA_URL``, or for a local Rasa server run for the block."""
    rasa = settings.rasa
    if rasa.url:
        token = rasa.auth_token.get_secret_value() if rasa.auth_token else None
        async with NluClient.from_settings(rasa, url=rasa.url, auth_token=token) as client:
            yield client
        return
    model = train_model().model_path
    async with (
        local_rasa_server(model, timeout=rasa.startup_timeout_seconds) as server,
        NluClient.from_settings(rasa, url=server.url, auth_token=server.auth_token) as client,
    ):
        yield client

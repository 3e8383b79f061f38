"""Shared fixtures: a real Rasa server trained on the project's data, for the whole session."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.nlu.rasa_server import RasaProcess
from bot.nlu.training import train_model


@dataclass(frozen=True)
class RunningRasa:
    url: str
    auth_token: str
    pid: int


@pytest.fixture(scope="session")
def rasa_server() -> Iterator[RunningRasa]:
    """Train (or reuse, by fingerprint) the model and serve it on a free loopback port."""
    model = train_model().model_path
    server = RasaProcess(model)
    server.start()
    try:
        asyncio.run(server.wait_ready(timeout=240))
        assert server.pid is not None
        yield RunningRasa(server.url, server.auth_token, server.pid)
    finally:
        server.stop()

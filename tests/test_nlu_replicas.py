"""Several Rasa replicas behind one NluClient, and a local Rasa server on a free port."""

import asyncio
import json
import socket
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from bot.nlu.breaker import RasaBreaker
from bot.nlu.client import NluClient
from bot.nlu.rasa_server import RasaProcess
from bot.nlu.replicas import split_urls
from bot.nlu.result import NluUnavailable
from bot.settings import DEFAULT_CONFIG_PATH, RasaSettings, load_settings
from tests.test_nlu_breaker import PAUSE, Clock
from tests.test_nlu_client import PARSE_PAYLOAD, settle

TWO = "http://a:5005,http://b:5005"


class CannedReplicas:
    """Canned Rasa servers told apart by host: each answers 500 while down; a question can be
    held until its event is set; ``/status`` gives each host's model id."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []
        self.down: set[str] = set()
        self.held: dict[str, asyncio.Event] = {}
        self.models: dict[str, str] = {"a": "m1", "b": "m1"}

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if request.url.path == "/status":
            if host in self.down:
                return httpx.Response(500)
            return httpx.Response(200, json={"model_id": self.models[host]})
        assert request.url.path == "/model/parse"
        text = json.loads(request.content)["text"]
        self.asked.append((host, text))
        if text in self.held:
            await self.held[text].wait()
        if host in self.down:
            return httpx.Response(500, text="model not loaded")
        return httpx.Response(200, json={**PARSE_PAYLOAD, "text": text})

    def hosts(self) -> list[str]:
        return [host for host, _ in self.asked]


@pytest.fixture
def rasa() -> CannedReplicas:
    return CannedReplicas()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def client_for(
    url: str, rasa: CannedReplicas, clock: Clock, *, failures: int = 3, parses_in_flight: int = 4
) -> NluClient:
    return NluClient(
        url,
        parses_in_flight=parses_in_flight,
        breaker=RasaBreaker(failures=failures, pause_seconds=PAUSE, clock=clock),
        transport=httpx.MockTransport(rasa),
    )


async def ask(client: NluClient, *texts: str) -> None:
    for text in texts:
        assert (await asyncio.wait_for(client.parse(text), 1.0)).text == text


async def test_parses_go_to_the_replicas_in_turn(rasa: CannedReplicas, clock: Clock) -> None:
    async with client_for(TWO, rasa, clock) as client:
        await ask(client, "q1", "q2", "q3", "q4", "q5")
    assert rasa.asked == [("a", "q1"), ("b", "q2"), ("a", "q3"), ("b", "q4"), ("a", "q5")]


async def test_a_failing_replica_is_paused_and_the_other_serves_every_question(
    rasa: CannedReplicas, clock: Clock
) -> None:
    rasa.down = {"a"}
    async with client_for(TWO, rasa, clock) as client:
        await ask(client, "q1", "q2", "q3")  # a fails each (three in a row); b answers each
        assert [breaker.paused for breaker in client.breakers] == [True, False]
        await ask(client, "q4", "q5")
        assert rasa.hosts() == ["a", "b", "a", "b", "a", "b", "b", "b"]

        rasa.down = set()
        clock.now += PAUSE  # the pause is over: a is tried again, and back in the round
        await ask(client, "q6", "q7", "q8")
    assert rasa.hosts()[8:] == ["a", "b", "a"]
    assert [breaker.paused for breaker in client.breakers] == [False, False]


async def test_a_question_whose_replica_is_paused_while_it_waits_goes_to_another(
    rasa: CannedReplicas, clock: Clock
) -> None:
    async with client_for(TWO, rasa, clock, failures=1, parses_in_flight=1) as client:
        rasa.held["slow"] = asyncio.Event()
        slow = asyncio.create_task(client.parse("slow"))  # a's only turn
        await settle()
        await ask(client, "b1")
        waiting = asyncio.create_task(client.parse("q"))  # a's turn next: waits for slow
        await settle()
        rasa.down = {"a"}
        rasa.held["slow"].set()  # slow fails: a is paused while q waits for its turn there
        assert (await asyncio.wait_for(waiting, 1.0)).text == "q"
        assert (await asyncio.wait_for(slow, 1.0)).text == "slow"  # tried again on b
    assert rasa.asked[:2] == [("a", "slow"), ("b", "b1")]
    assert sorted(rasa.asked[2:]) == [("b", "q"), ("b", "slow")]


async def test_when_every_replica_is_paused_a_question_fails_at_once(
    rasa: CannedReplicas, clock: Clock
) -> None:
    rasa.down = {"a", "b"}
    async with client_for(TWO, rasa, clock, failures=1, parses_in_flight=1) as client:
        with pytest.raises(NluUnavailable, match="Rasa at http://b:5005 answered HTTP 500"):
            await client.parse("q1")  # a fails, then b: both paused
        with pytest.raises(NluUnavailable, match="all 2 replicas"):
            await asyncio.wait_for(client.parse("q2"), 1.0)
        assert rasa.asked == [("a", "q1"), ("b", "q1")]  # q2 reached neither

        rasa.down = {"a"}
        clock.now += PAUSE  # each replica is tried again
        await ask(client, "q3")  # a fails it again; b answers
        await ask(client, "q4", "q5")
    assert rasa.asked[2:] == [("a", "q3"), ("b", "q3"), ("b", "q4"), ("b", "q5")]


async def test_when_every_replica_is_paused_a_question_does_not_wait_for_a_turn(
    rasa: CannedReplicas, clock: Clock
) -> None:
    async with client_for(TWO, rasa, clock, failures=1, parses_in_flight=1) as client:
        rasa.held["hanging"] = asyncio.Event()
        hanging = asyncio.create_task(client.parse("hanging"))  # holds a's only turn
        await settle()
        for breaker in client.breakers:  # another parse fails on each: both paused
            with pytest.raises(NluUnavailable), breaker.attempt():
                raise NluUnavailable("Rasa request failed")
        with pytest.raises(NluUnavailable, match="all 2 replicas"):
            await asyncio.wait_for(client.parse("q2"), 1.0)
        hanging.cancel()
        await asyncio.gather(hanging, return_exceptions=True)
    assert rasa.asked == [("a", "hanging")]


async def test_a_single_url_has_the_given_breaker_and_its_messages(
    rasa: CannedReplicas, clock: Clock
) -> None:
    rasa.down = {"a"}
    breaker = RasaBreaker(failures=1, pause_seconds=PAUSE, clock=clock)
    async with NluClient(
        "http://a:5005/", breaker=breaker, transport=httpx.MockTransport(rasa)
    ) as client:
        assert client.breakers == (breaker,)
        with pytest.raises(NluUnavailable, match=r"^Rasa answered HTTP 500$"):
            await client.parse("q1")
        with pytest.raises(NluUnavailable, match=r"^Rasa paused after 1 failed parses in a row$"):
            await client.parse("q2")
        rasa.down = set()
        clock.now += PAUSE
        await ask(client, "q3", "q4")
    assert rasa.asked == [("a", "q1"), ("a", "q3"), ("a", "q4")]


async def test_blanks_empty_entries_and_trailing_slashes_in_the_urls_are_ignored(
    rasa: CannedReplicas, clock: Clock
) -> None:
    url = " http://a:5005/ ,, http://b:5005 , "
    assert split_urls(url) == ("http://a:5005", "http://b:5005")
    async with client_for(url, rasa, clock) as client:
        assert len(client.replicas) == 2
        await ask(client, "q1", "q2", "q3")
    assert rasa.hosts() == ["a", "b", "a"]


def test_rasa_url_from_the_environment_names_the_replicas() -> None:
    settings = load_settings(
        DEFAULT_CONFIG_PATH, environ={"RASA_URL": "http://a:5005, http://b:5005,"}
    )
    assert settings.rasa.url is not None
    client = NluClient.from_settings(settings.rasa, url=settings.rasa.url, auth_token=None)
    assert [replica.url for replica in client.replicas] == ["http://a:5005", "http://b:5005"]
    with pytest.raises(ValidationError, match="no Rasa URL"):
        load_settings(DEFAULT_CONFIG_PATH, environ={"RASA_URL": " , ,"})
    with pytest.raises(ValueError, match="No Rasa URL"):
        split_urls(" , ")


async def test_model_id_of_several_replicas_changes_when_any_replica_changes(
    rasa: CannedReplicas, clock: Clock
) -> None:
    async with client_for(TWO, rasa, clock) as client:
        assert await client.model_id() == "m1"
        rasa.models["b"] = "m2"
        assert await client.model_id() == "m1,m2"
        rasa.down = {"a"}
        assert await client.model_id() == "m2"  # a replica that does not answer is left out
        assert await client.is_ready()
        rasa.down = {"a", "b"}
        with pytest.raises(httpx.HTTPStatusError):
            await client.model_id()
        assert not await client.is_ready()


def test_the_local_rasa_server_takes_a_free_port_by_default(tmp_path: Path) -> None:
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"not started")
    assert RasaSettings().port == 0
    port = load_settings(DEFAULT_CONFIG_PATH, environ={}).rasa.port
    assert port == 0
    for server in (RasaProcess(model, port=port), RasaProcess(model)):
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", server.port))  # nothing listens there
    assert RasaProcess(model, port=5005).port == 5005


async def test_a_failed_parse_is_tried_again_on_another_replica_than_the_one_that_failed(
    rasa: CannedReplicas, clock: Clock
) -> None:
    """The round robin points at the failing replica again (q2 went to b meanwhile): the second
    try goes to b all the same."""
    rasa.down = {"a"}
    async with client_for(TWO, rasa, clock) as client:
        rasa.held["q1"] = asyncio.Event()
        first = asyncio.create_task(client.parse("q1"))  # to a, held
        await settle()
        await ask(client, "q2")  # to b; a is next in turn
        rasa.held["q1"].set()  # a fails q1 (not yet paused: one failure of three)
        assert (await asyncio.wait_for(first, 1.0)).text == "q1"
    assert rasa.asked == [("a", "q1"), ("b", "q2"), ("b", "q1")]

"""The NLU client against canned HTTP answers (httpx.MockTransport)."""

import asyncio
import json

import httpx
import pytest

from bot.nlu.client import NluClient
from bot.nlu.result import NluUnavailable

PARSE_PAYLOAD = {
    "text": "boleh like postingan capres?",
    "intent": {"name": "media_sosial", "confidence": 0.91},
    "intent_ranking": [
        {"name": "media_sosial", "confidence": 0.91},
        {"name": "kampanye", "confidence": 0.05},
    ],
    "scope": {"similarity": 0.8, "coverage": 1.0, "neighbour_intent": "media_sosial"},
}


async def test_parse_returns_a_typed_result_and_sends_the_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=PARSE_PAYLOAD)

    async with NluClient(
        "http://rasa", auth_token="t0k", transport=httpx.MockTransport(handler)
    ) as client:
        result = await client.parse("boleh like postingan capres?")
    assert result.intent == "media_sosial"
    assert result.confidence == pytest.approx(0.91)
    assert result.ranking[1] == ("kampanye", 0.05)
    assert result.scope is not None and result.scope.neighbour_intent == "media_sosial"
    assert seen[0].url.path == "/model/parse"
    assert seen[0].url.params["token"] == "t0k"


async def test_connect_error_is_retried_once() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=PARSE_PAYLOAD)

    async with NluClient("http://rasa", transport=httpx.MockTransport(handler)) as client:
        result = await client.parse("x")
    assert calls == 2
    assert result.intent == "media_sosial"


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("broken"),
    ],
)
async def test_transport_failures_become_one_domain_error(failure: httpx.HTTPError) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        failure.request = request
        raise failure

    async with NluClient("http://rasa", transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(NluUnavailable) as caught:
            await client.parse("x")
    assert isinstance(caught.value.__cause__, httpx.HTTPError)


@pytest.mark.parametrize(
    "response",
    [httpx.Response(500, text="boom"), httpx.Response(401), httpx.Response(200, text="not json")],
)
async def test_bad_answers_become_the_domain_error(response: httpx.Response) -> None:
    async with NluClient(
        "http://rasa", transport=httpx.MockTransport(lambda request: response)
    ) as client:
        with pytest.raises(NluUnavailable):
            await client.parse("x")


async def test_empty_intent_is_none() -> None:
    payload = {"text": "", "intent": {"name": None, "confidence": 0.0}, "intent_ranking": []}
    async with NluClient(
        "http://rasa", transport=httpx.MockTransport(lambda r: httpx.Response(200, json=payload))
    ) as client:
        result = await client.parse("")
    assert result.intent is None
    assert result.confidence == 0.0


class HeldRasa:
    """A /model/parse that answers each question only when told to; counts requests in flight."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.in_flight = self.most_in_flight = 0
        self._answer: dict[str, asyncio.Event] = {}

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        text = json.loads(request.content)["text"]
        self.started.append(text)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self._answer.setdefault(text, asyncio.Event()).wait()
        finally:
            self.in_flight -= 1
        return httpx.Response(200, json={**PARSE_PAYLOAD, "text": text})

    def answer(self, *texts: str) -> None:
        for text in texts:
            self._answer.setdefault(text, asyncio.Event()).set()


async def settle() -> None:
    """Let every task that can run, run."""
    for _ in range(20):
        await asyncio.sleep(0)


async def test_parses_beyond_the_limit_wait_their_turn_first_come_first_served() -> None:
    rasa = HeldRasa()
    async with NluClient(
        "http://rasa", parses_in_flight=2, transport=httpx.MockTransport(rasa)
    ) as client:
        parses = {}
        for text in ("q0", "q1", "q2", "q3", "q4"):
            parses[text] = asyncio.create_task(client.parse(text))
            await settle()
        assert rasa.started == ["q0", "q1"]
        rasa.answer("q1")
        await settle()
        assert rasa.started == ["q0", "q1", "q2"]
        parses["q5"] = asyncio.create_task(client.parse("q5"))  # a newcomer queues behind q3, q4
        await settle()
        rasa.answer("q0")
        await settle()
        assert rasa.started == ["q0", "q1", "q2", "q3"]
        rasa.answer("q2", "q3", "q4", "q5")
        results = await asyncio.wait_for(asyncio.gather(*parses.values()), 1.0)
    assert [result.text for result in results] == ["q0", "q1", "q2", "q3", "q4", "q5"]
    assert rasa.started == ["q0", "q1", "q2", "q3", "q4", "q5"]
    assert rasa.most_in_flight == 2


async def test_a_question_that_waits_too_long_for_its_turn_is_unavailable_and_frees_its_place() -> (
    None
):
    rasa = HeldRasa()
    async with NluClient(
        "http://rasa",
        parses_in_flight=1,
        queue_timeout_seconds=0.05,
        transport=httpx.MockTransport(rasa),
    ) as client:
        first = asyncio.create_task(client.parse("q0"))
        await settle()
        with pytest.raises(NluUnavailable, match="busy"):
            await asyncio.wait_for(client.parse("q1"), 1.0)
        rasa.answer("q0", "q2")
        assert (await asyncio.wait_for(first, 1.0)).text == "q0"
        assert (await asyncio.wait_for(client.parse("q2"), 1.0)).text == "q2"
    assert rasa.started == ["q0", "q2"]


async def test_a_cancelled_question_gives_up_its_place_waiting_or_in_flight() -> None:
    rasa = HeldRasa()
    async with NluClient(
        "http://rasa", parses_in_flight=1, transport=httpx.MockTransport(rasa)
    ) as client:
        in_flight = asyncio.create_task(client.parse("q0"))
        await settle()
        waiting = asyncio.create_task(client.parse("q1"))
        await settle()
        waiting.cancel()
        in_flight.cancel()
        await asyncio.gather(in_flight, waiting, return_exceptions=True)
        rasa.answer("q2")
        assert (await asyncio.wait_for(client.parse("q2"), 1.0)).text == "q2"
    assert rasa.started == ["q0", "q2"]

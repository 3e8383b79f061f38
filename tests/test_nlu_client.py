"""The NLU client against canned HTTP answers (httpx.MockTransport)."""

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

"""The NLU client's breaker: a Rasa that keeps failing is skipped for a pause, then tried again."""

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.nlu.breaker import RasaBreaker
from bot.nlu.client import NluClient
from bot.nlu.result import NluResult, NluUnavailable
from tests.test_nlu_client import PARSE_PAYLOAD, settle

PAUSE = 15.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FlakyRasa:
    """/model/parse that answers 500 while ``down``; an ``up`` question can be held."""

    def __init__(self) -> None:
        self.down = False
        self.asked: list[str] = []
        self.held: dict[str, asyncio.Event] = {}

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        text = json.loads(request.content)["text"]
        self.asked.append(text)
        if text in self.held:
            await self.held[text].wait()
        if self.down:
            return httpx.Response(500, text="model not loaded")
        return httpx.Response(200, json={**PARSE_PAYLOAD, "text": text})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def rasa() -> FlakyRasa:
    return FlakyRasa()


@pytest.fixture
async def client(clock: Clock, rasa: FlakyRasa) -> AsyncIterator[NluClient]:
    breaker = RasaBreaker(failures=3, pause_seconds=PAUSE, clock=clock)
    async with NluClient(
        "http://rasa", breaker=breaker, transport=httpx.MockTransport(rasa)
    ) as nlu:
        yield nlu


async def fail(client: NluClient, *texts: str) -> None:
    for text in texts:
        with pytest.raises(NluUnavailable):
            await client.parse(text)


async def sit_out_a_pause(client: NluClient, rasa: FlakyRasa, clock: Clock) -> None:
    """Three failures in a row pause Rasa (q1-q3); then the pause runs out, Rasa still down."""
    rasa.down = True
    await fail(client, "q1", "q2", "q3")
    clock.now += PAUSE


async def ask_held(client: NluClient, rasa: FlakyRasa, text: str) -> asyncio.Task[NluResult]:
    """Ask a question Rasa holds until ``rasa.held[text]`` is set; return once it is in flight."""
    rasa.held[text] = asyncio.Event()
    task = asyncio.create_task(client.parse(text))
    await settle()
    return task


async def test_after_failures_in_a_row_questions_skip_rasa_until_it_answers_again(
    client: NluClient, rasa: FlakyRasa, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    rasa.down = True
    with caplog.at_level(logging.WARNING, logger="bot.nlu.breaker"):
        await fail(client, "q1", "q2", "q3")
    assert "failed 3 parses in a row" in caplog.text
    with pytest.raises(NluUnavailable, match="paused"):
        await client.parse("q4")
    clock.now += PAUSE - 0.1
    await fail(client, "q5")
    assert rasa.asked == ["q1", "q2", "q3"]  # the skipped questions never reached Rasa
    assert client.breakers[0].paused

    rasa.down = False
    clock.now += 0.1
    assert (await client.parse("q6")).text == "q6"
    assert not client.breakers[0].paused
    assert (await client.parse("q7")).text == "q7"
    assert rasa.asked == ["q1", "q2", "q3", "q6", "q7"]


async def test_a_failed_try_after_the_pause_starts_another_pause(
    client: NluClient, rasa: FlakyRasa, clock: Clock
) -> None:
    await sit_out_a_pause(client, rasa, clock)
    await fail(client, "q4", "q5")  # q4 tries Rasa and fails; q5 is skipped
    assert rasa.asked == ["q1", "q2", "q3", "q4"]
    clock.now += PAUSE - 0.1
    await fail(client, "q6")
    clock.now += 0.1
    await fail(client, "q7")
    assert rasa.asked == ["q1", "q2", "q3", "q4", "q7"]


async def test_an_answer_between_failures_starts_the_count_again(
    client: NluClient, rasa: FlakyRasa
) -> None:
    for text in ("q1", "q2", "q3", "q4"):
        rasa.down = text != "q3"
        if rasa.down:
            await fail(client, text)
        else:
            await client.parse(text)
    await fail(client, "q5")  # the second failure in a row, not the fourth
    assert rasa.asked == ["q1", "q2", "q3", "q4", "q5"]
    assert not client.breakers[0].paused


async def test_a_question_waiting_its_turn_is_not_a_failure_of_rasa(
    clock: Clock, rasa: FlakyRasa
) -> None:
    breaker = RasaBreaker(failures=1, pause_seconds=PAUSE, clock=clock)
    async with NluClient(
        "http://rasa",
        parses_in_flight=1,
        queue_timeout_seconds=0.01,
        breaker=breaker,
        transport=httpx.MockTransport(rasa),
    ) as client:
        slow = await ask_held(client, rasa, "slow")
        with pytest.raises(NluUnavailable, match="busy"):
            await client.parse("q1")
        rasa.held["slow"].set()
        await asyncio.wait_for(slow, 1.0)
        assert not breaker.paused
        assert (await client.parse("q2")).text == "q2"


async def test_while_one_question_tries_rasa_the_others_skip_it(
    client: NluClient, rasa: FlakyRasa, clock: Clock
) -> None:
    await sit_out_a_pause(client, rasa, clock)
    rasa.down = False
    trying = await ask_held(client, rasa, "try")
    await fail(client, "q4")
    rasa.held["try"].set()
    assert (await asyncio.wait_for(trying, 1.0)).text == "try"
    assert (await client.parse("q5")).text == "q5"
    assert rasa.asked == ["q1", "q2", "q3", "try", "q5"]


async def test_a_cancelled_try_leaves_the_try_to_the_next_question(
    client: NluClient, rasa: FlakyRasa, clock: Clock
) -> None:
    await sit_out_a_pause(client, rasa, clock)
    rasa.down = False
    cancelled = await ask_held(client, rasa, "cancelled")
    cancelled.cancel()
    await asyncio.gather(cancelled, return_exceptions=True)
    assert (await client.parse("q4")).text == "q4"
    assert rasa.asked == ["q1", "q2", "q3", "cancelled", "q4"]


async def test_while_paused_a_question_does_not_wait_for_a_turn_first(
    clock: Clock, rasa: FlakyRasa
) -> None:
    breaker = RasaBreaker(failures=1, pause_seconds=PAUSE, clock=clock)
    async with NluClient(
        "http://rasa", parses_in_flight=1, breaker=breaker, transport=httpx.MockTransport(rasa)
    ) as client:
        hanging = await ask_held(client, rasa, "hanging")  # holds the only turn
        with pytest.raises(NluUnavailable), breaker.attempt():  # another replica's failure
            raise NluUnavailable("Rasa request failed")
        with pytest.raises(NluUnavailable, match="paused"):
            await asyncio.wait_for(client.parse("q1"), 1.0)
        hanging.cancel()
        await asyncio.gather(hanging, return_exceptions=True)

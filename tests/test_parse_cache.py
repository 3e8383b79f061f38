"""The parse cache in front of Rasa, against canned Rasa answers (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from bot.nlu.cache import ParseCache, normalise_question
from bot.nlu.client import NluClient
from bot.nlu.result import NluUnavailable
from bot.nlu.understanding import Understanding
from bot.settings import PolicySettings


class FakeRasa:
    """Answers /status and /model/parse like Rasa, counting the parses."""

    def __init__(self) -> None:
        self.model_id = "model-1"
        self.parsed: list[str] = []
        self.status_calls = 0
        self.fail_parse = False
        self.parse_delay = 0.0

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/status":
            self.status_calls += 1
            return httpx.Response(200, json={"model_id": self.model_id})
        text = json.loads(request.content)["text"]
        self.parsed.append(text)
        if self.parse_delay:
            await asyncio.sleep(self.parse_delay)
        if self.fail_parse:
            return httpx.Response(500, json={"error": "boom"})
        intent = {"name": "media_sosial", "confidence": 0.9}
        return httpx.Response(200, json={"text": text, "intent": intent, "intent_ranking": []})

    def client(self) -> NluClient:
        return NluClient("http://rasa.test", transport=httpx.MockTransport(self.handle))


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_normalise_question_folds_case_space_and_surrounding_punctuation() -> None:
    assert (
        normalise_question("  Boleh   GAK pns like\tpostingan?? ") == "boleh gak pns like postingan"
    )
    assert normalise_question("“Apa itu netralitas ASN?”") == "apa itu netralitas asn"
    assert normalise_question("pns, boleh?") == "pns, boleh"
    assert normalise_question("?!") == ""


async def test_repeated_question_is_parsed_once() -> None:
    rasa = FakeRasa()
    async with rasa.client() as client:
        cache = ParseCache(client, size=10)
        first = await cache.parse("Boleh like postingan paslon?")
        second = await cache.parse("boleh  like postingan PASLON")
    assert rasa.parsed == ["Boleh like postingan paslon?"]
    assert second.intent == first.intent == "media_sosial"
    assert second.text == "boleh  like postingan PASLON"
    assert (cache.hits, cache.misses) == (1, 1)


async def test_understanding_reads_through_the_cache() -> None:
    rasa = FakeRasa()
    async with rasa.client() as client:
        understanding = Understanding(client, PolicySettings())
        for _ in range(3):
            await understanding.read("apa sanksi pns kampanye")
    assert rasa.parsed == ["apa sanksi pns kampanye"]


async def test_cache_is_bounded_and_drops_the_least_recently_used() -> None:
    rasa = FakeRasa()
    async with rasa.client() as client:
        cache = ParseCache(client, size=2)
        await cache.parse("satu")
        await cache.parse("dua")
        await cache.parse("satu")  # now "dua" is the least recently used
        await cache.parse("tiga")
        assert len(cache) == 2
        await cache.parse("satu")
        await cache.parse("dua")
    assert rasa.parsed == ["satu", "dua", "tiga", "dua"]


async def test_model_change_clears_the_cache_checked_at_most_every_interval() -> None:
    rasa, clock = FakeRasa(), Clock()
    async with rasa.client() as client:
        cache = ParseCache(client, size=10, model_check_seconds=10.0, clock=clock)
        await cache.parse("kampanye")
        rasa.model_id = "model-2"
        clock.now = 5.0
        await cache.parse("kampanye")  # not checked yet: still a hit
        assert rasa.status_calls == 1
        clock.now = 11.0
        await cache.parse("kampanye")
    assert rasa.status_calls == 2
    assert rasa.parsed == ["kampanye", "kampanye"]


async def test_errors_are_not_cached() -> None:
    rasa = FakeRasa()
    async with rasa.client() as client:
        cache = ParseCache(client, size=10)
        rasa.fail_parse = True
        with pytest.raises(NluUnavailable):
            await cache.parse("hak pilih pns")
        rasa.fail_parse = False
        result = await cache.parse("hak pilih pns")
    assert result.intent == "media_sosial"
    assert len(rasa.parsed) == 2


async def test_concurrent_identical_misses_share_one_parse() -> None:
    rasa = FakeRasa()
    rasa.parse_delay = 0.05
    async with rasa.client() as client:
        cache = ParseCache(client, size=10)
        results = await asyncio.gather(
            *(cache.parse(f"Foto dengan caleg{'!' * i}") for i in range(5))
        )
    assert len(rasa.parsed) == 1
    assert [r.text for r in results] == [f"Foto dengan caleg{'!' * i}" for i in range(5)]


async def test_concurrent_failure_reaches_every_waiter_and_is_not_cached() -> None:
    rasa = FakeRasa()
    rasa.parse_delay, rasa.fail_parse = 0.05, True
    async with rasa.client() as client:
        cache = ParseCache(client, size=10)
        outcomes = await asyncio.gather(
            *(cache.parse("pelaporan") for _ in range(3)), return_exceptions=True
        )
        assert all(isinstance(outcome, NluUnavailable) for outcome in outcomes)
        assert len(cache) == 0


async def test_size_zero_turns_the_cache_off() -> None:
    rasa = FakeRasa()
    async with rasa.client() as client:
        cache = ParseCache(client, size=0)
        await cache.parse("salam")
        await cache.parse("salam")
    assert rasa.parsed == ["salam", "salam"]
    assert rasa.status_calls == 0

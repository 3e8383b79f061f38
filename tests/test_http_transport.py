"""AiohttpTransport against a real HTTP server on loopback: what httpx callers rely on."""

from __future__ import annotations

import asyncio
import gzip
import json
import ssl
import traceback
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from aiohttp import web
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.http_transport import AiohttpTransport, verifying_tls_context
from bot.nlu.client import NluClient
from bot.nlu.rasa_server import free_port
from bot.nlu.result import NluUnavailable
from tests.e2e.tcp_gate import SilentPort


async def _echo(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "method": request.method,
            "path": request.path,
            "query": dict(request.query),
            "body": (await request.read()).decode(),
            "user_agent": request.headers.get("User-Agent"),
            "content_type": request.headers.get("Content-Type"),
        },
        status=int(request.query.get("status", "200")),
    )


async def _gzipped(_: web.Request) -> web.Response:
    body = gzip.compress(json.dumps({"ok": True, "text": "salam " * 200}).encode())
    return web.Response(
        body=body, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
    )


async def _slow(_: web.Request) -> web.Response:
    await asyncio.sleep(2.0)
    return web.json_response({"late": True})


async def _hang_up(request: web.Request) -> web.Response:
    assert request.transport is not None
    request.transport.close()  # the connection drops before any answer
    await asyncio.sleep(0.1)
    return web.Response()


@pytest.fixture
async def server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/echo{tail:.*}", _echo)
    app.router.add_get("/gzip", _gzipped)
    app.router.add_get("/slow", _slow)
    app.router.add_post("/hang-up", _hang_up)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_a_request_and_its_answer_pass_through_unchanged(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, transport=AiohttpTransport()) as client:
        response = await client.post(
            "/echo/model/parse", params={"token": "t0k"}, json={"text": "boleh like capres?"}
        )
    assert response.status_code == 200
    echoed = response.json()
    assert echoed["path"] == "/echo/model/parse"
    assert echoed["query"] == {"token": "t0k"}
    assert json.loads(echoed["body"]) == {"text": "boleh like capres?"}
    assert echoed["content_type"] == "application/json"
    assert echoed["user_agent"].startswith("python-httpx/")  # httpx's headers, not aiohttp's


async def test_error_statuses_are_answers_not_exceptions(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, transport=AiohttpTransport()) as client:
        response = await client.get("/echo", params={"status": "503"})
    assert response.status_code == 503
    assert response.json()["method"] == "GET"


async def test_a_compressed_answer_is_decoded_once(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, transport=AiohttpTransport()) as client:
        response = await client.get("/gzip")
    assert response.json()["text"].startswith("salam salam")


async def test_refused_connection_is_httpx_connect_error() -> None:
    url = f"http://127.0.0.1:{free_port()}/status"  # nothing listens there
    async with httpx.AsyncClient(transport=AiohttpTransport()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(url)


async def test_slow_answer_is_httpx_read_timeout(server: str) -> None:
    async with httpx.AsyncClient(
        base_url=server, transport=AiohttpTransport(), timeout=httpx.Timeout(0.3)
    ) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/slow")


async def test_dropped_connection_is_an_httpx_transport_error(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, transport=AiohttpTransport()) as client:
        with pytest.raises(httpx.TransportError):
            await client.post("/hang-up", content=b"x")


async def test_the_transport_works_again_after_it_was_closed(server: str) -> None:
    transport = AiohttpTransport()
    for _ in range(2):
        async with httpx.AsyncClient(base_url=server, transport=transport) as client:
            assert (await client.get("/echo")).status_code == 200


def test_tls_is_verified_against_the_same_bundle_as_httpx() -> None:
    context = verifying_tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 100  # a full root store, not an empty one


async def test_nlu_client_uses_it_and_reports_rasa_down_as_unavailable() -> None:
    async with NluClient(f"http://127.0.0.1:{free_port()}", timeout_seconds=1.0) as client:
        assert isinstance(client._http._transport, AiohttpTransport)
        with pytest.raises(NluUnavailable, match="unreachable"):
            await client.parse("halo")


async def test_python_telegram_bot_maps_its_errors_as_with_httpx_own_transport(
    server: str,
) -> None:
    request = HTTPXRequest(httpx_kwargs={"transport": AiohttpTransport()}, read_timeout=0.3)
    await request.initialize()
    try:
        fields = {"chat_id": 1, "text": "hi"}
        data = RequestData([RequestParameter.from_input(k, v) for k, v in fields.items()])
        status, body = await request.do_request(f"{server}/echo/sendMessage", "POST", data)
        assert status == 200
        assert "chat_id=1" in json.loads(body)["body"]
        with pytest.raises(TimedOut):
            await request.do_request(f"{server}/slow", "GET")
        with pytest.raises(NetworkError):
            await request.do_request(f"{server}/hang-up", "POST", data)
    finally:
        await request.shutdown()


BOT_TOKEN, RASA_TOKEN = "123:rahasia-bot", "rahasia-rasa"  # names only: tracebacks quote lines


def _printed(error: BaseException) -> str:
    """The error as a log's traceback shows it: every error of its chain."""
    return "".join(traceback.format_exception(error))


@pytest.fixture
def silent_port() -> Iterator[SilentPort]:
    port = SilentPort()
    try:
        yield port
    finally:
        port.close()


async def test_transport_errors_name_the_server_never_the_url(silent_port: SilentPort) -> None:
    """Bot API paths carry the token and Rasa's query its token: neither is in an error."""
    refused = f"127.0.0.1:{free_port()}"
    silent_port.fill()
    silent = f"{silent_port.host}:{silent_port.port}"
    async with httpx.AsyncClient(
        transport=AiohttpTransport(), timeout=httpx.Timeout(2.0, connect=0.3)
    ) as client:
        for server, expected in ((refused, httpx.ConnectError), (silent, httpx.ConnectTimeout)):
            with pytest.raises(expected) as caught:
                await client.post(
                    f"http://{server}/bot{BOT_TOKEN}/getMe", params={"token": RASA_TOKEN}
                )
            printed = _printed(caught.value)
            assert server in str(caught.value)
            assert "rahasia" not in printed and f"{server}/" not in printed


async def test_python_telegram_bot_errors_carry_no_token(silent_port: SilentPort) -> None:
    silent_port.fill()
    request = HTTPXRequest(httpx_kwargs={"transport": AiohttpTransport()}, connect_timeout=0.3)
    await request.initialize()
    try:
        for base, expected in (
            (f"http://127.0.0.1:{free_port()}", NetworkError),
            (silent_port.url, TimedOut),
        ):
            with pytest.raises(expected) as caught:
                await request.do_request(f"{base}/bot{BOT_TOKEN}/getMe", "POST")
            assert "rahasia" not in _printed(caught.value)
    finally:
        await request.shutdown()


async def test_a_rasa_that_takes_connections_and_never_answers_leaves_no_token_in_errors(
    silent_port: SilentPort,
) -> None:
    """The first parse waits for an answer in vain; then connecting times out."""
    async with NluClient(
        silent_port.url, auth_token=RASA_TOKEN, timeout_seconds=0.5, connect_timeout_seconds=0.5
    ) as client:
        for expected in ("ReadTimeout", "ConnectTimeout"):
            with pytest.raises(NluUnavailable, match=expected) as caught:
                await client.parse("halo")
            printed = _printed(caught.value)
            assert RASA_TOKEN not in printed and f"{silent_port.url}/" not in printed

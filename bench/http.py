"""``python -m bench.http``: the bot's CPU per HTTP request, httpx's own transport vs aiohttp's.

The same httpx ``AsyncClient.post`` of a Telegram-sized JSON body, eight at a time, to an
aiohttp server in another process on loopback; only this process's CPU is counted. This is
why ``bot/http_transport.py`` exists: the bot makes two such requests per question.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable

import httpx

from bot.http_transport import AiohttpTransport
from bot.nlu.rasa_server import free_port

CONCURRENCY = 8
_SERVER = """
import sys
from aiohttp import web
async def answer(request):
    await request.read()
    return web.json_response({"ok": True, "result": {"message_id": 1, "text": "x" * 400}})
app = web.Application()
app.router.add_post("/{path:.*}", answer)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""
_BODY = {"chat_id": 1, "text": "<b>Media sosial</b> " + "y" * 800, "parse_mode": "HTML"}


async def cpu_per_request(url: str, transport: httpx.AsyncBaseTransport | None, n: int) -> float:
    """Milliseconds of this process's CPU per POST (after a warm-up)."""
    async with httpx.AsyncClient(transport=transport, timeout=10.0) as client:
        for _ in range(50):
            (await client.post(url, json=_BODY)).raise_for_status()
        started = time.process_time()

        async def worker() -> None:
            for _ in range(n // CONCURRENCY):
                (await client.post(url, json=_BODY)).json()

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return 1000 * (time.process_time() - started) / (n // CONCURRENCY * CONCURRENCY)


async def _wait_listening(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            try:
                await client.post(url, json={})
                return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise RuntimeError("the bench HTTP server did not start")


async def run(requests: int) -> list[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/bot123/sendMessage"
    server = await asyncio.create_subprocess_exec(sys.executable, "-c", _SERVER, str(port))
    try:
        await _wait_listening(url)
        lines = ["| transport | CPU ms per request (two rounds) |", "|---|---:|"]
        transports: dict[str, Callable[[], httpx.AsyncBaseTransport | None]] = {
            "httpx's own (httpcore)": lambda: None,
            "AiohttpTransport": AiohttpTransport,
        }
        rounds: dict[str, list[float]] = {name: [] for name in transports}
        for _ in range(2):
            for name, transport in transports.items():
                rounds[name].append(await cpu_per_request(url, transport(), requests))
        for name, values in rounds.items():
            lines.append(f"| {name} | {' / '.join(f'{value:.2f}' for value in values)} |")
        return lines
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="requests per round")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    print(f"httpx POST, {CONCURRENCY} at a time, {args.requests} per round:")
    print("\n".join(asyncio.run(run(args.requests))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

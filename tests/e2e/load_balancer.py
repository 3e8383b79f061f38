"""A round-robin reverse proxy on loopback, standing in for nginx in front of several workers.

Like an nginx ``upstream`` of two servers with its defaults (``max_fails=1 fail_timeout=10s``,
``proxy_next_upstream error``): each POST goes to the next worker in turn, unchanged (path,
query, body, headers such as ``X-Telegram-Bot-Api-Secret-Token``), and the worker's status and
body come back. A worker that refuses the connection is skipped for the next one, and passed
over for 10 s. A request already sent is not sent elsewhere when its worker dies before
answering (nginx does not resend a non-idempotent POST): the answer is 502 and Telegram
delivers the update again; 502 too when no worker takes the connection. No timeout on a
worker's answer: the bot answers a webhook POST only once the update is handled.

For the tests it tells which updates each worker has in hand (``Upstream.in_hand``): those
sent to it and not yet answered.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

logger = logging.getLogger(__name__)

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host", "content-length"}
)
CONNECT_TIMEOUT_SECONDS = 2.0
FAIL_TIMEOUT_SECONDS = 10.0  # a worker that failed is tried only when no other is live


@dataclass
class Upstream:
    """One worker behind the proxy and what the proxy has seen of it."""

    url: str  # scheme://host:port, no path
    in_hand: Counter[int] = field(default_factory=Counter)  # update id → POSTs unanswered
    answered: Counter[int] = field(default_factory=Counter)  # status → count
    refused: int = 0  # connections refused (or not made in time): the request went elsewhere
    dropped: int = 0  # requests sent whose worker never answered
    failed_until: float = 0.0  # time.monotonic() until which it is passed over


class LoadBalancer:
    """Forward each POST to the next live upstream; 502 when none answers."""

    def __init__(self, upstreams: list[str], *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.upstreams = [Upstream(url.rstrip("/")) for url in upstreams]
        self.bad_gateway = 0
        self._next = 0
        self._address = (host, port)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        assert self._runner is not None, "the load balancer listens once started"
        return f"http://{self._address[0]}:{self._address[1]}"

    async def start(self) -> None:
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT_SECONDS)
        connector = aiohttp.TCPConnector(limit=0)  # as many connections as Telegram opens
        self._session = aiohttp.ClientSession(timeout=timeout, connector=connector)
        app = web.Application(client_max_size=1 << 20)
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, *self._address).start()
        self._address = (self._address[0], self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> LoadBalancer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _forward(self, request: web.Request) -> web.Response:
        if request.method != "POST":
            return web.Response(status=404)
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        update_id = _update_id(body)
        start, count = self._next, len(self.upstreams)
        self._next = (start + 1) % count
        in_turn = [self.upstreams[(start + step) % count] for step in range(count)]
        now = time.monotonic()
        for upstream in sorted(in_turn, key=lambda u: u.failed_until > now):  # live ones first
            reply = await self._send(upstream, request.path_qs, headers, body, update_id)
            if reply is not None:
                return reply
        self.bad_gateway += 1
        return web.Response(status=502, text="no worker answered")

    async def _send(
        self,
        upstream: Upstream,
        path: str,
        headers: dict[str, str],
        body: bytes,
        update_id: int | None,
    ) -> web.Response | None:
        """The worker's answer; None if it refused the connection (try the next one)."""
        assert self._session is not None, "the load balancer is not started"
        if update_id is not None:
            upstream.in_hand[update_id] += 1
        try:
            async with self._session.post(upstream.url + path, data=body, headers=headers) as reply:
                content = await reply.read()
                upstream.answered[reply.status] += 1
                return web.Response(
                    status=reply.status, body=content, content_type=reply.content_type
                )
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError):  # nothing sent
            upstream.refused += 1
            upstream.failed_until = time.monotonic() + FAIL_TIMEOUT_SECONDS
            return None
        except aiohttp.ClientError as error:  # sent, then the worker went away: not resent
            upstream.dropped += 1
            upstream.failed_until = time.monotonic() + FAIL_TIMEOUT_SECONDS
            logger.info("%s dropped a request (%s)", upstream.url, error)
            return web.Response(status=502, text="the worker went away")
        finally:
            if update_id is not None:
                upstream.in_hand[update_id] -= 1
                if upstream.in_hand[update_id] <= 0:
                    del upstream.in_hand[update_id]


def _update_id(body: bytes) -> int | None:
    with contextlib.suppress(ValueError, AttributeError, TypeError):
        update_id = json.loads(body).get("update_id")
        return update_id if isinstance(update_id, int) else None
    return None

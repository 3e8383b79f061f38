"""An httpx transport that does its I/O with aiohttp.

The bot speaks httpx — python-telegram-bot's ``HTTPXRequest`` to Telegram, ``NluClient`` to
Rasa — but with httpx's own connection layer (httpcore on anyio) a POST cost about 0.95 ms of
CPU on the bench machine, and 0.43 ms through this transport (bench/README.md, History); the
bot makes two per question. This transport keeps httpx's API, timeouts and exceptions and
hands the wire to aiohttp. Kept through the issue-20 rework: without it the durable path
stayed just under its floor of 90 questions a second (bench/README.md).

Its errors name the server's host and port, never the URL: Bot API paths carry the bot token
and Rasa's query its token, and error texts end up in the log.

Bodies are read whole (the bot's requests and responses are small JSON documents and files
PTB reads into memory anyway). Proxies are not supported: a proxied client uses httpx's own
transport.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
import certifi
import httpx

DEFAULT_KEEPALIVE_SECONDS = 15.0


def verifying_tls_context() -> ssl.SSLContext:
    """Certificates checked against certifi's bundle, as httpx's own transport does."""
    return ssl.create_default_context(cafile=certifi.where())


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp connection pool per transport, opened on the first request.

    It may be closed and used again (python-telegram-bot re-initialises a closed request
    object with the same transport): the next request opens a new pool.
    """

    def __init__(
        self,
        *,
        max_connections: int = 100,
        keepalive_seconds: float = DEFAULT_KEEPALIVE_SECONDS,
    ) -> None:
        self._max_connections = max_connections
        self._keepalive_seconds = keepalive_seconds
        self._session: aiohttp.ClientSession | None = None

    def _open_session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            keepalive_timeout=self._keepalive_seconds,
            ssl=verifying_tls_context(),
        )
        # httpx keeps the cookies, follows redirects and decodes bodies itself.
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept-Encoding"),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None or self._session.closed:
            self._session = self._open_session()
        body = await request.aread()
        with _as_httpx_errors(request):
            async with self._session.request(
                request.method,
                str(request.url),
                headers=list(request.headers.multi_items()),
                data=body or None,
                allow_redirects=False,
                timeout=_timeout(request),
            ) as response:
                content = await response.read()
        return httpx.Response(
            status_code=response.status,
            headers=list(response.raw_headers),
            content=content,
            request=request,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode("ascii", "replace"),
            },
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _timeout(request: httpx.Request) -> aiohttp.ClientTimeout:
    """httpx's per-request timeouts; aiohttp's ``connect`` covers the pool wait and the connect."""
    limits = request.extensions.get("timeout", {})
    pool, connect, read = limits.get("pool"), limits.get("connect"), limits.get("read")
    acquire = None if pool is None or connect is None else pool + connect
    return aiohttp.ClientTimeout(total=None, connect=acquire, sock_connect=connect, sock_read=read)


_Family = type[BaseException] | tuple[type[BaseException], ...]
_HTTPX_ERRORS: tuple[tuple[_Family, type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (TimeoutError, httpx.ReadTimeout),  # sock_read and the rest
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    ((aiohttp.ServerDisconnectedError, aiohttp.ClientResponseError), httpx.RemoteProtocolError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    ((aiohttp.ClientPayloadError, aiohttp.ClientOSError), httpx.ReadError),
    (aiohttp.ClientError, httpx.TransportError),
)
"""aiohttp's errors → what httpx's own transport raises in their place, first match."""


@contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    """Raise what httpx's own transport would, so callers catch one family of errors."""
    try:
        yield
    except (aiohttp.ClientError, TimeoutError) as error:
        # Not chained: aiohttp's texts quote the URL, whose path (Bot API) or query (Rasa)
        # carries a token, and a traceback prints every error of its chain.
        raise _httpx_error(error, request) from None


def _httpx_error(error: BaseException, request: httpx.Request) -> httpx.TransportError:
    """The httpx error in place of ``error``, its text without the URL: aiohttp's kind of
    error, the server's host and port, and the system's reason (``Connection refused``)."""
    url = request.url
    port = url.port or (443 if url.scheme == "https" else 80)
    text = f"{type(error).__name__} ({url.host}:{port})"
    if isinstance(error, OSError) and error.errno:
        text += f": {os.strerror(error.errno)}"
    kind = next(kind for family, kind in _HTTPX_ERRORS if isinstance(error, family))
    return kind(text, request=request)

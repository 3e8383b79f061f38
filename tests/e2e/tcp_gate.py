"""Network failures on loopback: a port that never answers, and a gate in front of a server.

``SilentPort`` listens with a backlog of 0 and never accepts. The kernel completes the
handshake of one connection and queues it for an accept that never comes, so a request sent
on it is never answered (a hung server); once that place is taken, the kernel drops every
further SYN and connecting times out (a server behind a firewall that drops packets). This
gives a reliable connect timeout on loopback, without a non-routable address.

``TcpGate`` forwards a port to a server byte for byte while open; it can then refuse
connections (nothing listens) or go silent (a full ``SilentPort`` on the same port), and open
again.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket


class SilentPort:
    """A TCP port that takes connections and never answers them."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, port))
        self._listener.listen(0)
        self.host, self.port = self._listener.getsockname()
        self._queued: list[socket.socket] = []

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def fill(self) -> None:
        """Take the one place in the queue: from now on, connecting times out."""
        self._queued.append(socket.create_connection((self.host, self.port), timeout=2.0))

    def close(self) -> None:
        for connection in self._queued:
            connection.close()
        self._queued.clear()
        self._listener.close()


class TcpGate:
    """A port in front of ``upstream_port`` that is open, refusing or silent."""

    def __init__(self, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0  # chosen when first opened, then kept
        self._upstream_port = upstream_port
        self._server: asyncio.Server | None = None
        self._silent: SilentPort | None = None
        self._links: set[asyncio.Task[None]] = set()
        self._open: set[asyncio.StreamWriter] = set()  # both ends of each link

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def open(self) -> None:
        """Forward every new connection to the upstream server."""
        await self._close_port()
        self._server = await asyncio.start_server(self._forward, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def refuse(self) -> None:
        """Nothing listens: connections are refused; open connections are cut."""
        await self._close_port()

    async def go_silent(self) -> None:
        """Connections to the port time out; open connections are cut."""
        await self._close_port()
        self._silent = SilentPort(self.host, self.port)
        self._silent.fill()

    async def close(self) -> None:
        await self._close_port()

    async def _close_port(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in self._open:  # each link's pipes then end at their end of file
            writer.close()
        if self._links:
            await asyncio.wait(set(self._links))
        if self._silent is not None:
            self._silent.close()
            self._silent = None

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = asyncio.current_task()
        assert link is not None
        self._links.add(link)
        self._open.add(writer)
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                self.host, self._upstream_port
            )
            self._open.add(upstream_writer)
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
            self._open.discard(upstream_writer)
        except OSError:
            pass
        finally:
            writer.close()
            self._open.discard(writer)
            self._links.discard(link)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until either side closes."""
    with contextlib.suppress(OSError):
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
    writer.close()

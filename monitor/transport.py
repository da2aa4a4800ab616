"""An httpx transport for plain HTTP/1.1 over asyncio streams, with h11 for the protocol.

httpx's own transport goes through httpcore's connection pool and anyio. On a poll that ends in a
304 that stack costs ~1.2 ms of CPU, against ~0.2 ms for the exchange itself, and a warm pass is
little else (see bench/README.md). This transport keeps what the fetcher needs and no more:
HTTP/1.1, TLS, keep-alive, per-phase timeouts, and errors as httpx's exception classes, so that
everything above it (redirects, decompression, the fetcher's limits) stays httpx's.

What it does not do is left to httpx's transport (see :func:`default_transport`): proxies
(httpx ignores the proxy environment once it is given a transport) and HTTP/2.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import h11
import httpx

READ_SIZE = 64 * 1024
KEEPALIVE_EXPIRY = 5.0  # seconds an idle connection is kept, as httpx's default

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})

Origin = tuple[str, str, int]


def default_transport(
    *, max_idle: int, ssl_context: ssl.SSLContext | None = None
) -> httpx.AsyncBaseTransport | None:
    """This transport, or None (httpx's own) where the environment names a proxy."""
    if set(urllib.request.getproxies()) - {"no"}:  # NO_PROXY alone names no proxy
        return None
    return Transport(max_idle=max_idle, ssl_context=ssl_context)


class Transport(httpx.AsyncBaseTransport):
    """Keeps up to ``max_idle`` idle connections; callers bound how many are open at once."""

    def __init__(self, *, max_idle: int = 20, ssl_context: ssl.SSLContext | None = None) -> None:
        self.max_idle = max_idle
        self._ssl_context = ssl_context
        if ssl_context is not None:
            ssl_context.set_alpn_protocols(["http/1.1"])
        self._idle: list[Connection] = []  # oldest first
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}")
        # raw_host: the name as sent on the wire (IDNA-encoded), which the socket and TLS need.
        host = url.raw_host.decode("ascii")
        origin: Origin = (url.scheme, host, url.port or (443 if url.scheme == "https" else 80))
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        connection = self._checkout(origin)
        if connection is not None:
            try:
                return await connection.exchange(request, timeouts, self)
            except _Stale:
                # The server closed it while it was idle. Send the request again on a new
                # connection, where sending twice cannot change anything on the server.
                if request.method not in IDEMPOTENT:
                    raise httpx.RemoteProtocolError(
                        "the server closed an idle connection as the request was sent",
                        request=request,
                    ) from None
        connection = await self._connect(origin, request, timeouts.get("connect"))
        try:
            return await connection.exchange(request, timeouts, self)
        except _Stale:
            raise httpx.RemoteProtocolError(
                "the server closed the connection without a response", request=request
            ) from None

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """Made on the first HTTPS connection: loading the trusted certificates takes a while."""
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()
            self._ssl_context.set_alpn_protocols(["http/1.1"])
        return self._ssl_context

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
        if idle:  # let TLS connections say goodbye before the event loop ends
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1):
                    await asyncio.gather(*(c.wait_closed() for c in idle))

    def _checkout(self, origin: Origin) -> Connection | None:
        now = time.monotonic()
        found = None
        for connection in list(self._idle):
            if now - connection.idle_since > KEEPALIVE_EXPIRY or connection.closed_by_peer():
                self._idle.remove(connection)
                connection.close()
            elif found is None and connection.origin == origin:
                self._idle.remove(connection)
                found = connection
        return found

    def checkin(self, connection: Connection) -> None:
        """Take back a connection whose exchange ended cleanly, or close it."""
        if self._closed or not connection.reusable():
            connection.close()
            return
        connection.idle_since = time.monotonic()
        self._idle.append(connection)
        if len(self._idle) > self.max_idle:
            self._idle.pop(0).close()

    async def _connect(
        self, origin: Origin, request: httpx.Request, timeout: float | None
    ) -> Connection:
        scheme, host, port = origin
        tls = self.ssl_context if scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host,
                    port,
                    ssl=tls,
                    server_hostname=host if tls else None,
                    limit=READ_SIZE,
                    # Where a name has IPv6 and IPv4 addresses and one family is broken, try
                    # the next address after 250 ms instead of waiting out the timeout (RFC 8305).
                    happy_eyeballs_delay=0.25,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(
                f"no connection within {timeout:g}s", request=request
            ) from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        return Connection(origin, reader, writer)


class _Stale(Exception):
    """A reused connection turned out closed before any of the response arrived."""


class Connection:
    """One TCP (or TLS) connection and its h11 state machine."""

    def __init__(
        self, origin: Origin, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.origin = origin
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.CLIENT)
        self.idle_since = time.monotonic()
        self.used = False

    def closed_by_peer(self) -> bool:
        return self.reader.at_eof() or self.writer.is_closing()

    def reusable(self) -> bool:
        if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE:
            self.h11.start_next_cycle()
            return not self.closed_by_peer()
        return False

    def close(self) -> None:
        self.writer.close()

    async def wait_closed(self) -> None:
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()

    async def exchange(
        self, request: httpx.Request, timeouts: dict[str, float | None], pool: Transport
    ) -> httpx.Response:
        """Send the request and read the response head; the body streams from the result."""
        reused, self.used = self.used, True
        try:
            try:
                await self._send(request, timeouts.get("write"))
            except httpx.WriteError:
                if reused:
                    raise _Stale from None
                raise
            event = await self.next_event(request, timeouts.get("read"), stale_if_empty=reused)
            while isinstance(event, h11.InformationalResponse):
                event = await self.next_event(request, timeouts.get("read"))
        except BaseException:
            self.close()
            raise
        if not isinstance(event, h11.Response):
            self.close()
            raise httpx.RemoteProtocolError(f"unexpected {type(event).__name__}", request=request)
        return httpx.Response(
            event.status_code,
            headers=event.headers.raw_items(),
            stream=Body(self, pool, request, timeouts.get("read")),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": event.reason},
        )

    async def _send(self, request: httpx.Request, timeout: float | None) -> None:
        target = request.url.raw_path
        head = h11.Request(method=request.method, target=target, headers=request.headers.raw)
        try:
            data = self.h11.send(head) or b""
            if "content-length" in request.headers or "transfer-encoding" in request.headers:
                await self._write(data, request, timeout)
                data = b""
                async for chunk in request.stream:  # type: ignore[union-attr]
                    await self._write(self.h11.send(h11.Data(data=chunk)) or b"", request, timeout)
            data += self.h11.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc), request=request) from exc
        await self._write(data, request, timeout)

    async def _write(self, data: bytes, request: httpx.Request, timeout: float | None) -> None:
        if not data:
            return
        try:
            self.writer.write(data)
            if self.writer.transport.get_write_buffer_size() > READ_SIZE:
                async with asyncio.timeout(timeout):
                    await self.writer.drain()
        except TimeoutError:
            raise httpx.WriteTimeout(
                "the request could not be sent in time", request=request
            ) from None
        except OSError as exc:
            raise httpx.WriteError(str(exc) or type(exc).__name__, request=request) from exc

    async def next_event(
        self, request: httpx.Request, timeout: float | None, *, stale_if_empty: bool = False
    ) -> Any:
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc), request=request) from exc
            if event is not h11.NEED_DATA:
                return event
            try:
                if timeout is None:
                    data = await self.reader.read(READ_SIZE)
                else:
                    async with asyncio.timeout(timeout):
                        data = await self.reader.read(READ_SIZE)
            except TimeoutError:
                raise httpx.ReadTimeout(
                    f"nothing received for {timeout:g}s", request=request
                ) from None
            except OSError as exc:
                if stale_if_empty:
                    raise _Stale from exc
                raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
            if not data and stale_if_empty:
                raise _Stale
            stale_if_empty = False
            self.h11.receive_data(data)


class Body(httpx.AsyncByteStream):
    """A response body read from its connection, which goes back to the pool once read whole."""

    def __init__(
        self, connection: Connection, pool: Transport, request: httpx.Request, timeout: float | None
    ) -> None:
        self.connection: Connection | None = connection
        self.pool = pool
        self.request = request
        self.timeout = timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self.connection
        if connection is None:
            return
        try:
            while True:
                event = await connection.next_event(self.request, self.timeout)
                if isinstance(event, h11.Data):
                    yield bytes(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    break
        except BaseException:
            self.connection = None
            connection.close()
            raise
        self.connection = None
        self.pool.checkin(connection)

    async def aclose(self) -> None:
        """A body closed before its end leaves its connection mid-response: close it."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

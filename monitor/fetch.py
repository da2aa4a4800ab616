"""Fetching documents: one shared httpx client with the limits an unattended poller needs.

The client is httpx's blocking one, and each request runs in a thread of the fetcher's own pool
(as many threads as ``[http] concurrency``); the event loop awaits it. httpx's asyncio client
costs twice the CPU for a request (~1.5 against ~0.7 ms for a 304 on one machine): its
connection pool synchronises through anyio and, for every request, checks each pooled socket
through anyio's attribute lookup. Requests wait on the network with the GIL released, so the
threads overlap their waits as tasks would.

httpx bounds each phase of a request, not the whole: a body that trickles a byte a second never
times out by itself. So every request runs under one overall deadline: each phase is bounded by
it, the body is checked against it between chunks, and when it passes, the request's socket is
shut down (known from the moment it connects, or from its response head on a kept-alive
connection), which ends a read that is waiting. Bodies are streamed and cut off at a size cap
(after decompression, which also defuses gzip bombs), and concurrency is bounded in all and per
host. Every failure comes out as a :class:`~monitor.errors.FetchError` with a kind and a
sentence a user understands.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from monitor.clock import utcnow
from monitor.config import HttpSettings
from monitor.errors import FetchError

MAX_REDIRECTS = 10


@dataclass(frozen=True)
class Fetched:
    """A response worth looking at: ``not_modified`` means a 304 to a conditional GET."""

    url: str
    http_status: int
    not_modified: bool
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None


class _Expired(Exception):
    """The request's deadline passed while its thread was still reading."""


class _Connections:
    """Every connection the fetcher opened (while it lives), so that closing it can end any read
    still waiting on one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: weakref.WeakSet[Any] = weakref.WeakSet()

    def add(self, stream: Any) -> None:
        with self._lock:
            self._streams.add(stream)

    def shut_all(self) -> None:
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            _shut(stream)


class _Call:
    """One request in flight in a thread: its deadline and the connection it reads from, so the
    event loop can end a read that is waiting when the deadline passes."""

    __slots__ = ("_connections", "_lock", "_streams", "deadline", "expired")

    def __init__(self, deadline: float, connections: _Connections) -> None:
        self.deadline = deadline  # time.monotonic() by which the response must be complete
        self.expired = False
        self._connections = connections  # every connection the fetcher opened
        self._lock = threading.Lock()
        self._streams: list[Any] = []

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx's ``trace`` extension: a new connection (TCP, then TLS) is known at once."""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            if stream is not None:
                self._connections.add(stream)
            self.attach(stream)

    def attach(self, stream: Any) -> None:
        if stream is None:
            return
        with self._lock:
            self._streams.append(stream)
            expired = self.expired
        if expired:
            _shut(stream)

    def expire(self) -> None:
        """From the event loop: the deadline passed. A read waiting on the socket returns."""
        with self._lock:
            self.expired = True
            streams = list(self._streams)
        for stream in streams:
            _shut(stream)

    def check(self) -> None:
        if self.expired or time.monotonic() > self.deadline:
            raise _Expired


def _shut(stream: Any) -> None:
    sock = stream.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class Fetcher:
    """Owns the one ``httpx.Client`` and its threads; use it inside the running event loop."""

    def __init__(
        self, settings: HttpSettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.settings = settings
        # One thread per request in flight: ``_all`` admits no more than that.
        self._threads = ThreadPoolExecutor(settings.concurrency, thread_name_prefix="fetch")
        # The client is made in the first of them: loading the certificate authorities takes
        # 40-70 ms, outside the GIL, while the run claims its first sources.
        self._client = self._threads.submit(_client, settings, transport)
        self._all = asyncio.Semaphore(settings.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._calls: set[_Call] = set()
        self._connections = _Connections()

    @property
    def client(self) -> httpx.Client:
        return self._client.result()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """End what is still in flight, then close the connections. A read can outlive its
        poll: one whose deadline passed while the head of a response trickled in on a kept-alive
        connection (which of them a request is given is not known before its head is read).
        Shutting every connection down ends it, so no thread holds up the process's exit."""
        for call in list(self._calls):
            call.expire()
        self._connections.shut_all()
        self._threads.shutdown(wait=False, cancel_futures=True)
        if not self._client.cancelled() and self._client.exception() is None:
            self._client.result().close()

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.lower()
        if host not in self._hosts:
            self._hosts[host] = asyncio.Semaphore(self.settings.per_host)
        return self._hosts[host]

    async def fetch(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
        timeout: float | None = None,
    ) -> Fetched:
        request_headers = dict(headers or {})
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        limit = max_bytes or self.settings.max_bytes
        deadline = timeout or self.settings.timeout
        async with self._all, self._host_slot(url):
            call = _Call(time.monotonic() + deadline, self._connections)
            self._calls.add(call)
            loop = asyncio.get_running_loop()
            running = loop.run_in_executor(
                self._threads, self._get, url, request_headers, limit, call
            )
            try:
                async with asyncio.timeout(deadline):
                    return await running
            except (TimeoutError, _Expired, httpx.TimeoutException):
                raise FetchError("timeout", f"no complete response within {deadline:g}s") from None
            except httpx.TooManyRedirects:
                raise FetchError(
                    "redirects", f"more than {MAX_REDIRECTS} redirects (a redirect loop?)"
                ) from None
            except httpx.DecodingError as exc:
                raise FetchError(
                    "decoding", f"the response could not be decompressed: {exc}"
                ) from None
            except httpx.InvalidURL as exc:
                raise FetchError("url", f"invalid URL: {exc}") from None
            except httpx.TransportError as exc:
                if call.expired:  # the read ended because the deadline shut its socket
                    raise FetchError(
                        "timeout", f"no complete response within {deadline:g}s"
                    ) from None
                raise FetchError("connection", _describe_transport(exc)) from None
            finally:
                if running.cancelled():  # given up at the deadline (or cancelled): end the read
                    call.expire()
                self._calls.discard(call)

    def _get(self, url: str, headers: dict[str, str], limit: int, call: _Call) -> Fetched:
        """In a fetch thread: one GET, its body read up to ``limit`` before ``call``'s deadline."""
        call.check()  # waited for a thread past its deadline: the poll has already given up
        client = self._client.result()
        with client.stream(
            "GET",
            url,
            headers=headers,
            timeout=max(call.deadline - time.monotonic(), 0.001),
            extensions={"trace": call.trace},
        ) as response:
            call.attach(response.extensions.get("network_stream"))
            if response.status_code == 304:
                # Read the (empty) body: a response left unread closes its connection, and the
                # next request to that host would pay a new TCP (and TLS) handshake.
                response.read()
                return _fetched(response, b"", not_modified=True)
            if response.status_code >= 400:
                raise FetchError(
                    "http_status",
                    f"HTTP {response.status_code} {response.reason_phrase}".strip(),
                    retry_after=retry_after(response.headers.get("Retry-After")),
                    http_status=response.status_code,
                )
            declared = response.headers.get("Content-Length")
            if (
                declared
                and declared.isdigit()
                and int(declared) > limit
                and not (response.headers.get("Content-Encoding"))
            ):
                raise FetchError(
                    "too_large", _too_large(limit, f"declared {int(declared):,} bytes")
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                call.check()
                size += len(chunk)
                if size > limit:
                    raise FetchError("too_large", _too_large(limit, "cut off"))
                chunks.append(chunk)
            call.check()
            return _fetched(response, b"".join(chunks), not_modified=False)


def _client(settings: HttpSettings, transport: httpx.BaseTransport | None) -> httpx.Client:
    max_idle = min(settings.concurrency, 20)
    limits = httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=max_idle)
    return httpx.Client(
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        limits=limits,
        timeout=httpx.Timeout(settings.timeout),
        headers={"User-Agent": settings.user_agent},
        transport=transport,  # None: httpx's own, with proxies from the environment
    )


def _fetched(response: httpx.Response, body: bytes, *, not_modified: bool) -> Fetched:
    return Fetched(
        url=str(response.url),
        http_status=response.status_code,
        not_modified=not_modified,
        body=body,
        content_type=response.headers.get("Content-Type"),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
    )


def _too_large(limit: int, how: str) -> str:
    return f"the response is larger than the {limit:,}-byte limit ({how}); raise max_bytes if it is real"


def _describe_transport(exc: httpx.TransportError) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {text}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the HTTP exchange: {text}"
    if isinstance(exc, httpx.ReadError):
        return f"the connection failed while reading: {text}"
    return f"{type(exc).__name__}: {text}"


def retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (a number, or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - utcnow()).total_seconds())

"""Fetching documents: one shared httpx client with the limits an unattended poller needs.

httpx bounds each phase of a request, not the whole: a body that trickles a byte a second never
times out by itself. So every request runs under one overall deadline, bodies are streamed and cut
off at a size cap (after decompression, which also defuses gzip bombs), and concurrency is bounded
in all and per host. Every failure comes out as a :class:`~monitor.errors.FetchError` with a kind
and a sentence a user understands.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
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
    elapsed: float


class Fetcher:
    """Owns the one ``httpx.AsyncClient``; create it inside the running event loop."""

    def __init__(
        self, settings: HttpSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        max_idle = min(settings.concurrency, 20)
        limits = httpx.Limits(
            max_connections=settings.concurrency, max_keepalive_connections=max_idle
        )
        self.client = httpx.AsyncClient(
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            limits=limits,
            timeout=httpx.Timeout(settings.timeout),
            headers={"User-Agent": settings.user_agent},
            transport=transport,  # None: httpx's own, with proxies from the environment
        )
        self._all = asyncio.Semaphore(settings.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.client.aclose()

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
            started = time.monotonic()
            try:
                async with asyncio.timeout(deadline):
                    return await self._get(url, request_headers, limit, started)
            except TimeoutError:
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
                raise FetchError("connection", _describe_transport(exc)) from None

    async def _get(self, url: str, headers: dict[str, str], limit: int, started: float) -> Fetched:
        async with self.client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                # Read the (empty) body: a response left unread closes its connection, and the
                # next request to that host would pay a new TCP (and TLS) handshake.
                await response.aread()
                return _fetched(response, b"", started, not_modified=True)
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
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise FetchError("too_large", _too_large(limit, "cut off"))
                chunks.append(chunk)
            return _fetched(response, b"".join(chunks), started, not_modified=False)


def _fetched(
    response: httpx.Response, body: bytes, started: float, *, not_modified: bool
) -> Fetched:
    return Fetched(
        url=str(response.url),
        http_status=response.status_code,
        not_modified=not_modified,
        body=body,
        content_type=response.headers.get("Content-Type"),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        elapsed=time.monotonic() - started,
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

"""The fetcher's limits, each ending in a clear FetchError, against real local sockets and respx."""

from __future__ import annotations

import asyncio
import gzip
import time

import httpx
import pytest
import respx

from monitor.config import HttpSettings
from monitor.errors import FetchError
from monitor.fetch import Fetcher, retry_after


async def serve(handler) -> tuple[asyncio.Server, str]:
    """A raw asyncio HTTP server on 127.0.0.1, for responses no well-behaved server sends."""

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            await handler(writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_client, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/doc"


def settings(**overrides) -> HttpSettings:
    return HttpSettings(**{"timeout": "2s", "max_bytes": "64KB", **overrides})


async def fetch_error(handler, **overrides) -> tuple[FetchError, float]:
    server, url = await serve(handler)
    async with server, Fetcher(settings(**overrides)) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(url)
        return caught.value, time.monotonic() - started


def test_a_stalled_response_times_out_as_a_whole() -> None:
    async def stall(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(30)

    error, took = asyncio.run(fetch_error(stall, timeout="1s"))
    assert error.kind == "timeout" and "1s" in str(error)
    assert took < 5


def test_a_trickling_body_times_out_as_a_whole() -> None:
    async def trickle(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(100):
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.3)  # every read finishes well within a per-phase timeout

    error, took = asyncio.run(fetch_error(trickle, timeout="1.5s"))
    assert error.kind == "timeout"
    assert took < 5


def test_a_huge_body_is_cut_off() -> None:
    async def huge(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"a" * 16384
        for _ in range(1000):
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()

    error, _ = asyncio.run(fetch_error(huge))
    assert error.kind == "too_large" and "65,536-byte limit" in str(error)


def test_a_gzip_bomb_is_cut_off_after_decompression() -> None:
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))

    async def send(writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb)
            + bomb
        )
        await writer.drain()

    error, _ = asyncio.run(fetch_error(send))
    assert error.kind == "too_large"


def test_a_reset_connection_is_a_connection_error() -> None:
    async def reset(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\npartial")
        await writer.drain()
        writer.transport.abort()

    error, _ = asyncio.run(fetch_error(reset))
    assert error.kind == "connection"


def test_nobody_listening_is_a_connection_error() -> None:
    async def run() -> FetchError:
        async with Fetcher(settings()) as fetcher:
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch("http://127.0.0.1:9/")
            return caught.value

    error = asyncio.run(run())
    assert error.kind == "connection" and "cannot connect" in str(error)


def mocked(router: respx.Router) -> httpx.MockTransport:
    """A transport answering from respx routes, handed to the fetcher as any transport is."""
    return httpx.MockTransport(router.handler)


def test_redirect_loops_and_http_errors() -> None:
    router = respx.Router()
    router.get("http://example.test/a").mock(
        return_value=httpx.Response(302, headers={"Location": "/b"})
    )
    router.get("http://example.test/b").mock(
        return_value=httpx.Response(302, headers={"Location": "/a"})
    )
    router.get("http://example.test/busy").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "120"})
    )
    router.get("http://example.test/gone").mock(return_value=httpx.Response(404))

    async def run() -> list[FetchError]:
        errors = []
        async with Fetcher(settings(), transport=mocked(router)) as fetcher:
            for path in ("a", "busy", "gone"):
                with pytest.raises(FetchError) as caught:
                    await fetcher.fetch(f"http://example.test/{path}")
                errors.append(caught.value)
        return errors

    loop, busy, gone = asyncio.run(run())
    assert loop.kind == "redirects" and "redirect loop" in str(loop)
    assert busy.kind == "http_status" and busy.retry_after == 120 and busy.http_status == 429
    assert str(gone) == "HTTP 404 Not Found"


def test_conditional_get_sends_validators_and_reports_304() -> None:
    router = respx.Router()
    route = router.get("http://example.test/list").mock(
        side_effect=[
            httpx.Response(
                200,
                content=b"v1",
                headers={"ETag": '"abc"', "Last-Modified": "Sat, 05 Oct 2024 09:00:00 GMT"},
            ),
            httpx.Response(304),
        ]
    )

    async def run():
        async with Fetcher(settings(), transport=mocked(router)) as fetcher:
            first = await fetcher.fetch("http://example.test/list")
            second = await fetcher.fetch(
                "http://example.test/list", etag=first.etag, last_modified=first.last_modified
            )
        return first, second

    first, second = asyncio.run(run())
    assert first.body == b"v1" and not first.not_modified
    assert second.not_modified and second.body == b""
    sent = route.calls[1].request.headers
    assert sent["If-None-Match"] == '"abc"' and sent["If-Modified-Since"].startswith(
        "Sat, 05 Oct 2024"
    )


def test_cookies_a_site_sets_are_sent_back_and_responses_without_one_leave_them() -> None:
    """A consent cookie set on a redirect is sent with every later request to that site."""
    router = respx.Router()
    router.get("http://example.test/consent").mock(
        return_value=httpx.Response(
            302, headers={"Location": "/feed", "Set-Cookie": "consent=yes; Path=/"}
        )
    )
    feed = router.get("http://example.test/feed").mock(
        side_effect=[
            httpx.Response(200, content=b"<rss/>", headers={"ETag": '"1"'}),
            httpx.Response(304),
            httpx.Response(304),
        ]
    )

    async def run() -> dict[str, str]:
        async with Fetcher(settings(), transport=mocked(router)) as fetcher:
            first = await fetcher.fetch("http://example.test/consent")
            assert first.url == "http://example.test/feed" and first.body == b"<rss/>"
            assert (await fetcher.fetch("http://example.test/feed", etag='"1"')).not_modified
            assert (await fetcher.fetch("http://example.test/feed", etag='"1"')).not_modified
            return dict(fetcher.client.cookies)

    assert asyncio.run(run()) == {"consent": "yes"}
    assert [call.request.headers.get("Cookie") for call in feed.calls] == ["consent=yes"] * 3


def test_per_host_limit_bounds_requests_in_flight() -> None:
    in_flight = {"now": 0, "max": 0}

    async def slow(writer: asyncio.StreamWriter) -> None:
        in_flight["now"] += 1
        in_flight["max"] = max(in_flight["max"], in_flight["now"])
        await asyncio.sleep(0.2)
        in_flight["now"] -= 1
        # This server answers one request a connection, so it says so: a client may otherwise
        # send the next request on the connection as it closes.
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()

    async def run() -> None:
        server, url = await serve(slow)
        async with server, Fetcher(settings(per_host=2)) as fetcher:
            results = await asyncio.gather(*(fetcher.fetch(url) for _ in range(6)))
        assert all(r.body == b"ok" for r in results)

    asyncio.run(run())
    assert in_flight["max"] == 2


def test_retry_after_parses_seconds_and_dates() -> None:
    assert retry_after("30") == 30
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert retry_after("soon") is None and retry_after(None) is None


def test_not_modified_responses_keep_the_connection() -> None:
    """A 304 leaves its connection open for the next request (one handshake per host)."""
    connections = 0

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if b'if-none-match: "v1"' in head.lower():
                    writer.write(b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n')
                else:
                    writer.write(b'HTTP/1.1 200 OK\r\nETag: "v1"\r\nContent-Length: 2\r\n\r\nok')
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def scenario() -> list[bool]:
        server = await asyncio.start_server(on_client, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/doc"
        try:
            async with Fetcher(settings()) as fetcher:
                first = await fetcher.fetch(url)
                later = [await fetcher.fetch(url, etag=first.etag) for _ in range(4)]
        finally:
            server.close()
        return [f.not_modified for f in [first, *later]]

    assert asyncio.run(scenario()) == [False, True, True, True, True]
    assert connections == 1

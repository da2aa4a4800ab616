"""The fetcher against real local sockets, plain and TLS: connections kept and dropped when they
should be, stale ones replaced, bodies framed every way HTTP/1.1 frames them, large response
heads, proxies from the environment, and certificates checked. (The fetcher is httpx with its own
transport; these are the behaviours the monitor relies on, whatever carries them.)"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import trustme

from monitor.config import HttpSettings
from monitor.errors import FetchError
from monitor.fetch import Fetched, Fetcher

Handler = Callable[[bytes, asyncio.StreamWriter], Awaitable[bool]]


class Server:
    """Answers each request head with ``handler(head, writer)``; the handler says whether to
    keep the connection. Counts connections and requests."""

    def __init__(self, handler: Handler, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.tls = tls
        self.connections = 0
        self.requests: list[bytes] = []

    async def __aenter__(self) -> Server:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0, ssl=self.tls)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"{'https' if self.tls else 'http'}://localhost:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.requests.append(head)
                keep = await self.handler(head, writer)
                await writer.drain()
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()


async def ok(head: bytes, writer: asyncio.StreamWriter) -> bool:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    return True


def settings() -> HttpSettings:
    return HttpSettings(timeout="3s", max_bytes="1MB")


async def fetch_all(server: Server, paths: list[str], **fetcher: object) -> list[bytes]:
    async with Fetcher(settings(), **fetcher) as client:  # type: ignore[arg-type]
        return [(await client.fetch(server.url + path)).body for path in paths]


def test_requests_to_one_host_share_a_connection() -> None:
    async def run() -> Server:
        async with Server(ok) as server:
            assert await fetch_all(server, ["/a", "/b", "/c"]) == [b"ok"] * 3
        return server

    server = asyncio.run(run())
    assert server.connections == 1
    first = server.requests[0]
    assert first.startswith(b"GET /a HTTP/1.1\r\n") and b"host: localhost:" in first.lower()


def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    """The server drops the connection after each response without saying so beforehand; the
    next request, sent on the dead connection, is sent again on a new one."""

    async def once(head: bytes, writer: asyncio.StreamWriter) -> bool:
        await ok(head, writer)
        return False

    async def run() -> Server:
        async with Server(once) as server:
            assert await fetch_all(server, ["/a", "/b", "/c"]) == [b"ok"] * 3
        return server

    server = asyncio.run(run())
    assert server.connections == 3 and len(server.requests) == 3


def test_connection_close_is_honoured() -> None:
    async def closing(head: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
        return False

    async def run() -> Server:
        async with Server(closing) as server:
            assert await fetch_all(server, ["/a", "/b"]) == [b"ok", b"ok"]
        return server

    assert asyncio.run(run()).connections == 2


def test_bodies_framed_by_length_chunks_or_close() -> None:
    async def framed(head: bytes, writer: asyncio.StreamWriter) -> bool:
        if head.startswith(b"GET /chunked"):
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            writer.write(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
            return True
        if head.startswith(b"GET /until-close"):
            writer.write(b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * 200_000)
            return False
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        return True

    async def run() -> list[bytes]:
        async with Server(framed) as server:
            return await fetch_all(server, ["/length", "/chunked", "/until-close", "/length"])

    assert asyncio.run(run()) == [b"hello", b"hello world", b"x" * 200_000, b"hello"]


def test_an_error_response_closes_its_connection_and_the_next_request_works() -> None:
    async def failing(head: bytes, writer: asyncio.StreamWriter) -> bool:
        if head.startswith(b"GET /broken"):
            writer.write(b"HTTP/1.1 500 Server Error\r\nContent-Length: 5\r\n\r\noops!")
        else:
            await ok(head, writer)
        return True

    async def run() -> tuple[FetchError, bytes, Server]:
        async with Server(failing) as server, Fetcher(settings()) as client:
            with pytest.raises(FetchError) as caught:
                await client.fetch(server.url + "/broken")
            after = await client.fetch(server.url + "/fine")
        return caught.value, after.body, server

    error, body, server = asyncio.run(run())
    assert error.kind == "http_status" and error.http_status == 500
    assert body == b"ok" and len(server.requests) == 2


def test_redirects_are_followed_across_connections() -> None:
    async def moved(head: bytes, writer: asyncio.StreamWriter) -> bool:
        if head.startswith(b"GET /old"):
            writer.write(b"HTTP/1.1 301 Moved\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n")
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nnew")
        return True

    async def run() -> tuple[str, bytes]:
        async with Server(moved) as server, Fetcher(settings()) as client:
            fetched = await client.fetch(server.url + "/old")
        return fetched.url, fetched.body

    url, body = asyncio.run(run())
    assert url.endswith("/new") and body == b"new"


def test_garbage_instead_of_http_is_a_connection_error() -> None:
    async def garbage(head: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        return False

    async def run() -> FetchError:
        async with Server(garbage) as server, Fetcher(settings()) as client:
            with pytest.raises(FetchError) as caught:
                await client.fetch(server.url + "/")
        return caught.value

    error = asyncio.run(run())
    assert error.kind == "connection" and "broke the HTTP exchange" in str(error)


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def tls_server_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(context)
    return context


def test_https_with_a_trusted_certificate(
    authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trusted through SSL_CERT_FILE, as README says (certifi's authorities otherwise)."""
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))

    async def run() -> tuple[list[bytes], Server]:
        async with Server(ok, tls_server_context(authority)) as server:
            return await fetch_all(server, ["/a", "/b"]), server

    bodies, server = asyncio.run(run())
    assert bodies == [b"ok", b"ok"] and server.connections == 1


def test_https_with_an_untrusted_certificate_is_refused(authority: trustme.CA) -> None:
    async def run() -> FetchError:
        # The fetcher trusts the system's certificate authorities, not ours.
        async with (
            Server(ok, tls_server_context(authority)) as server,
            Fetcher(settings()) as client,
        ):
            with pytest.raises(FetchError) as caught:
                await client.fetch(server.url + "/")
        return caught.value

    error = asyncio.run(run())
    assert error.kind == "connection" and "CERTIFICATE_VERIFY_FAILED" in str(error)


def _segmented_head(size: int) -> Handler:
    """A response whose head is ``size`` bytes of Set-Cookie lines (long cookies and Link
    headers are seen on real sites), written in 8 KiB segments with pauses."""
    line = "Set-Cookie: c{n:04d}=" + "v" * 1000 + "\r\n"
    count = (size - 40) // len(line.format(n=0))
    head = "HTTP/1.1 200 OK\r\n" + "".join(line.format(n=n) for n in range(count))
    data = (head + "Content-Length: 2\r\n\r\n").encode() + b"ok"

    async def handler(request: bytes, writer: asyncio.StreamWriter) -> bool:
        for start in range(0, len(data), 8192):
            writer.write(data[start : start + 8192])
            await writer.drain()
            await asyncio.sleep(0.005)
        return True

    return handler


def _fetch_from(handler: Handler) -> Fetched | FetchError:
    async def run() -> Fetched | FetchError:
        async with Server(handler) as server, Fetcher(settings()) as client:
            try:
                return await client.fetch(server.url + "/")
            except FetchError as exc:
                return exc

    return asyncio.run(run())


def test_a_100_kib_response_head_in_several_segments_is_read() -> None:
    """h11's 16 KiB default refused such heads in the fetcher's former transport; httpx (through
    httpcore) reads heads up to 100 KiB."""
    fetched = _fetch_from(_segmented_head(100 * 1024 - 512))
    assert isinstance(fetched, Fetched) and fetched.body == b"ok"


def test_a_larger_head_is_a_clear_connection_error() -> None:
    error = _fetch_from(_segmented_head(300 * 1024))
    assert isinstance(error, FetchError) and error.kind == "connection"
    assert "broke the HTTP exchange" in str(error)


def test_a_proxy_named_in_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    async def proxy(head: bytes, writer: asyncio.StreamWriter) -> bool:
        return await ok(head, writer)

    async def run() -> Server:
        async with Server(proxy) as server:
            monkeypatch.setenv("HTTP_PROXY", server.url)
            for name in ("NO_PROXY", "no_proxy", "http_proxy", "ALL_PROXY", "all_proxy"):
                monkeypatch.delenv(name, raising=False)
            async with Fetcher(settings()) as client:
                assert (await client.fetch("http://list.example/terror.htm")).body == b"ok"
        return server

    server = asyncio.run(run())
    assert server.requests[0].startswith(b"GET http://list.example/terror.htm HTTP/1.1")


def test_unsupported_schemes_are_refused() -> None:
    async def run() -> FetchError:
        async with Fetcher(settings()) as client:
            with pytest.raises(FetchError) as caught:
                await client.fetch("ftp://127.0.0.1/file")
        return caught.value

    assert "ftp" in str(asyncio.run(run()))

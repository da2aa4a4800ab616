"""The fetcher's own HTTP/1.1 transport against real local sockets, plain and TLS: connections
kept and dropped when they should be, stale ones replaced, bodies framed every way HTTP/1.1 frames
them, and certificates checked."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable

import httpx
import pytest
import trustme

from monitor.config import HttpSettings
from monitor.errors import FetchError
from monitor.fetch import Fetcher
from monitor.transport import Transport, default_transport

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
    assert body == b"ok" and server.connections == 2


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


def test_https_with_a_trusted_certificate(authority: trustme.CA) -> None:
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)

    async def run() -> tuple[list[bytes], Server]:
        async with Server(ok, tls_server_context(authority)) as server:
            transport = Transport(ssl_context=client_context)
            return await fetch_all(server, ["/a", "/b"], transport=transport), server

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


def test_a_proxy_in_the_environment_leaves_requests_to_httpx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "localhost")
    assert isinstance(default_transport(max_idle=4), Transport)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    assert default_transport(max_idle=4) is None


def test_unsupported_schemes_are_refused() -> None:
    async def run() -> None:
        async with httpx.AsyncClient(transport=Transport()) as client:
            await client.get("ftp://127.0.0.1/file")

    with pytest.raises(httpx.UnsupportedProtocol):
        asyncio.run(run())

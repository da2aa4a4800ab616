"""The whole-request deadline of the threaded fetcher, against real local sockets: a request given
up at its deadline (or cancelled, or left in flight when the fetcher closes) does not go on reading
in its thread; the server sees its connection end. And the fetcher's requests run in its own
threads, never on the event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from monitor.config import HttpSettings
from monitor.errors import FetchError
from monitor.fetch import Fetcher

OK = b'HTTP/1.1 200 OK\r\nETag: "v1"\r\nContent-Length: 2\r\n\r\nok'
NOT_MODIFIED = b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n'
WAIT = 10.0  # the most a test waits for the server to see a connection end (it is at once)


class Server:
    """Answers the paths of ``routes`` (a handler each); records when each connection ends."""

    def __init__(self, routes: dict[str, object]) -> None:
        self.routes = routes
        self.connections = 0
        self.ended: asyncio.Queue[str] = asyncio.Queue()

    async def __aenter__(self) -> Server:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        path = "?"
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                handler = self.routes[path]
                await handler(head, reader, writer)  # type: ignore[operator]
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            self.ended.put_nowait(path)


async def ok(head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(NOT_MODIFIED if b'if-none-match: "v1"' in head.lower() else OK)
    await writer.drain()


async def silent(head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Reads the request and never answers; returns when the client goes away."""
    await reader.read()
    raise ConnectionError


async def trickle(head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(1000):
        writer.write(b"x")
        await writer.drain()
        await asyncio.sleep(0.2)


async def head_trickle(
    head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """A response head that never ends, a byte at a time: each read returns within any timeout."""
    writer.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while True:
        writer.write(b"z")
        await writer.drain()
        await asyncio.sleep(0.2)


def settings(timeout: str = "1s") -> HttpSettings:
    return HttpSettings(timeout=timeout, max_bytes="1MB")


def test_a_response_that_never_comes_ends_its_connection_at_the_deadline() -> None:
    async def run() -> tuple[FetchError, str]:
        async with Server({"/silent": silent}) as server, Fetcher(settings()) as fetcher:
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch(server.url + "/silent")
            # The thread's read was ended, not left waiting: the server sees the connection go.
            ended = await asyncio.wait_for(server.ended.get(), WAIT)
        return caught.value, ended

    error, ended = asyncio.run(run())
    assert error.kind == "timeout" and "within 1s" in str(error)
    assert ended == "/silent"


def test_a_trickle_on_a_kept_alive_connection_is_cut_at_the_deadline() -> None:
    """The connection was opened by an earlier request; the deadline still ends its read."""

    async def run() -> tuple[bool, FetchError, str, int]:
        routes = {"/doc": ok, "/trickle": trickle}
        async with Server(routes) as server, Fetcher(settings()) as fetcher:
            first = await fetcher.fetch(server.url + "/doc")
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch(server.url + "/trickle")
            ended = await asyncio.wait_for(server.ended.get(), WAIT)
        return first.not_modified, caught.value, ended, server.connections

    not_modified, error, ended, connections = asyncio.run(run())
    assert not not_modified and error.kind == "timeout"
    assert ended == "/trickle" and connections == 1


def test_a_cancelled_fetch_ends_its_read() -> None:
    """What the service does to a poll still running after its grace period."""

    async def run() -> str:
        async with Server({"/silent": silent}) as server, Fetcher(settings("60s")) as fetcher:
            task = asyncio.create_task(fetcher.fetch(server.url + "/silent"))
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return await asyncio.wait_for(server.ended.get(), WAIT)

    assert asyncio.run(run()) == "/silent"


def test_closing_the_fetcher_ends_reads_still_in_flight() -> None:
    async def run() -> str:
        async with Server({"/silent": silent}) as server:
            fetcher = Fetcher(settings("60s"))
            task = asyncio.create_task(fetcher.fetch(server.url + "/silent"))
            await asyncio.sleep(0.2)
            await fetcher.aclose()
            ended = await asyncio.wait_for(server.ended.get(), WAIT)
            with pytest.raises(FetchError) as caught:
                await task
            assert caught.value.kind == "timeout"
            return ended

    assert asyncio.run(run()) == "/silent"


def test_closing_the_fetcher_ends_a_head_trickling_in_on_a_kept_alive_connection() -> None:
    """Which kept-alive connection a request is given is not known before its head is read, so
    the poll gives up at its deadline and the read goes on: until the fetcher closes."""

    async def run() -> tuple[FetchError, int, str]:
        async with Server({"/doc": ok, "/slow-head": head_trickle}) as server:
            fetcher = Fetcher(settings())
            await fetcher.fetch(server.url + "/doc")
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch(server.url + "/slow-head")
            await fetcher.aclose()
            ended = await asyncio.wait_for(server.ended.get(), WAIT)
        return caught.value, server.connections, ended

    error, connections, ended = asyncio.run(run())
    assert error.kind == "timeout" and connections == 1
    assert ended == "/slow-head"


def test_requests_run_in_the_fetchers_threads_and_keep_their_connections() -> None:
    """Ten conditional GETs at once, in the fetcher's own threads (named ``fetch``), over at
    most ``per_host`` connections: the 304s keep theirs."""

    async def run() -> tuple[list[bool], int, list[str]]:
        async with (
            Server({"/doc": ok}) as server,
            Fetcher(HttpSettings(timeout="5s", concurrency=4, per_host=2)) as fetcher,
        ):
            first = await fetcher.fetch(server.url + "/doc")
            later = await asyncio.gather(
                *(fetcher.fetch(server.url + "/doc", etag=first.etag) for _ in range(10))
            )
            threads = [t.name for t in threading.enumerate() if t.name.startswith("fetch")]
        return [f.not_modified for f in later], server.connections, threads

    flags, connections, threads = asyncio.run(run())
    assert all(flags) and connections <= 2
    assert 1 <= len(threads) <= 4

"""Hostile HTTP: every misbehaviour ends within its limits as a readable source_failed, and the
other sources of the same pass are unaffected."""

from __future__ import annotations

import asyncio
import gzip
import time
from pathlib import Path

from monitor.app import App
from monitor.config import load_settings
from monitor.events import encode
from tests.conftest import write_config
from tests.hardening.servers import HostileServer, respond

GOOD_FEED = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>ok</title>
<item><guid isPermaLink="false">g1</guid><title>Fine</title></item></channel></rss>"""
LIST_XML = "<LIST><ENTRY><NAME>Организация «Один»</NAME></ENTRY><ENTRY><NAME>Организация «Два»</NAME></ENTRY></LIST>"


async def stall(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n")
    await writer.drain()
    await asyncio.sleep(60)


async def trickle(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n")
    for _ in range(5000):
        writer.write(b"<")
        await writer.drain()
        await asyncio.sleep(1)


async def gigabyte(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n\r\n")
    chunk = b"<x>" + b"a" * 65530 + b"</x>"
    for _ in range(1024 * 1024 * 1024 // len(chunk)):
        writer.write(chunk)
        await writer.drain()


BOMB = gzip.compress(b" " * (200 * 1024 * 1024))


async def reset(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n<rss")
    await writer.drain()
    writer.transport.abort()


ROUTES = {
    "/good": respond("200 OK", GOOD_FEED, Content_Type="application/rss+xml"),
    "/stall": stall,
    "/trickle": trickle,
    "/gigabyte": gigabyte,
    "/gzip-bomb": respond("200 OK", BOMB, Content_Type="application/xml", Content_Encoding="gzip"),
    "/loop-a": respond("302 Found", b"", Location="/loop-b"),
    "/loop-b": respond("302 Found", b"", Location="/loop-a"),
    "/error-page": respond(
        "200 OK", b"<html><body><h1>Access denied</h1></body></html>", Content_Type="text/html"
    ),
    "/empty": respond("200 OK", b"", Content_Type="application/xml"),
    "/busy": respond("429 Too Many Requests", b"slow down", Retry_After="3600"),
    "/reset": reset,
    "/gone": respond("500 Internal Server Error", b"oops"),
    "/wrong-charset": respond(
        "200 OK", LIST_XML.encode("cp1251"), Content_Type="application/xml; charset=utf-8"
    ),
    "/no-charset": respond("200 OK", LIST_XML.encode("cp1251"), Content_Type="application/xml"),
}

FEEDS = ["stall", "trickle", "gigabyte", "gzip-bomb", "loop-a", "empty", "busy", "reset", "gone"]
EXPECTED = {
    "stall": "no complete response within 3s",
    "trickle": "no complete response within 3s",
    "gigabyte": "larger than the",
    "gzip-bomb": "larger than the",
    "loop-a": "redirect loop",
    "empty": "not a readable feed",
    "busy": "HTTP 429",
    "reset": "connection",
    "gone": "HTTP 500",
    "error-page": "HTML page",
}


def test_each_misbehaviour_is_a_clear_failure_and_the_rest_still_work(tmp_path: Path) -> None:
    with HostileServer(ROUTES) as base:
        sources = [
            f'[[source]]\nid = "{name}"\nkind = "feed"\nurl = "{base}/{name}"\n'
            for name in ["good", *FEEDS]
        ]
        for name in ("error-page", "wrong-charset", "no-charset"):
            sources.append(
                f'[[source]]\nid = "{name}"\nkind = "list"\nformat = "xml"\nurl = "{base}/{name}"\n'
                'entries = "//ENTRY"\nkey = "name"\n[source.fields]\nname = "NAME"\n'
            )
        config = write_config(
            tmp_path,
            "".join(sources)
            + '[http]\ntimeout = "3s"\nmax_bytes = "1MB"\n[health]\nfail_after = 1\n',
        )
        app = App(load_settings(config))
        try:
            started = time.monotonic()
            results = {r.source: r for r in app.poll_now(app.sources())}
            took = time.monotonic() - started
            failed = {e.source: encode(e.payload) for e in app.store.read(types=["source_failed"])}
            entries = {
                e.source: e.payload.entry["name"] for e in app.store.read(types=["entry_added"])
            }
            state = app.store.source_state("busy")
        finally:
            app.close()
    assert took < 20, f"a pass with hostile servers took {took:.1f}s"
    assert results["good"].status == "changed"
    for name, needle in EXPECTED.items():
        assert results[name].failed, name
        assert needle in failed[name]["error"], (name, failed[name])
        assert "Traceback" not in failed[name]["error"]
    assert results["busy"].retry_after == 3600
    assert (state.next_poll_at - state.last_poll_at).total_seconds() >= 3600, (
        "Retry-After is honoured"
    )
    # A lying or missing charset still reads the Cyrillic right (cp1251 detected, not mojibake).
    for name in ("wrong-charset", "no-charset"):
        assert not results[name].failed, results[name]
        assert entries[name] in ('Организация "Один"', 'Организация "Два"')
    assert set(failed) == set(EXPECTED)

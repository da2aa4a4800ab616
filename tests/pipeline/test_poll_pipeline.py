"""A pass polls sources a slice at a time, but a slow poll holds up no other slice."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from monitor.app import App, Claim
from monitor.config import load_settings
from monitor.errors import StoreError
from monitor.store import log
from tests.conftest import write_config
from tests.hardening.servers import HostileServer, respond
from tests.pipeline.test_feed_items import rss

CONCURRENCY = 2  # polls in flight; a slice is 4 × that
QUICK = 9  # sources after the slow one: the slice of 8 holds the slow one and 7 quick ones
PATIENCE = 15.0  # seconds the slow answer waits for the last source's request


def test_a_slow_poll_does_not_hold_up_the_next_slice(tmp_path: Path) -> None:
    served: list[str] = []
    last_asked = asyncio.Event()  # lives in the server's loop; set and awaited only there
    feed = rss([("a1", "Story one")])

    def quick(name: str):
        answer = respond("200 OK", feed, Content_Type="application/rss+xml")

        async def handler(writer: asyncio.StreamWriter) -> None:
            if name == f"q{QUICK - 1}":
                last_asked.set()
            await answer(writer)
            served.append(name)

        return handler

    async def slow(writer: asyncio.StreamWriter) -> None:
        try:
            await asyncio.wait_for(last_asked.wait(), PATIENCE)
        except TimeoutError:
            served.append("gave up waiting")
        await respond("200 OK", feed, Content_Type="application/rss+xml")(writer)
        served.append("slow")

    routes = {"/slow": slow, **{f"/q{i}": quick(f"q{i}") for i in range(QUICK)}}
    with HostileServer(routes) as base:
        names = ["slow", *(f"q{i}" for i in range(QUICK))]
        sources = "".join(
            f'[[source]]\nid = "{n}"\nkind = "feed"\nurl = "{base}/{n}"\n' for n in names
        )
        http = f"[http]\nconcurrency = {CONCURRENCY}\nper_host = {CONCURRENCY}\n"
        settings = load_settings(
            write_config(tmp_path, f"[service]\nprocesses = 0\n{http}{sources}")
        )
        app = App(settings)
        try:
            results = asyncio.run(app.poll(app.sources()))
        finally:
            app.close()
    assert [r.source for r in results] == names  # in the order asked
    assert all(not r.failed for r in results), results
    assert "gave up waiting" not in served, "the next slice waited for the slow poll"
    assert served.index(f"q{QUICK - 1}") < served.index("slow")


def test_a_failing_claim_lets_the_polls_under_way_finish(tmp_path: Path) -> None:
    feed = rss([("a1", "Story one")])
    names = [f"q{i}" for i in range(QUICK)]
    routes = {f"/{n}": respond("200 OK", feed, Content_Type="application/rss+xml") for n in names}
    with HostileServer(routes) as base:
        sources = "".join(
            f'[[source]]\nid = "{n}"\nkind = "feed"\nurl = "{base}/{n}"\n' for n in names
        )
        http = f"[http]\nconcurrency = {CONCURRENCY}\nper_host = {CONCURRENCY}\n"
        app = App(
            load_settings(write_config(tmp_path, f"[service]\nprocesses = 0\n{http}{sources}"))
        )
        claim = app.claim
        calls: list[int] = []

        def claim_once(*args: Any, **kwargs: Any) -> list[Claim]:
            calls.append(1)
            if len(calls) > 1:  # the second slice's claim fails
                raise StoreError("the database went away")
            return claim(*args, **kwargs)

        app.claim = claim_once  # type: ignore[method-assign]
        try:
            with pytest.raises(StoreError, match="went away"):
                asyncio.run(app.poll(app.sources()))
            with app.store.read_tx() as conn:
                published = log.read(conn, types=["item_published"])
        finally:
            app.close()
    first_slice = names[: 4 * CONCURRENCY]
    assert sorted(e.source for e in published) == first_slice  # each recorded its item

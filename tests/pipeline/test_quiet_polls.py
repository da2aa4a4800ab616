"""Quiet polls (nothing new) are recorded many to a transaction, each completely, and one
poll's failure to record does not lose the others'."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.app import App
from monitor.batch import Batcher
from monitor.config import load_settings
from monitor.fetch import Fetcher
from monitor.store import Transaction
from monitor.store.tables import PollRow, SourceStateRow
from tests.conftest import write_config
from tests.pipeline.test_feed_items import rss

SOURCES = 30


def serve_feeds(httpserver: HTTPServer, down: frozenset[str] | set[str] = frozenset()) -> None:
    """Thirty feeds with ETags, answering 304 to a matching If-None-Match; those in ``down``
    answer 500."""

    def handler(request: Request) -> Response:
        if request.path.strip("/") in down:
            return Response("down", status=500)
        body = rss([(request.path.strip("/"), f"Story at {request.path}")])
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type="application/rss+xml", headers={"ETag": etag})

    for i in range(SOURCES):
        httpserver.expect_request(f"/f{i:02d}").respond_with_handler(handler)


def make_app(httpserver: HTTPServer, tmp_path: Path, concurrency: int = 10) -> App:
    sources = "".join(
        f'[[source]]\nid = "f{i:02d}"\nkind = "feed"\nurl = "{httpserver.url_for(f"/f{i:02d}")}"\n'
        for i in range(SOURCES)
    )
    http = f"[http]\nconcurrency = {concurrency}\nper_host = {concurrency}\n\n"
    return App(load_settings(write_config(tmp_path, http + sources)))


def polls(app: App) -> list[Any]:
    with app.store.read_tx() as conn:
        return list(conn.execute(sa.select(PollRow.__table__)))


def test_quiet_polls_share_transactions_and_are_each_recorded(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_feeds(httpserver)
    app = make_app(httpserver, tmp_path)
    sources = app.sources()
    assert {r.status for r in app.poll_now(sources)} == {"changed"}

    record_polls, calls = Transaction.record_polls, 0

    def slow_first(tx: Transaction, polls: list[Any]) -> None:
        """The first write takes a while, as under load: the next polls queue up meanwhile."""
        nonlocal calls
        calls += 1
        if calls == 1:
            time.sleep(0.3)
        record_polls(tx, polls)

    monkeypatch.setattr(Transaction, "record_polls", slow_first)

    commits = 0

    def count(_conn: Any) -> None:
        nonlocal commits
        commits += 1

    sa.event.listen(app.store.engine, "commit", count)
    results = app.poll_now(sources)
    sa.event.remove(app.store.engine, "commit", count)

    assert [r.status for r in results] == ["not_modified"] * SOURCES
    quiet = [p for p in polls(app) if p.status == "not_modified"]
    assert sorted(p.source for p in quiet) == [s.id for s in sources]
    assert all(p.http_status == 304 and p.worker == app.worker for p in quiet)
    with app.store.read_tx() as conn:
        states = {row.source: row for row in conn.execute(sa.select(SourceStateRow.__table__))}
    assert all(states[s.id].last_status == "not_modified" for s in sources)
    # Claims are a few transactions; the 30 polls take fewer than one each.
    assert commits < SOURCES
    app.close()


def test_quiet_polls_do_not_hold_room_while_they_wait_to_be_written(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Polls in flight are bounded (here 2), but a quiet poll holds no document: it leaves
    room at once, so more polls run while a write is slow and the next write takes them all."""
    serve_feeds(httpserver)
    app = make_app(httpserver, tmp_path, concurrency=2)
    sources = app.sources()
    assert {r.status for r in app.poll_now(sources)} == {"changed"}

    record_polls, sizes = Transaction.record_polls, []

    def slow_first(tx: Transaction, polls: list[Any]) -> None:
        sizes.append(len(polls))
        if len(sizes) == 1:
            time.sleep(0.3)
        record_polls(tx, polls)

    monkeypatch.setattr(Transaction, "record_polls", slow_first)
    results = app.poll_now(sources)
    app.close()
    assert [r.status for r in results] == ["not_modified"] * SOURCES
    assert sum(sizes) == SOURCES
    assert max(sizes) > 2, sizes  # more quiet polls than the room for polls in flight


def test_one_poll_failing_to_record_loses_no_other(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_feeds(httpserver)
    app = make_app(httpserver, tmp_path)
    sources = app.sources()[:10]
    app.poll_now(sources)

    record_poll, record_polls = Transaction.record_poll, Transaction.record_polls
    order: list[str] = []

    def check(source: str) -> None:
        """The first poll recorded is slow, so the others queue up behind it; the first of
        those then fails, in a batch with the rest."""
        order.append(source)
        if len(order) == 1:
            time.sleep(0.3)
        elif source == order[1]:
            raise RuntimeError("disk I/O error")

    def one(tx: Transaction, **values: Any) -> None:
        check(values["source"])
        record_poll(tx, **values)

    def many(tx: Transaction, polls: list[Any]) -> None:
        for poll in polls:
            check(poll["source"])
        record_polls(tx, polls)

    monkeypatch.setattr(Transaction, "record_poll", one)
    monkeypatch.setattr(Transaction, "record_polls", many)

    async def poll_all() -> list[Any]:
        async with Fetcher(app.settings.http) as fetcher:
            poller = app.poller(fetcher)
            claims = app.claim(sources, due_only=False)
            polls = (poller.poll(claim.source, claim.state) for claim in claims)
            return await asyncio.gather(*polls, return_exceptions=True)

    results = dict(zip([s.id for s in sources], asyncio.run(poll_all()), strict=True))
    assert isinstance(results.pop(order[1]), RuntimeError)
    assert {r.status for r in results.values()} == {"not_modified"}
    quiet = sorted(p.source for p in polls(app) if p.status == "not_modified")
    assert quiet == sorted(results)
    app.close()


def test_a_failing_source_that_answers_304_recovers(httpserver: HTTPServer, tmp_path: Path) -> None:
    """A quiet poll of a failing source is not quiet: it records source_recovered."""
    down: set[str] = set()
    serve_feeds(httpserver, down)
    app = make_app(httpserver, tmp_path)
    sources = app.sources()[:5]
    app.poll_now(sources)

    down.add("f02")
    for _ in range(app.settings.fail_after(sources[2])):
        statuses = {r.source: r.status for r in app.poll_now(sources)}
        assert statuses.pop("f02") == "failed"
        assert set(statuses.values()) == {"not_modified"}
    assert [e.source for e in app.store.read(types=["source_failed"])] == ["f02"]

    down.clear()
    results = {r.source: r for r in app.poll_now(sources)}
    assert {r.status for r in results.values()} == {"not_modified"}
    recovered = app.store.read(types=["source_recovered"])
    assert [e.source for e in recovered] == ["f02"]
    assert results["f02"].event_ids == (recovered[0].id,)
    assert all(r.event_ids == () for k, r in results.items() if k != "f02")
    app.close()


def test_the_last_polls_of_a_pass_are_recorded_without_gathering(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quiet polls gather before their write, but not for polls a pass will never start:
    once every poll of the pass is over or waiting, the batch goes (`run --once` of one
    source used to wait out the whole gathering)."""
    serve_feeds(httpserver)
    app = make_app(httpserver, tmp_path)
    sources = app.sources()[:3]
    app.poll_now(sources)
    monkeypatch.setattr("monitor.poll.Batcher", functools.partial(Batcher, gather=30.0))
    for part in (sources[:1], sources):
        started = time.monotonic()
        results = app.poll_now(part)
        assert [r.status for r in results] == ["not_modified"] * len(part)
        assert time.monotonic() - started < 10
    app.close()

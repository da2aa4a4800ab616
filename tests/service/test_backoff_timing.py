"""When a failing source is polled again: at its own interval until it is judged failing
(``fail_after``), then backed off, and an official list never less often than its interval.

The poller runs on an injected clock: each poll happens at the moment the previous one set as
due, so the gaps between polls are exactly what the schedule gives, with no real waiting.
"""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.app import App
from monitor.config import load_settings
from monitor.fetch import Fetcher
from monitor.poll import Poller
from monitor.schedule import JITTER, MAX_BACKOFF, next_delay
from tests.conftest import write_config
from tests.service.test_run import list_source

HOUR = 3600.0
FEED_SOURCE = '\n[[source]]\nid = "{id}"\nkind = "feed"\nurl = "{url}"\nevery = "{every}"\n'


def poll_when_due(app: App, source_id: str, polls: int) -> list[float]:
    """Poll a source ``polls`` times, each at the due time the previous poll set (on an
    injected clock); the gaps between polls, in seconds."""
    source = app.settings.source(source_id)
    now = [datetime(2025, 4, 17, 9, 0, tzinfo=UTC)]
    gaps = []

    async def run() -> None:
        async with Fetcher(app.settings.http) as fetcher:
            poller = Poller(
                app.settings, app.store, fetcher, worker=app.worker, clock=lambda: now[0]
            )
            for _ in range(polls):
                [claim] = app.claim([source], due_only=False)
                result = await poller.poll(claim.source, claim.state)
                assert result.failed, result
                due = app.store.source_state(source_id).next_poll_at
                assert due is not None
                gaps.append((due - now[0]).total_seconds())
                now[0] = due

    asyncio.run(run())
    return gaps


def health(invoke, config: Path, source_id: str) -> str:
    rows = [json.loads(x) for x in invoke(config, "sources", "--json").out.splitlines()]
    return next(r["health"] for r in rows if r["id"] == source_id)


@pytest.fixture
def broken_url(httpserver: HTTPServer) -> str:
    httpserver.expect_request("/broken").respond_with_handler(
        lambda _r: Response("down for maintenance", status=503)
    )
    return httpserver.url_for("/broken")


def test_a_list_is_retried_within_its_interval_before_and_after_it_is_judged_failing(
    broken_url: str, tmp_path: Path, invoke
) -> None:
    config = write_config(tmp_path, list_source("fsb", broken_url, "6h"))
    app = App(load_settings(config))
    try:
        gaps = poll_when_due(app, "fsb", 2)
        assert all(gap <= 6 * HOUR for gap in gaps), gaps
        assert app.store.read(types=["source_failed"]) == []
        assert health(invoke, config, "fsb") == "ok"

        gaps = poll_when_due(app, "fsb", 8)
        [failed] = app.store.read(types=["source_failed"])
        assert failed.payload.failures == 3
        assert health(invoke, config, "fsb").startswith("failing since")
        assert all(gap <= 6 * HOUR for gap in gaps), gaps
    finally:
        app.close()


def test_a_feed_backs_off_only_once_it_is_judged_failing(
    broken_url: str, tmp_path: Path, invoke
) -> None:
    every = 15 * 60.0
    body = FEED_SOURCE.format(id="voa", url=broken_url, every="15m")
    config = write_config(tmp_path, body + "\n[health]\nfail_after = 4\n")
    app = App(load_settings(config))
    try:
        before = poll_when_due(app, "voa", 3)
        assert all(gap <= every for gap in before), before
        assert health(invoke, config, "voa") == "ok"

        after = poll_when_due(app, "voa", 6)
        assert health(invoke, config, "voa").startswith("failing since")
        # Doubling from the poll that judged it failing: 2, 4, 8, 16, 16, 16 intervals.
        for gap, factor in zip(after, [2, 4, 8, 16, 16, 16], strict=True):
            nominal = every * factor
            assert nominal * (1 - JITTER) <= gap <= nominal * (1 + JITTER), after
    finally:
        app.close()


@pytest.mark.parametrize("kind", ["feed", "list"])
def test_failures_before_fail_after_never_wait_longer_than_the_interval(kind: str) -> None:
    rng = random.Random(19)
    for every in (60.0, 900.0, 6 * HOUR, 7 * 86400.0):
        for failures in (1, 2):
            for retry_after in (None, 30.0, 10 * every):
                delay = next_delay(
                    every,
                    failures=failures,
                    fail_after=3,
                    kind=kind,
                    retry_after=retry_after,
                    rng=rng,
                )
                assert every * (1 - JITTER) <= delay <= every, (every, failures, retry_after)


def test_once_failing_a_list_waits_at_most_its_interval_and_a_feed_at_most_a_day() -> None:
    rng = random.Random(6)
    for failures in range(3, 40):
        for retry_after in (None, 2 * 86400.0):
            as_list = next_delay(
                6 * HOUR,
                failures=failures,
                fail_after=3,
                kind="list",
                retry_after=retry_after,
                rng=rng,
            )
            assert 6 * HOUR * (1 - JITTER) <= as_list <= 6 * HOUR
            as_feed = next_delay(
                6 * HOUR,
                failures=failures,
                fail_after=3,
                kind="feed",
                retry_after=retry_after,
                rng=rng,
            )
            assert 12 * HOUR * (1 - JITTER) <= as_feed <= MAX_BACKOFF


def test_a_successful_poll_keeps_the_interval_with_jitter() -> None:
    rng = random.Random(1)
    delays = [next_delay(900.0, fail_after=3, kind="feed", rng=rng) for _ in range(200)]
    assert 900 * (1 - JITTER) <= min(delays) < 900 < max(delays) <= 900 * (1 + JITTER)


def test_retry_after_is_honoured_once_failing() -> None:
    delay = next_delay(
        900.0, failures=3, fail_after=3, kind="feed", retry_after=5 * HOUR, rng=random.Random(2)
    )
    assert delay == 5 * HOUR

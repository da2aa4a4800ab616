"""A failing source: one source_failed after the threshold, one source_recovered, and backoff
from the threshold on."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.app import App
from monitor.clock import utcnow
from monitor.config import load_settings
from monitor.schedule import JITTER
from tests.conftest import write_config

FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><guid>g1</guid><title>x</title></item></channel></rss>'


def test_five_failures_one_source_failed_then_one_recovered(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    state = {"status": 500}
    httpserver.expect_request("/feed.xml").respond_with_handler(
        lambda _r: Response(
            FEED if state["status"] == 200 else "boom",
            status=state["status"],
            content_type="application/rss+xml",
        )
    )
    every = 60.0
    config = write_config(
        tmp_path,
        f'[[source]]\nid = "flaky"\nkind = "feed"\nurl = "{httpserver.url_for("/feed.xml")}"\nevery = "{every:g}s"\n',
    )
    app = App(load_settings(config))
    try:
        source = app.settings.source("flaky")
        delays = []
        for _ in range(5):
            [result] = app.poll_now([source])
            assert result.failed and "HTTP 500" in (result.error or "")
            state_row = app.store.source_state("flaky")
            delays.append((state_row.next_poll_at - utcnow()).total_seconds())
        failed = app.store.read(types=["source_failed"])
        assert len(failed) == 1
        assert failed[0].payload.error == "HTTP 500 INTERNAL SERVER ERROR"
        assert failed[0].payload.failures == 3
        # Its interval (or a little less) until judged failing at the third, then backed off.
        for delay in delays[:2]:
            assert every * (1 - JITTER) - 2 <= delay <= every, delays
        expected = [every * 2**n for n in (1, 2, 3)]
        for delay, nominal in zip(delays[2:], expected, strict=True):
            assert nominal * (1 - JITTER) - 2 <= delay <= nominal * (1 + JITTER), (delays, expected)

        state["status"] = 200
        [result] = app.poll_now([source])
        assert not result.failed
        [result] = app.poll_now([source])
        recovered = app.store.read(types=["source_recovered"])
        assert len(recovered) == 1 and recovered[0].id > failed[0].id
        assert len(app.store.read(types=["source_failed"])) == 1
        delay = (app.store.source_state("flaky").next_poll_at - utcnow()).total_seconds()
        assert delay <= every * (1 + JITTER)
    finally:
        app.close()

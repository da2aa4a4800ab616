"""``[service] fast_feeds``: the lxml reading of plain feeds can be switched off for a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.app import App
from monitor.config import load_settings
from monitor.sources import fastfeed
from tests.conftest import write_config
from tests.pipeline.test_feed_items import FIRST, rss


@pytest.mark.parametrize("fast", [True, False])
def test_the_fast_path_reads_plain_feeds_unless_switched_off(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    httpserver.expect_request("/feed.xml").respond_with_handler(
        lambda _request: Response(rss(FIRST), content_type="application/rss+xml")
    )
    config = write_config(
        tmp_path,
        f"[service]\nprocesses = 0\nfast_feeds = {str(fast).lower()}\n"
        f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{httpserver.url_for("/feed.xml")}"\n',
    )
    read, calls = fastfeed.read, []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return read(*args, **kwargs)

    monkeypatch.setattr(fastfeed, "read", counted)
    app = App(load_settings(config))
    try:
        [result] = app.poll_now(app.sources())
        published = app.store.read(types=["item_published"])
    finally:
        app.close()
    assert result.status == "changed" and len(published) == len(FIRST)  # either way, every item
    assert bool(calls) is fast

"""A feed polled twice, then with two new items, then by a new process: no duplicate, ever."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.app import App
from monitor.config import load_settings
from tests.conftest import REPO, write_config


def rss(items: list[tuple[str, str]]) -> bytes:
    body = "".join(
        f"<item><title>{title}</title><link>https://news.example.org/{guid}</link>"
        f"<guid isPermaLink='false'>urn:wire:{guid}</guid><pubDate>Sat, 05 Oct 2024 09:00:00 GMT</pubDate>"
        f"<description>&lt;p&gt;About {title}&lt;/p&gt;</description></item>"
        for guid, title in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Wire</title><link>https://news.example.org/</link>{body}</channel></rss>"
    ).encode()


FIRST = [(f"a{i}", f"Story {i}") for i in range(5)]


def _published(invoke, config: Path) -> list[dict]:
    lines = invoke(config, "log", "--type", "item_published", "--json").out.splitlines()
    return [json.loads(line) for line in lines]


def test_items_are_published_once_across_polls_and_processes(
    httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    current = {"body": rss(FIRST)}
    httpserver.expect_request("/feed.xml").respond_with_handler(
        lambda _request: Response(current["body"], content_type="application/rss+xml")
    )
    config = write_config(
        tmp_path,
        f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{httpserver.url_for("/feed.xml")}"\n',
    )
    assert invoke(config, "poll", "wire").code == 0
    first = _published(invoke, config)
    assert sorted(e["data"]["guid"] for e in first) == sorted(f"urn:wire:{g}" for g, _ in FIRST)
    assert all(e["data"]["url"].startswith("https://news.example.org/") for e in first)
    assert first[0]["data"]["published"] == "2024-10-05T09:00:00Z"

    assert invoke(config, "poll", "wire").code == 0
    assert len(_published(invoke, config)) == 5

    newer = [("b1", "Fresh one"), ("b2", "Fresh two")]
    current["body"] = rss(newer + FIRST)
    assert invoke(config, "poll", "wire").code == 0
    after = _published(invoke, config)
    assert len(after) == 7
    fresh = [e for e in after if e["id"] > max(x["id"] for x in first)]
    assert sorted(e["data"]["guid"] for e in fresh) == ["urn:wire:b1", "urn:wire:b2"]

    # A new process, with the same feed reordered and a changed body: nothing new.
    current["body"] = rss(list(reversed(newer + FIRST)))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "poll", "wire"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    final = _published(invoke, config)
    assert len(final) == 7
    guids = [e["data"]["guid"] for e in final]
    assert len(guids) == len(set(guids))


class _Recording:
    """The real detector, noting which items it was asked to classify."""

    def __init__(self, detector: Any) -> None:
        self.detector = detector
        self.asked: list[list[str]] = []

    def classify(self, source: Any, items: Any) -> Any:
        self.asked.append([item.guid for item in items])
        return self.detector.classify(source, items)

    def record(self, *args: Any) -> Any:
        return self.detector.record(*args)


def test_a_first_poll_classifies_every_item_later_polls_only_new_ones(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    current = {"body": rss(FIRST)}
    httpserver.expect_request("/feed.xml").respond_with_handler(
        lambda _request: Response(current["body"], content_type="application/rss+xml")
    )
    url = httpserver.url_for("/feed.xml")
    settings = load_settings(
        write_config(tmp_path, f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{url}"\n')
    )
    app = App(settings)
    recording = _Recording(app.detector)
    app.detector = recording
    try:
        asyncio.run(app.poll(app.sources()))  # first poll: parsed and classified in one step
        assert recording.asked == [[f"urn:wire:{g}" for g, _ in FIRST]]
        current["body"] = rss([("b1", "Fresh one"), *FIRST])
        results = asyncio.run(app.poll(app.sources()))
        assert results[0].status == "changed"
        assert recording.asked[1:] == [["urn:wire:b1"]]  # the log already knows the rest
    finally:
        app.close()

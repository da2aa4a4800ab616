"""A feedparser release that renames a helper the fast feed reader mirrors costs speed, never a
poll: feedparser's public API reads every feed, with the same items."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO

FEED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>wire</title>'
    b"<item><title>Kazakhstan delists a group</title><link>https://wire.example/1</link>"
    b"<guid>wire-1</guid><pubDate>Tue, 01 Oct 2024 09:00:00 GMT</pubDate>"
    b"<description>The ministry said so.</description></item></channel></rss>"
)

SCRIPT = """
import json, logging, sys, types
import feedparser.urls
if sys.argv[1] == "renamed":  # as importers would see a release that renamed _urljoin
    urls = types.ModuleType("feedparser.urls")
    urls.__dict__.update({k: v for k, v in vars(feedparser.urls).items() if k != "_urljoin"})
    sys.modules["feedparser.urls"] = urls
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
from monitor.sources.feed import parse_feed
feed = parse_feed(sys.stdin.buffer.read(), content_type="application/rss+xml",
                  url="https://wire.example/feed")
print(json.dumps([[i.item_id, i.title, i.url, i.published] for i in feed.items]))
"""


def _items(variant: str) -> tuple[list[list[str]], str]:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, variant],
        input=FEED,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout), proc.stderr.decode()


def test_a_feedparser_without_a_mirrored_helper_still_reads_every_feed() -> None:
    fast, quiet = _items("as-is")
    renamed, warned = _items("renamed")
    assert renamed == fast and fast[0][1] == "Kazakhstan delists a group"
    assert "the fast feed reader cannot load" in warned and "_urljoin" in warned
    assert "cannot load" not in quiet

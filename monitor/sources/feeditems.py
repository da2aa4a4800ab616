"""What a news feed is read into: plain values, kept apart from the readers that make them.

The poller, the recorder and the classifiers work with these; only parsing needs feedparser and
lxml (``monitor.sources.feed``), so a pass in which no feed changed never imports them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeedItem:
    item_id: str
    guid: str
    title: str
    url: str
    published: str | None
    summary: str
    content: str


@dataclass(frozen=True)
class ParsedFeed:
    items: list[FeedItem]
    title: str
    warning: str | None  # feedparser's "bozo" reason, when the feed was not well-formed

"""Fetched documents read as feed items or as list entries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.config import Source
    from monitor.fetch import Fetched


def parse_document(source: Source, fetched: Fetched, fast_feeds: bool = True) -> Any:
    """Bytes → feed items or list entries. CPU-bound: callers run it off the event loop.
    ``fast_feeds``: plain RSS and Atom are read with lxml where that agrees with feedparser."""
    if source.kind == "feed":
        from monitor.redact import link_base
        from monitor.sources.feed import parse_feed

        # Links are resolved against the URL without its credentials: an item's link is stored.
        return parse_feed(
            fetched.body,
            content_type=fetched.content_type,
            url=link_base(fetched.url),
            fast=fast_feeds,
        )
    from monitor.sources.lists import parse_list

    return parse_list(fetched.body, source, content_type=fetched.content_type)

"""News feeds: RSS/Atom bytes → items with a stable identity.

feedparser is only ever given the bytes (never a string: it would try it as a URL or a file path),
with the response's content type so it picks the right charset, and only through its public
``feedparser.parse``. Plain RSS 2.0 and Atom 1.0 first go to ``fastfeed``, which gives the same
identities, links and dates or stands aside; ``fast=False`` sends every feed to feedparser.
"""

from __future__ import annotations

import calendar
import contextlib
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import feedparser
from lxml import etree

from monitor.errors import ParseError
from monitor.events import format_time
from monitor.sources import fastfeed
from monitor.sources.feeditems import FeedItem, ParsedFeed, feed_item, unique
from monitor.text import plain_text


def parse_feed(body: bytes, *, content_type: str | None, url: str, fast: bool = True) -> ParsedFeed:
    """The feed's items; ``fast``: plain feeds are read by lxml when it is sure (``fastfeed``)."""
    # The fast path needs no guard: it takes only documents its strict lxml parse found clean,
    # and libxml2 rejects pathological depth itself. The guard protects feedparser.
    quick = fastfeed.read(body, content_type=content_type, url=url) if fast else None
    if quick is not None:
        return quick
    _refuse_deep_nesting(body)
    return parse_with_feedparser(body, content_type=content_type, url=url)


def parse_with_feedparser(body: bytes, *, content_type: str | None, url: str) -> ParsedFeed:
    """The reference reading of any feed, well-formed or not; the fast path must agree with it."""
    headers = {"content-type": content_type or "application/xml", "content-location": url}
    try:
        parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    except Exception as exc:  # a fault in feedparser fails this source, never the whole pass
        raise ParseError(f"not a readable feed: feedparser failed ({_describe(exc)})") from exc
    warning = None
    if parsed.get("bozo"):
        warning = _describe(parsed.get("bozo_exception"))
    entries = parsed.get("entries") or []
    if not entries and not parsed.get("version"):
        reason = warning or "no RSS or Atom structure found"
        raise ParseError(f"not a readable feed: {reason}")
    items = unique(_item(entry) for entry in entries)
    title = plain_text(parsed.get("feed", {}).get("title", "") or "")
    return ParsedFeed(items=items, title=title, warning=warning)


def _refuse_deep_nesting(body: bytes) -> None:
    """feedparser takes minutes over pathologically deep documents; libxml2 spots them at once.

    A quick lenient parse (well under a millisecond for a normal feed) looks only for libxml2's
    resource limits; every other error is left to feedparser, which copes with ill-formed feeds.
    """
    guard = etree.XMLParser(  # one per call: lxml parsers are not shared between threads
        recover=True, huge_tree=False, resolve_entities=False, no_network=True, load_dtd=False
    )
    with contextlib.suppress(etree.XMLSyntaxError):
        etree.fromstring(body, guard)
    for error in guard.error_log:
        if error.type_name == "ERR_RESOURCE_LIMIT" or "Excessive depth" in error.message:
            raise ParseError(f"not a readable feed: {error.message.strip()} (refused)")


def _item(entry: Any) -> FeedItem:
    return feed_item(
        title=entry.get("title", "") or "",
        link=entry.get("link") or "",
        guid=entry.get("id") or "",
        summary=entry.get("summary", "") or "",
        contents=[part.get("value", "") or "" for part in entry.get("content", []) or []],
        published=_published(
            entry.get(key) for key in ("published_parsed", "updated_parsed", "created_parsed")
        ),
    )


def _published(candidates: Iterable[Any]) -> str | None:
    """The first usable of feedparser's time tuples (published, updated, created)."""
    for value in candidates:
        if value:
            try:
                return format_time(datetime.fromtimestamp(calendar.timegm(value), UTC))
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _describe(exc: object) -> str:
    if exc is None:
        return "malformed feed"
    message = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {message}"[:300]

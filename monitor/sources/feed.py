"""News feeds: RSS/Atom bytes → items with a stable identity.

feedparser is only ever given the bytes (never a string: it would try it as a URL or a file path),
with the response's content type so it picks the right charset. Item identity is its guid, else
its link, else a hash of its text, so an item is recognised across polls and restarts.
"""

from __future__ import annotations

import calendar
import contextlib
import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser
import lxml.html
from lxml import etree
from lxml.etree import ParserError

from monitor.errors import ParseError
from monitor.events import format_time

MAX_TEXT = 20_000  # characters of an item's body kept in its event


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


def parse_feed(body: bytes, *, content_type: str | None, url: str) -> ParsedFeed:
    _refuse_deep_nesting(body)
    headers = {"content-type": content_type or "application/xml", "content-location": url}
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    warning = None
    if parsed.get("bozo"):
        warning = _describe(parsed.get("bozo_exception"))
    entries = parsed.get("entries") or []
    if not entries and not parsed.get("version"):
        reason = warning or "no RSS or Atom structure found"
        raise ParseError(f"not a readable feed: {reason}")
    items = []
    seen: set[str] = set()
    for entry in entries:
        item = _item(entry)
        if item.item_id in seen:
            continue
        seen.add(item.item_id)
        items.append(item)
    title = strip_html(parsed.get("feed", {}).get("title", "") or "")
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
    title = strip_html(entry.get("title", "") or "")
    link = (entry.get("link") or "").strip()
    guid = (entry.get("id") or "").strip()
    summary = strip_html(entry.get("summary", "") or "")[:MAX_TEXT]
    content = " ".join(
        strip_html(part.get("value", "") or "") for part in entry.get("content", []) or []
    )[:MAX_TEXT]
    if content == summary:
        content = ""
    published = _published(entry)
    if guid:
        item_id = f"guid:{guid}"
    elif link:
        item_id = f"link:{link}"
    else:
        digest = hashlib.sha256(f"{title}\n{summary}\n{content}".encode()).hexdigest()
        item_id = f"hash:{digest}"
    return FeedItem(
        item_id=item_id,
        guid=guid,
        title=title,
        url=link,
        published=published,
        summary=summary,
        content=content,
    )


def _published(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return format_time(datetime.fromtimestamp(calendar.timegm(value), UTC))
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def strip_html(text: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    if "<" not in text and "&" not in text:
        return " ".join(text.split())
    try:
        fragment = lxml.html.fragment_fromstring(text, create_parent="div")
        text = fragment.text_content()
    except (ParserError, ValueError):
        pass
    return " ".join(text.split())


def _describe(exc: object) -> str:
    if exc is None:
        return "malformed feed"
    message = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {message}"[:300]

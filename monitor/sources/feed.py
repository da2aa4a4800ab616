"""News feeds: RSS/Atom bytes → items with a stable identity.

feedparser is only ever given the bytes (never a string: it would try it as a URL or a file path),
with the response's content type so it picks the right charset. Item identity is its guid, else
its link, else a hash of its text, so an item is recognised across polls and restarts.

Simple, well-formed RSS 2.0 and Atom 1.0 documents take a faster road (``fastfeed``) that gives
exactly the same items; everything else, and anything it is unsure of, goes through feedparser.
"""

from __future__ import annotations

import calendar
import contextlib
import functools
import hashlib
import io
import logging
import re
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import feedparser
import lxml.html
from lxml import etree
from lxml.etree import ParserError

from monitor.errors import ParseError
from monitor.events import format_time
from monitor.sources.feeditems import FeedItem, ParsedFeed

logger = logging.getLogger("monitor.sources")

MAX_TEXT = 20_000  # characters of an item's body kept in its event


def parse_feed(body: bytes, *, content_type: str | None, url: str) -> ParsedFeed:
    # The fast path needs no guard: it takes only documents its strict lxml parse found clean,
    # and libxml2 rejects pathological depth itself. The guard protects feedparser.
    parse_simple = _fast_reader()
    fast = parse_simple(body, content_type=content_type, url=url) if parse_simple else None
    if fast is not None:
        return fast
    _refuse_deep_nesting(body)
    return parse_with_feedparser(body, content_type=content_type, url=url)


@functools.cache
def _fast_reader() -> Callable[..., ParsedFeed | None] | None:
    """fastfeed's reader, or None where it cannot load: it mirrors helpers inside feedparser, and
    a feedparser release that renames one must cost speed, never a poll. Imported here, once:
    fastfeed builds its items with this module's helpers."""
    try:
        from monitor.sources.fastfeed import parse_simple
    except (ImportError, AttributeError) as exc:
        logger.warning("the fast feed reader cannot load (%s); feedparser reads every feed", exc)
        return None
    return parse_simple


def parse_with_feedparser(body: bytes, *, content_type: str | None, url: str) -> ParsedFeed:
    """The reference reading of any feed, well-formed or not; the fast path must agree with it."""
    headers = {"content-type": content_type or "application/xml", "content-location": url}
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    warning = None
    if parsed.get("bozo"):
        warning = _describe(parsed.get("bozo_exception"))
    entries = parsed.get("entries") or []
    if not entries and not parsed.get("version"):
        reason = warning or "no RSS or Atom structure found"
        raise ParseError(f"not a readable feed: {reason}")
    items = unique(_item(entry) for entry in entries)
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
    return build_item(
        title=entry.get("title", "") or "",
        link=entry.get("link") or "",
        guid=entry.get("id") or "",
        summary=entry.get("summary", "") or "",
        contents=[part.get("value", "") or "" for part in entry.get("content", []) or []],
        published=published_time(
            entry.get(key) for key in ("published_parsed", "updated_parsed", "created_parsed")
        ),
    )


def build_item(
    *,
    title: str,
    link: str,
    guid: str,
    summary: str,
    contents: Iterable[str],
    published: str | None,
) -> FeedItem:
    """An item from feedparser-shaped values (title and bodies as HTML or text).

    Both readers end here, so an item's text and identity are derived in exactly one way.
    """
    title = strip_html(title)
    link = link.strip()
    guid = guid.strip()
    summary = strip_html(summary)[:MAX_TEXT]
    content = " ".join(strip_html(part) for part in contents)[:MAX_TEXT]
    if content == summary:
        content = ""
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


def unique(items: Iterable[FeedItem]) -> list[FeedItem]:
    """The items in order, each identity once (the first occurrence wins)."""
    kept = []
    seen: set[str] = set()
    for item in items:
        if item.item_id not in seen:
            seen.add(item.item_id)
            kept.append(item)
    return kept


def published_time(candidates: Iterable[Any]) -> str | None:
    """The first usable of feedparser's time tuples (published, updated, created)."""
    for value in candidates:
        if value:
            try:
                return format_time(datetime.fromtimestamp(calendar.timegm(value), UTC))
            except (OverflowError, ValueError, TypeError):
                continue
    return None


_FULL_DOCUMENT = re.compile(r"^\s*<(?:html|!doctype)", re.I)  # as lxml.html tells a document
# Characters lxml refuses in an element's text (lxml.html's reading fails on them, in input or in
# leading text it decoded, e.g. "&#12").
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class _Local(threading.local):
    """An HTML parser and a text query per thread: lxml's are locked while in use."""

    def __init__(self) -> None:
        self.parser = etree.HTMLParser()
        self.text = etree.XPath("string()", smart_strings=False)


_local = _Local()


def strip_html(text: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    if "<" not in text and "&" not in text:
        return " ".join(text.split())
    if not _NOT_XML_TEXT.search(text):
        # lxml.html.fragment_fromstring's own reading, without its extra tree copies (~2x faster)
        document = text if _FULL_DOCUMENT.match(text) else f"<html><body>{text}</body></html>"
        with contextlib.suppress(Exception):
            root = etree.fromstring(document, _local.parser)
            bodies = [child for child in root if child.tag == "body"]
            if root.tag == "html" and len(bodies) == 1:
                lead = bodies[0].text or ""
                if lead.strip() and _NOT_XML_TEXT.search(lead):  # as lxml.html fails on it
                    return " ".join(text.split())
                return " ".join(_local.text(bodies[0]).split())
    return _strip_fragment(text)  # anything unusual: the original way


def _strip_fragment(text: str) -> str:
    try:
        fragment = lxml.html.fragment_fromstring(text, create_parent="div")
        text = fragment.text_content()
    except (ParserError, ValueError, AssertionError):  # AssertionError: a document without body
        pass
    return " ".join(text.split())


def _describe(exc: object) -> str:
    if exc is None:
        return "malformed feed"
    message = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {message}"[:300]

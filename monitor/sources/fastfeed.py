"""A fast reading of plain RSS 2.0 and Atom 1.0 feeds with lxml, using no library's private names.

Why: feedparser spends ~35 ms on an ordinary 35-item feed (SAX callbacks per element and two
sgmllib passes over every HTML body), most of the CPU of a cold poll; lxml reads it in a few.

What must agree with feedparser is what decides: an item's identity (guid, else link, else a hash
of its text), its link and its date. A feed can flip between the two readers from one poll to the
next, and an item read both ways must not be announced twice. Titles and bodies are made from the
raw markup by :mod:`monitor.text`; they may differ from feedparser's sanitised reading in spacing
and entities, and an item's text is recorded once, when it is first seen.

So this reader takes only what it is sure of: a well-formed document (strict lxml: no DTD, no
entities, no network, no ``base``), a charset both readers settle the same way, items where
feedparser looks for them with nothing below them that feedparser would read as a link, id or
date, links and permalinks that are absolute and that no base URL changes, dates in RFC 822 or
W3C form, and a guid or link on every item (a hash of feedparser's text is feedparser's to make).
For anything else :func:`read` answers None and feedparser reads the document.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlparse, urlunparse, uses_relative

from lxml import etree

from monitor.events import format_time
from monitor.sources.feeditems import FeedItem, ParsedFeed, feed_item, unique
from monitor.text import codec, http_charset, plain_text

logger = logging.getLogger("monitor.sources")

ATOM = "http://www.w3.org/2005/Atom"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class _Unsure(Exception):
    """The document leaves what this reader is sure of: feedparser reads it instead."""


def read(body: bytes, *, content_type: str | None, url: str) -> ParsedFeed | None:
    """The feed's items, or None when feedparser might name, link or date one differently."""
    try:
        return _read(body, content_type)
    except _Unsure:
        return None
    except Exception:  # a slip here must not cost a poll: feedparser still reads the feed
        logger.warning("fast feed reader failed on %s; feedparser reads it", url, exc_info=True)
        return None


def _read(body: bytes, content_type: str | None) -> ParsedFeed:
    lowered = body.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered or _BASE.search(lowered):
        raise _Unsure  # feedparser rewrites entities and follows any "base" attribute
    if any(m[2].lower() != _DATE_NAMESPACES[m[1].lower()] for m in _DATE_PREFIX.finditer(body)):
        raise _Unsure  # "dc:date" in another namespace is still a date to feedparser
    # One per call (lxml's parsers are not shared between threads); lxml's defaults already
    # refuse the network, DTDs and huge trees. Comments and PIs never reach feedparser either.
    parser = etree.XMLParser(resolve_entities=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as error:
        raise _Unsure from error
    if len(parser.error_log):
        raise _Unsure
    _check_charset(body, content_type, root.getroottree().docinfo.encoding)
    return _Reader().feed(root)


_BASE = re.compile(rb"[\s:]base\s*=")  # on lower-cased bytes: xml:base, or feedparser's "base"
_DATE_NAMESPACES = {
    b"dc": b"http://purl.org/dc/elements/1.1/",
    b"dcterms": b"http://purl.org/dc/terms/",
}
_DATE_PREFIX = re.compile(rb"""xmlns:(dc|dcterms)\s*=\s*["']([^"']*)["']""", re.I)
_CHARSET_PARAMETER = re.compile(r"charset\s*=", re.I)
_APPLICATION_XML = re.compile(r"application/[^\s;]+\+xml")
# An XML declaration feedparser finds too (its pattern wants it on the first line, "=" unspaced).
_DECLARATION = re.compile(rb"""<\?xml[^\n>]*\sencoding=["']([^"'\n]+)["'][^\n>]*\?>""")


def _check_charset(body: bytes, content_type: str | None, declared: str | None) -> None:
    """Refuse what feedparser might decode otherwise than lxml did.

    feedparser follows RFC 3023: for application/*xml the HTTP charset, else the document's
    declaration, else UTF-8; for text/*xml the HTTP charset, else US-ASCII (a non-ASCII body is
    then re-read with a warning); a charset that fails is replaced by the next. lxml follows the
    BOM and the declaration. They read an ASCII body alike; otherwise the media type must be XML,
    any HTTP charset must name the document's encoding, and an encoding other than UTF-8 must be
    declared where feedparser finds it and must decode the body.
    """
    media = (content_type or "application/xml").split(";")[0].strip().lower()
    textual = media == "text/xml" or (media.startswith("text/") and media.endswith("+xml"))
    if not (textual or media == "application/xml" or _APPLICATION_XML.fullmatch(media)):
        raise _Unsure
    encoding = codec(declared)
    if encoding is None or "<a>".encode(encoding, "replace") != b"<a>":
        raise _Unsure  # UTF-16, UTF-32, EBCDIC, or a name Python does not know
    if content_type and _CHARSET_PARAMETER.search(content_type):
        if http_charset(content_type) != encoding:
            raise _Unsure
    elif textual and not body.isascii():
        raise _Unsure
    if encoding == "utf-8" or body.isascii():
        return
    found = _DECLARATION.match(body)  # at the very start: after a BOM it is not found
    if not found or codec(found[1].decode("latin-1")) != encoding:
        raise _Unsure
    try:
        body.decode(encoding)
    except UnicodeDecodeError as error:
        raise _Unsure from error


# --- element names as feedparser sees them ------------------------------------------------------

# Namespaces whose elements feedparser names without a prefix (RSS, Atom and their ancestors).
_PLAIN = frozenset(
    {
        "", "http://blogs.law.harvard.edu/tech/rss", "http://purl.org/rss/1.0/",
        "http://my.netscape.com/rdf/simple/0.9/", "http://example.com/newformat#",
        "http://example.com/necho", "http://purl.org/echo/", "uri/of/echo/namespace#",
        "http://purl.org/pie/", "http://purl.org/atom/ns#", ATOM.lower(),
        "http://purl.org/rss/1.0/modules/rss091#",
    }
)  # fmt: skip
_PREFIXED = {
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://purl.org/rss/1.0/modules/content/": "content",
}
_FOREIGN = ""  # an element of another namespace: never a link, id or date to feedparser
_DATES = {
    "published": "published", "pubdate": "published", "issued": "published",
    "dcterms:issued": "published", "updated": "updated", "modified": "updated",
    "lastbuilddate": "updated", "dc:date": "updated", "dcterms:modified": "updated",
    "created": "created", "dcterms:created": "created",
}  # fmt: skip
_STRUCTURE = frozenset({"rss", "channel", "feed", "item", "entry"})
# What feedparser reads as an item's link, id or date wherever it stands, or as a new context.
_RISKY = frozenset({"link", "guid", "id", "source", "image", "textinput", *_DATES, *_STRUCTURE})


def _canonical(tag: str) -> str:
    """feedparser's name for a tag (lower case; "dc:date"), or _FOREIGN."""
    if tag[0] != "{":
        return tag.lower()
    uri, local = tag[1:].split("}", 1)
    uri = uri.lower()
    if uri in _PLAIN or "backend.userland.com/rss" in uri:
        return local.lower()
    prefix = _PREFIXED.get(uri)
    return f"{prefix}:{local.lower()}" if prefix else _FOREIGN


# --- values as feedparser stores them ----------------------------------------------------------

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_EXTRA_SLASHES = re.compile(r"[A-Za-z][A-Za-z0-9+,.-]*:///")  # feedparser drops them
_ENTITY = re.compile(r"&[A-Za-z0-9_]+;")  # feedparser rewrites these in links
_REPAIRED = re.compile("[\x80-\xff]")  # feedparser's latin-1 and cp1252 repairs touch these


def _absolute(value: str) -> str:
    """A link or permalink that feedparser keeps as it is, whatever base it resolves against.

    ``urljoin`` returns a URL of another scheme, or of a scheme without relative forms, as it
    is; one that has its base's scheme and a host it rebuilds from its parts. So a URL that
    those parts rebuild unchanged is the same against any base.
    """
    scheme = _SCHEME.match(value)
    if (
        scheme is None
        or _EXTRA_SLASHES.match(value)
        or _ENTITY.search(value)
        or _REPAIRED.search(value)
    ):
        raise _Unsure
    if scheme.group()[:-1].lower() in uses_relative:
        try:
            rebuilt = urlunparse(urlparse(value))
        except ValueError as error:
            raise _Unsure from error
        if value[scheme.end() :][:2] != "//" or rebuilt != value:
            raise _Unsure  # relative to the feed's URL, or rewritten by urllib
    return value


_RFC822 = re.compile(
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun), )?\d{1,2} "
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec) \d{4} "
    r"\d{2}:\d{2}(?::\d{2})? (?:gmt|ut|utc|z|[+-]\d{4})",
    re.I,
)
_W3C = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2}))?"
)


def _date(text: str) -> datetime | None:
    """An RFC 822 or W3C date as feedparser reads it (None for no date; unsure of others)."""
    try:
        if not text:
            return None
        if _RFC822.fullmatch(text):
            return parsedate_to_datetime(text)
        if _W3C.fullmatch(text):
            return datetime.fromisoformat(text.upper())
    except (ValueError, OverflowError) as error:  # feedparser's other readers might try it
        raise _Unsure from error
    raise _Unsure


# --- the feed -----------------------------------------------------------------------------------

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_SHORT_TYPES = {
    "text": "text/plain",
    "plain": "text/plain",
    "html": "text/html",
    "xhtml": "application/xhtml+xml",
}  # as feedparser maps them
_RSS_VERSIONS = ("2.", "0.91", "0.92", "0.93", "0.94")


@dataclass
class _Entry:
    title: str | None = None
    link: str | None = None
    guid: str | None = None
    guid_is_link: bool = False
    summary: str | None = None
    contents: list[str] = field(default_factory=list)
    dates: dict[str, datetime | None] = field(default_factory=dict)


class _Reader:
    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def name(self, element: Any) -> str:
        tag = element.tag
        if not isinstance(tag, str):
            raise _Unsure  # an entity reference
        name = self.names.get(tag)
        if name is None:
            name = self.names[tag] = _canonical(tag)
        if name == _FOREIGN and element.prefix is None:
            raise _Unsure  # feedparser may name a default namespace's elements either way
        return name

    def feed(self, root: Any) -> ParsedFeed:
        if root.tag == "rss":
            channels = list(root)
            version = root.get("version") or ""
            if not version.startswith(_RSS_VERSIONS) or len(channels) != 1:
                raise _Unsure
            if self.name(channels[0]) != "channel":
                raise _Unsure
            title, entries = self._channel(channels[0], "item")
        elif root.tag == f"{{{ATOM}}}feed":
            title, entries = self._channel(root, "entry")
        else:
            raise _Unsure
        items = unique(self._item(entry) for entry in entries)
        return ParsedFeed(items=items, title=plain_text(title), warning=None)

    def _channel(self, channel: Any, entry_name: str) -> tuple[str, list[_Entry]]:
        title: str | None = None
        entries = []
        for child in channel:
            name = self.name(child)
            if name == entry_name:
                entries.append(self._entry(child))
            elif name in _STRUCTURE or self._holds(child, _STRUCTURE):
                raise _Unsure
            elif name == "title" and not title:
                title = self._text(child)
        return title or "", entries

    def _entry(self, element: Any) -> _Entry:
        if any(key != _XML_LANG for key in element.attrib):
            raise _Unsure  # feedparser takes an id (rdf:about), a link or a date from these
        entry = _Entry()
        for child in element:
            name = self.name(child)
            if name == "title":
                text = self._text(child)
                entry.title = entry.title or text
            elif name in ("description", "summary"):
                text = self._text(child)
                entry.summary = text if entry.summary is None else entry.summary
            elif name in ("content", "content:encoded"):
                entry.contents.append(self._text(child))
            elif name == "link":
                entry.link = self._link(child, entry.link)
            elif name in ("guid", "id"):
                self._guid(child, entry)
            elif name in _DATES:
                entry.dates[_DATES[name]] = _date(self._leaf(child))
            elif name in _RISKY and (name != "source" or len(child)):
                raise _Unsure  # an RSS <source> names the original outlet, and is kept apart
            elif self._holds(child, _RISKY):
                raise _Unsure
        return entry

    def _item(self, entry: _Entry) -> FeedItem:
        link = entry.link
        if link is None:
            link = entry.guid if entry.guid_is_link and entry.guid is not None else ""
        if not (entry.guid or link):
            raise _Unsure  # identity by hash of feedparser's own text
        dates = entry.dates
        published = dates.get("published") or dates.get("updated") or dates.get("created")
        summary = entry.summary
        if summary is None and entry.contents:
            summary = entry.contents[0]  # as feedparser copies content to a missing summary
        return feed_item(
            title=entry.title or "",
            link=link,
            guid=entry.guid or "",
            summary=summary or "",
            contents=entry.contents,
            published=format_time(published) if published else None,
        )

    def _holds(self, element: Any, names: frozenset[str]) -> bool:
        return any(self.name(inner) in names for inner in element.iterdescendants())

    @staticmethod
    def _leaf(element: Any) -> str:
        if len(element):
            raise _Unsure  # markup inside: feedparser reads it as inline XHTML
        return str(element.text or "").strip()

    def _text(self, element: Any) -> str:
        """A title or body as markup (HTML, or text read as HTML like the feedparser path)."""
        attributes = _attributes(element)
        kind = attributes.get("type", "text/plain").lower()
        if "mode" in attributes or _SHORT_TYPES.get(kind, kind) not in ("text/plain", "text/html"):
            raise _Unsure  # XHTML, base64 and other types
        return self._leaf(element)

    def _link(self, element: Any, link: str | None) -> str | None:
        """The item's link after this element: the last RSS link or alternate HTML link wins."""
        attributes = _attributes(element)
        text = self._leaf(element)
        hrefs = [attributes[key] for key in ("url", "uri", "href") if key in attributes]
        if not hrefs:
            return _absolute(text) if text else ""
        if len(hrefs) > 1 or not hrefs[0]:
            raise _Unsure
        rel = attributes.get("rel", "alternate").lower()
        kind = attributes.get("type", "application/atom+xml" if rel == "self" else "text/html")
        if rel == "alternate" and _SHORT_TYPES.get(kind.lower(), kind.lower()) in _HTML_TYPES:
            return _absolute(hrefs[0])
        return link

    def _guid(self, element: Any, entry: _Entry) -> None:
        """An RSS guid or Atom id: a link too, and resolved as one, unless isPermaLink="false"."""
        if entry.guid is not None:
            raise _Unsure
        entry.guid_is_link = _attributes(element).get("ispermalink", "true") == "true"
        guid = self._leaf(element)
        if _REPAIRED.search(guid):
            raise _Unsure
        entry.guid = _absolute(guid) if guid and entry.guid_is_link else guid


def _attributes(element: Any) -> dict[str, str]:
    """Attributes by lower-cased name, as feedparser keys them; namespaced ones are refused."""
    found: dict[str, str] = {}
    for key, value in element.items():
        if key == _XML_LANG:
            continue
        name = key.lower()
        if key[0] == "{" or name in found:
            raise _Unsure
        found[name] = value
    return found

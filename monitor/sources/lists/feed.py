"""Lists published as RSS or Atom feeds: each feed item is an entry.

An item offers five fields: ``title``, ``summary``, ``link``, ``published`` (ISO 8601 in UTC
when feedparser can read the date, else as written; ``updated`` when there is no ``published``)
and ``id``. With no ``[source.fields]`` an entry keeps all five; otherwise each field names one of
them (``name = "title"``). The key is the field named by ``source.key``; failing that, the
feed's own field of that name; failing that, the title (kept in the entry as ``title``).

feedparser only ever gets bytes in a BytesIO: given a str it may fetch a URL or read a file.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import feedparser

from monitor.config import Source
from monitor.errors import ParseError
from monitor.redact import link_base
from monitor.sources.lists import FieldValue
from monitor.text import decode_text, normalize_text, plain_text

ITEM_FIELDS = ("title", "summary", "link", "published", "id")
_HTML_TYPES = {"text/html", "application/xhtml+xml"}


def compile_selectors(source: Source) -> None:
    """Raise ValueError for a field that names none of the five item fields."""
    for name, item_field in source.fields.items():
        if item_field.strip() not in ITEM_FIELDS:
            raise ValueError(
                f"fields.{name}: a feed item has {', '.join(ITEM_FIELDS)}; got {item_field!r}"
            )


def key_field(source: Source) -> str:
    """The row field that holds the key (see the module docstring)."""
    if source.key in source.fields:
        return source.key
    return source.key if source.key in ITEM_FIELDS else "title"


def _text(entry: Any, name: str) -> str:
    value = entry.get(name) or ""
    detail = entry.get(f"{name}_detail") or {}
    if detail.get("type") in _HTML_TYPES:
        return normalize_text(plain_text(value))
    return normalize_text(value)


def _published(entry: Any) -> str:
    for name in ("published", "updated"):
        parsed = entry.get(f"{name}_parsed")
        if parsed:
            year, month, day, hour, minute, second = parsed[:6]
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC).isoformat()
        if entry.get(name):
            return normalize_text(entry[name])
    return ""


def _item(entry: Any) -> dict[str, str]:
    return {
        "title": _text(entry, "title"),
        "summary": _text(entry, "summary"),
        "link": normalize_text(entry.get("link") or ""),
        "published": _published(entry),
        "id": normalize_text(entry.get("id") or ""),
    }


def parse(body: bytes, source: Source, content_type: str | None) -> list[dict[str, FieldValue]]:
    """One row per feed item; ParseError when the document is no feed at all."""
    try:
        compile_selectors(source)
    except ValueError as exc:
        raise ParseError(str(exc)) from None
    if source.encoding:  # the override beats what the server and the document say
        body = decode_text(body, None, source.encoding).encode("utf-8")
        content_type = "application/xml; charset=utf-8"
    # Links are resolved against the URL without its credentials: an entry's link is stored.
    base = link_base(source.url)
    headers = {"content-type": content_type or "application/xml", "content-location": base}
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    if not parsed.entries and not parsed.get("version"):
        reason = parsed.get("bozo_exception") or "no RSS or Atom elements"
        raise ParseError(f"not an RSS or Atom feed: {reason}")
    rows: list[dict[str, FieldValue]] = []
    key = key_field(source)
    for entry in parsed.entries:
        item = _item(entry)
        if not source.fields:
            row: dict[str, FieldValue] = dict(item)
        else:
            row = {name: item[field.strip()] for name, field in source.fields.items()}
            if key not in row:
                row[key] = item[key]
        rows.append(row)
    return rows

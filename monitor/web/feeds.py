"""``/feeds/changes.atom``: the change log as an Atom feed (RFC 4287), with the log's filters as
query parameters, so any feed reader can follow a list, a jurisdiction or a search.

Entry ids are ``tag:`` URIs (RFC 4151) built from the event id and the day the log began, so
they stay the same across restarts and reinstalls of the same store and differ between stores.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from lxml import etree

from monitor import __version__
from monitor.describe import summary
from monitor.events import (
    DesignationReport,
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    ItemPublished,
    ParseSuspect,
    RecordedEvent,
    SourceFailed,
    StoryReport,
    TopicReport,
    format_time,
)
from monitor.redact import redact
from monitor.web.api import BAD_FILTER
from monitor.web.filters import LogFilters, log_filters
from monitor.web.present import cell, entry_comparison

router = APIRouter(prefix="/feeds", tags=["feeds"])

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
MAX_FEED_SIZE = 200
EMPTY_LOG_DAY = "2024-01-01"  # a log without events has no first day; its feed has no entries
# Characters XML 1.0 cannot carry at all (what visible() leaves of them): replaced.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def tag_base(first_day: str) -> str:
    return f"tag:monitor,{first_day}:"


def entry_id(first_day: str, event_id: int) -> str:
    return f"{tag_base(first_day)}event/{event_id}"


@router.get(
    "/changes.atom",
    summary="The change log as an Atom feed",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}}, **BAD_FILTER},
)
def changes(
    request: Request,
    filters: Annotated[LogFilters, Depends(log_filters)],
    limit: Annotated[int, Query(ge=1, le=MAX_FEED_SIZE)] = FEED_SIZE,
) -> Response:
    store = request.app.state.store
    with store.reading() as tx:
        page = tx.page(filters.query, limit=limit)
        first = tx.events(limit=1)
    first_day = first[0].recorded_at.date().isoformat() if first else EMPTY_LOG_DAY
    base = str(request.base_url).rstrip("/")
    body = atom(page.events, filters, base=base, first_day=first_day)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def atom(events: list[RecordedEvent], filters: LogFilters, *, base: str, first_day: str) -> bytes:
    """The feed document: newest event first."""
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    query = filters.url("")
    _text(feed, "id", f"{tag_base(first_day)}changes{query}")
    title = "monitor: change log" + (f" ({_describe(filters)})" if filters.active else "")
    _text(feed, "title", title)
    updated = format_time(events[0].recorded_at) if events else f"{first_day}T00:00:00Z"
    _text(feed, "updated", updated)
    _link(feed, "self", base + filters.url("/feeds/changes.atom"), "application/atom+xml")
    _link(feed, "alternate", base + filters.url("/"), "text/html")
    author = etree.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "monitor")
    generator = _text(feed, "generator", "monitor")
    generator.set("version", __version__)
    for event in events:
        entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", entry_id(first_day, event.id))
        _text(entry, "title", f"#{event.id} {event.type}: {summary(event)}")
        _text(entry, "updated", format_time(event.recorded_at))
        _link(entry, "alternate", f"{base}/events/{event.id}", "text/html")
        category = etree.SubElement(entry, f"{{{ATOM}}}category")
        category.set("term", event.type)
        if event.source:
            source = etree.SubElement(entry, f"{{{ATOM}}}category")
            source.set("term", _xml(event.source))
            source.set("scheme", f"{base}/sources")
        content = _text(entry, "content", details(event))
        content.set("type", "text")
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True))


def details(event: RecordedEvent) -> str:
    """The entry's text: what changed, and the evidence a reader needs before clicking."""
    lines = [summary(event), f"recorded {format_time(event.recorded_at)}"]
    if event.source:
        lines.append(f"source: {event.source}")
    payload = event.payload
    comparison = entry_comparison(event)
    if comparison is not None and isinstance(payload, EntryAdded | EntryRemoved | EntryChanged):
        for change in comparison:
            if isinstance(payload, EntryChanged) and not change.changed:
                continue
            if change.before is not None and change.after is not None:
                lines.append(f"{change.field}: {change.before} → {change.after}")
            else:
                lines.append(f"{change.field}: {change.after or change.before}")
    elif isinstance(payload, StoryReport):
        if isinstance(payload, DesignationReport):
            lines.append(f"{payload.actor}: {payload.entity} ({payload.action})")
        elif isinstance(payload, TopicReport):
            lines.append(f"topic: {payload.topic}")
        lines += [f"“{payload.evidence}”" if payload.evidence else "", payload.url]
    elif isinstance(payload, ItemPublished):
        lines.append(payload.url)
    elif isinstance(payload, ParseSuspect):
        lines += list(payload.problems)
    elif isinstance(payload, SourceFailed):
        lines.append(redact(payload.error))
    return "\n".join(line for line in lines if line)


def _describe(filters: LogFilters) -> str:
    return ", ".join(f"{k} {v}" for k, v in filters.params())


def _xml(text: Any) -> str:
    from monitor.columns import visible

    return _NOT_XML.sub("\ufffd", visible(cell(text), lines=True))


def _text(parent: Any, name: str, text: str) -> Any:
    element = etree.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = _xml(text)
    return element


def _link(parent: Any, rel: str, href: str, media_type: str) -> None:
    link = etree.SubElement(parent, f"{{{ATOM}}}link")
    link.set("rel", rel)
    link.set("href", _xml(href))
    link.set("type", media_type)

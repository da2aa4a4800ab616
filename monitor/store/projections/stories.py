"""News stories: one per reported designation change or topic event, with its corroborations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from monitor.events import (
    DESIGNATION_CONFIRMED,
    DesignationReported,
    RecordedEvent,
    StoryReport,
    TopicReported,
    story_stream,
)
from monitor.store.log import EVENTS, to_event
from monitor.store.tables import StoryRow, table_of
from monitor.timeutil import parse_iso

TABLE = table_of(StoryRow)
_COLUMNS = (
    "kind",
    "key",
    "first_event_id",
    "first_published",
    "last_published",
    "reports",
    "sources",
    "urls",
)


class Stories:
    name = "stories"
    tables = (TABLE,)

    def apply(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        relevant = [(e, e.payload) for e in events if isinstance(e.payload, StoryReport)]
        if not relevant:
            return
        ids = sorted({report.story for _, report in relevant})
        state: dict[str, dict[str, Any]] = {}
        for row in conn.execute(select(TABLE).where(TABLE.c.id.in_(ids))):
            state[row.id] = {k: getattr(row, k) for k in _COLUMNS}
        for event, report in relevant:
            published = _published(event, report)
            story = state.get(report.story)
            if isinstance(report, DesignationReported | TopicReported):
                state[report.story] = {
                    "kind": "designation" if isinstance(report, DesignationReported) else "topic",
                    "key": list(report.story_key),
                    "first_event_id": event.id,
                    "first_published": published,
                    "last_published": published,
                    "reports": 1,
                    "sources": [event.source] if event.source else [],
                    "urls": [report.url],
                }
            elif story is not None:
                story["reports"] += 1
                story["last_published"] = max(story["last_published"], published)
                if event.source and event.source not in story["sources"]:
                    story["sources"] = [*story["sources"], event.source]
                story["urls"] = [*story["urls"], report.url]
        conn.execute(delete(TABLE).where(TABLE.c.id.in_(list(state))))
        conn.execute(insert(TABLE), [{"id": i, **row} for i, row in state.items()])


def _published(event: RecordedEvent, report: StoryReport) -> datetime:
    value = report.published
    parsed = parse_iso(value) if value else None
    return parsed or event.recorded_at


def open_stories(
    conn: Connection, kind: str, since: datetime, *, prefix: str = ""
) -> list[dict[str, Any]]:
    """Stories of ``kind`` whose latest report is not older than ``since`` (and whose id starts
    with ``prefix``: the stories of one key, see :func:`monitor.detect.stories.story_prefix`)."""
    query = select(TABLE).where(TABLE.c.kind == kind, TABLE.c.last_published >= since)
    if prefix:
        query = query.where(TABLE.c.id.startswith(prefix, autoescape=True))
    rows = conn.execute(query)
    return [{"id": row.id, **{k: getattr(row, k) for k in _COLUMNS}} for row in rows]


@dataclass(frozen=True)
class Story:
    """A news story as the projection holds it: its first report (an event id), when it was
    first and last reported, and the outlets that reported it."""

    id: str
    kind: str  # "designation" or "topic"
    key: tuple[str, ...]
    first_event_id: int
    first_published: datetime
    last_published: datetime
    reports: int
    sources: tuple[str, ...]
    urls: tuple[str, ...]


def list_stories(
    conn: Connection, *, kind: str | None = None, limit: int | None = 100
) -> list[Story]:
    """Stories, the most recently reported first (``kind``: only designations or topics)."""
    query = select(TABLE).order_by(TABLE.c.last_published.desc(), TABLE.c.id).limit(limit)
    if kind is not None:
        query = query.where(TABLE.c.kind == kind)
    return [_story(row) for row in conn.execute(query)]


def unconfirmed_stories(conn: Connection, actor: str, *, prefix: str) -> list[Story]:
    """The designation stories of ``actor`` (their ids start with ``prefix``) that no
    ``designation_confirmed`` has confirmed yet. Confirmations are few: they are read by type."""
    confirmed = set(
        conn.execute(
            select(EVENTS.c.stream).where(EVENTS.c.type == DESIGNATION_CONFIRMED)
        ).scalars()
    )
    query = select(TABLE).where(
        TABLE.c.kind == "designation", TABLE.c.id.startswith(prefix, autoescape=True)
    )
    stories = (_story(row) for row in conn.execute(query.order_by(TABLE.c.first_event_id)))
    return [
        s for s in stories if story_stream(s.id) not in confirmed and s.key and s.key[0] == actor
    ]


def story(conn: Connection, story_id: str) -> Story | None:
    row = conn.execute(select(TABLE).where(TABLE.c.id == story_id)).first()
    return None if row is None else _story(row)


def confirmation_of(conn: Connection, story: str) -> RecordedEvent | None:
    """The event that confirmed ``story``, if a followed list has."""
    row = conn.execute(
        select(EVENTS)
        .where(EVENTS.c.stream == story_stream(story), EVENTS.c.type == DESIGNATION_CONFIRMED)
        .order_by(EVENTS.c.id)
        .limit(1)
    ).first()
    return None if row is None else to_event(row)


def _story(row: Any) -> Story:
    return Story(
        id=row.id,
        kind=row.kind,
        key=tuple(row.key),
        first_event_id=row.first_event_id,
        first_published=row.first_published,
        last_published=row.last_published,
        reports=row.reports,
        sources=tuple(row.sources),
        urls=tuple(row.urls),
    )

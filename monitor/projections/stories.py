"""News stories: one per reported designation change or topic event, with its corroborations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from monitor.events import (
    DESIGNATION_CORROBORATED,
    DESIGNATION_REPORTED,
    TOPIC_CORROBORATED,
    TOPIC_REPORTED,
    RecordedEvent,
)
from monitor.store.tables import StoryRow, table_of
from monitor.timeutil import parse_iso

TABLE = table_of(StoryRow)
_REPORTED = {DESIGNATION_REPORTED: "designation", TOPIC_REPORTED: "topic"}
_CORROBORATED = {DESIGNATION_CORROBORATED, TOPIC_CORROBORATED}
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
        relevant = [e for e in events if e.type in _REPORTED or e.type in _CORROBORATED]
        if not relevant:
            return
        ids = sorted({e.data["story"] for e in relevant})
        state: dict[str, dict[str, Any]] = {}
        for row in conn.execute(select(TABLE).where(TABLE.c.id.in_(ids))):
            state[row.id] = {k: getattr(row, k) for k in _COLUMNS}
        for event in relevant:
            published = _published(event)
            story = state.get(event.data["story"])
            if event.type in _REPORTED:
                state[event.data["story"]] = {
                    "kind": _REPORTED[event.type],
                    "key": list(event.data.get("story_key") or []),
                    "first_event_id": event.id,
                    "first_published": published,
                    "last_published": published,
                    "reports": 1,
                    "sources": [event.source] if event.source else [],
                    "urls": [event.data.get("url", "")],
                }
            elif story is not None:
                story["reports"] += 1
                story["last_published"] = max(story["last_published"], published)
                if event.source and event.source not in story["sources"]:
                    story["sources"] = [*story["sources"], event.source]
                story["urls"] = [*story["urls"], event.data.get("url", "")]
        conn.execute(delete(TABLE).where(TABLE.c.id.in_(list(state))))
        conn.execute(insert(TABLE), [{"id": i, **row} for i, row in state.items()])


def _published(event: RecordedEvent) -> datetime:
    value = event.data.get("published")
    parsed = parse_iso(value) if isinstance(value, str) and value else None
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

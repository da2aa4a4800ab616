"""Source health from the log: failing (source_failed → source_recovered), suspect
(parse_suspect → source_recovered), and the last change each source recorded."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from monitor.events import (
    ENTRY_EVENTS,
    ITEM_PUBLISHED,
    PARSE_SUSPECT,
    SOURCE_FAILED,
    SOURCE_RECOVERED,
    RecordedEvent,
)
from monitor.store.tables import SourceHealthRow

TABLE = SourceHealthRow.__table__
_CHANGES = ENTRY_EVENTS | {ITEM_PUBLISHED}
_EMPTY = {
    "failing": False,
    "failing_since": None,
    "error": None,
    "suspect": False,
    "suspect_since": None,
    "last_change_id": None,
    "last_change_at": None,
}


class SourceHealth:
    name = "source_health"
    tables = (TABLE,)

    def apply(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        relevant = [
            e
            for e in events
            if e.source is not None
            and (e.type in _CHANGES or e.type in (SOURCE_FAILED, SOURCE_RECOVERED, PARSE_SUSPECT))
        ]
        if not relevant:
            return
        sources = sorted({e.source for e in relevant if e.source})
        state: dict[str, dict[str, Any]] = {}
        for row in conn.execute(select(TABLE).where(TABLE.c.source.in_(sources))):
            state[row.source] = {k: getattr(row, k) for k in _EMPTY}
        for event in relevant:
            assert event.source is not None
            row = state.setdefault(event.source, dict(_EMPTY))
            fold(row, event)
        conn.execute(delete(TABLE).where(TABLE.c.source.in_(sources)))
        conn.execute(insert(TABLE), [{"source": s, **row} for s, row in state.items()])


def fold(row: dict[str, Any], event: RecordedEvent) -> None:
    if event.type == SOURCE_FAILED:
        row.update(failing=True, failing_since=event.recorded_at, error=event.data.get("error"))
    elif event.type == PARSE_SUSPECT:
        row.update(suspect=True, suspect_since=event.recorded_at)
    elif event.type == SOURCE_RECOVERED:
        if event.data.get("after") == PARSE_SUSPECT:
            row.update(suspect=False, suspect_since=None)
        else:
            row.update(failing=False, failing_since=None, error=None)
    elif event.type in _CHANGES and not event.data.get("baseline"):
        row.update(last_change_id=event.id, last_change_at=event.recorded_at)


def health_of(conn: Connection, source: str) -> dict[str, Any]:
    row = conn.execute(select(TABLE).where(TABLE.c.source == source)).first()
    if row is None:
        return dict(_EMPTY)
    return {k: getattr(row, k) for k in _EMPTY}


def all_health(conn: Connection) -> dict[str, dict[str, Any]]:
    return {row.source: {k: getattr(row, k) for k in _EMPTY} for row in conn.execute(select(TABLE))}

"""Source health from the log: failing (source_failed → source_recovered), suspect
(parse_suspect → source_recovered), and the last change each source recorded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from monitor.events import (
    ENTRY_EVENTS,
    ITEM_PUBLISHED,
    PARSE_SUSPECT,
    SOURCE_FAILED,
    SOURCE_RECOVERED,
    ParseSuspect,
    RecordedEvent,
    SourceFailed,
    SourceRecovered,
)
from monitor.store.tables import SourceHealthRow, table_of

TABLE = table_of(SourceHealthRow)
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
_RELEVANT = _CHANGES | {SOURCE_FAILED, SOURCE_RECOVERED, PARSE_SUSPECT}


class SourceHealth:
    name = "source_health"
    tables = (TABLE,)

    def apply(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        # fold only assigns fields, so a batch comes down to the fields it sets per source:
        # stored rows get just those updated, new sources a row of their own.
        assigned: dict[str, dict[str, Any]] = {}
        for event in events:
            if event.type in _RELEVANT and event.source is not None:
                fold(assigned.setdefault(event.source, {}), event)
        if not assigned:
            return
        stored = set(
            conn.execute(
                select(TABLE.c.source).where(TABLE.c.source.in_(sorted(assigned)))
            ).scalars()
        )
        new = [
            {**_EMPTY, **values, "source": s} for s, values in assigned.items() if s not in stored
        ]
        if new:
            conn.execute(insert(TABLE), new)
        # One executemany per set of assigned fields (a batch of feed items: just one).
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for source, values in assigned.items():
            if source in stored and values:
                updates.setdefault(tuple(values), []).append({**values, "match_source": source})
        for fields, rows in updates.items():
            statement = (
                update(TABLE)
                .where(TABLE.c.source == bindparam("match_source"))
                .values({f: bindparam(f) for f in fields})
            )
            conn.execute(statement, rows)


def fold(row: dict[str, Any], event: RecordedEvent) -> None:
    payload = event.payload
    if isinstance(payload, SourceFailed):
        row.update(failing=True, failing_since=event.recorded_at, error=payload.error)
    elif isinstance(payload, ParseSuspect):
        row.update(suspect=True, suspect_since=event.recorded_at)
    elif isinstance(payload, SourceRecovered):
        if payload.after == PARSE_SUSPECT:
            row.update(suspect=False, suspect_since=None)
        else:
            row.update(failing=False, failing_since=None, error=None)
    elif event.type in _CHANGES and not getattr(payload, "baseline", False):
        row.update(last_change_id=event.id, last_change_at=event.recorded_at)


@dataclass(frozen=True)
class Health:
    """A source's health as the log implies it (a source never seen is healthy)."""

    failing: bool = False
    failing_since: datetime | None = None
    error: str | None = None
    suspect: bool = False
    suspect_since: datetime | None = None
    last_change_id: int | None = None
    last_change_at: datetime | None = None


# Built once: every poll reads its source's health.
_SOME = select(TABLE).where(TABLE.c.source.in_(bindparam("sources", expanding=True)))


def health_of_many(conn: Connection, sources: Sequence[str]) -> dict[str, Health]:
    """The health of each of ``sources``, in one read."""
    found = {row.source: _health(row) for row in conn.execute(_SOME, {"sources": list(sources)})}
    return {source: found.get(source) or Health() for source in sources}


def _health(row: Any) -> Health:
    return Health(**{k: getattr(row, k) for k in _EMPTY})


def all_health(conn: Connection) -> dict[str, Health]:
    return {row.source: _health(row) for row in conn.execute(select(TABLE))}

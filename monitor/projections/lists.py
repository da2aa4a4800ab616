"""The current entries of each list source (entry_added / entry_removed / entry_changed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select

from monitor.events import (
    ENTRY_ADDED,
    ENTRY_CHANGED,
    ENTRY_EVENTS,
    ENTRY_REMOVED,
    RecordedEvent,
    thaw,
)
from monitor.projections.base import short_hash
from monitor.store.tables import EventRow, ListEntryRow, table_of

TABLE = table_of(ListEntryRow)


class ListEntries:
    name = "list_entries"
    tables = (TABLE,)

    def apply(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        final: dict[tuple[str, str], tuple[str, dict[str, Any], int] | None] = {}
        for event in events:
            if event.type not in ENTRY_EVENTS or event.source is None:
                continue
            entry = thaw(event.data["entry"])
            ident = (event.source, short_hash(entry["key"]))
            if event.type in (ENTRY_ADDED, ENTRY_CHANGED):
                final[ident] = (entry["key"], entry, event.id)
            elif event.type == ENTRY_REMOVED:
                final[ident] = None
        if not final:
            return
        # One keyed delete per entry: SQLite scans the whole table for a row-value IN.
        conn.execute(
            delete(TABLE).where(
                TABLE.c.source == bindparam("ident_source"),
                TABLE.c.key_hash == bindparam("ident_hash"),
            ),
            [{"ident_source": s, "ident_hash": h} for s, h in final],
        )
        rows = [
            {"source": s, "key_hash": h, "key": v[0], "entry": v[1], "event_id": v[2]}
            for (s, h), v in final.items()
            if v is not None
        ]
        if rows:
            conn.execute(insert(TABLE), rows)


def current_entries(conn: Connection, source: str) -> dict[str, dict[str, Any]]:
    """The entries the log implies for ``source`` now, by key."""
    rows = conn.execute(select(TABLE.c.key, TABLE.c.entry).where(TABLE.c.source == source))
    return {row.key: row.entry for row in rows}


def entries_version(conn: Connection) -> tuple[int, int]:
    """(count, newest event id) of all current entries: changes whenever any list changes."""
    row = conn.execute(select(func.count(), func.max(TABLE.c.event_id))).one()
    return int(row[0]), int(row[1] or 0)


def all_entries(conn: Connection) -> list[dict[str, Any]]:
    """Every current entry of every list source (for the news gazetteer)."""
    return [row.entry for row in conn.execute(select(TABLE.c.entry).order_by(TABLE.c.source))]


def entries_at(conn: Connection, source: str, moment: datetime) -> dict[str, dict[str, Any]]:
    """The entries as the monitor knew them at ``moment`` (by recorded_at), folded from the log."""
    events = table_of(EventRow)
    rows = conn.execute(
        select(events.c.type, events.c.data)
        .where(
            events.c.source == source,
            events.c.type.in_(sorted(ENTRY_EVENTS)),
            events.c.recorded_at <= moment,
        )
        .order_by(events.c.id)
    )
    state: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = row.data["entry"]
        if row.type == ENTRY_REMOVED:
            state.pop(entry["key"], None)
        else:
            state[entry["key"]] = entry
    return state

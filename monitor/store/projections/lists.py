"""The current entries of each list source (entry_added / entry_removed / entry_changed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select

from monitor.events import (
    ENTRY_EVENTS,
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    RecordedEvent,
    decode,
    thaw,
)
from monitor.store.projections.base import short_hash
from monitor.store.tables import EventRow, ListEntryRow, table_of

TABLE = table_of(ListEntryRow)


class ListEntries:
    name = "list_entries"
    tables = (TABLE,)

    def apply(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        final: dict[tuple[str, str], tuple[str, dict[str, Any], int] | None] = {}
        for event in events:
            change = event.payload
            if event.source is None:
                continue
            if isinstance(change, EntryAdded | EntryChanged):
                entry = thaw(change.entry)
                final[event.source, short_hash(entry["key"])] = (entry["key"], entry, event.id)
            elif isinstance(change, EntryRemoved):
                final[event.source, short_hash(change.entry["key"])] = None
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
        select(events.c.type, events.c.data, events.c.schema_version)
        .where(
            events.c.source == source,
            events.c.type.in_(sorted(ENTRY_EVENTS)),
            events.c.recorded_at <= moment,
        )
        .order_by(events.c.id)
    )
    state: dict[str, dict[str, Any]] = {}
    for row in rows:
        change = decode(row.type, row.data, row.schema_version)
        assert isinstance(change, EntryAdded | EntryRemoved | EntryChanged)
        if isinstance(change, EntryRemoved):
            state.pop(change.entry["key"], None)
        else:
            state[change.entry["key"]] = thaw(change.entry)
    return state


@dataclass(frozen=True)
class ListVersion:
    """One state of a list the monitor knew: the changes one poll recorded (they share their
    ``recorded_at``), from its first event to its last."""

    recorded_at: datetime
    first_event: int
    last_event: int
    added: int
    removed: int
    changed: int


def list_versions(conn: Connection, source: str) -> list[ListVersion]:
    """Every version of ``source``, oldest first: the moments at which its entries changed."""
    events = table_of(EventRow)
    rows = conn.execute(
        select(
            events.c.recorded_at,
            events.c.type,
            func.min(events.c.id),
            func.max(events.c.id),
            func.count(),
        )
        .where(events.c.source == source, events.c.type.in_(sorted(ENTRY_EVENTS)))
        .group_by(events.c.recorded_at, events.c.type)
    )
    grouped: dict[datetime, dict[str, Any]] = {}
    for recorded_at, event_type, first, last, count in rows:
        version = grouped.setdefault(
            recorded_at, {"first": first, "last": last, "entry_added": 0, "entry_removed": 0,
                          "entry_changed": 0}
        )  # fmt: skip
        version["first"], version["last"] = min(version["first"], first), max(version["last"], last)
        version[event_type] = count
    return [
        ListVersion(
            recorded_at=moment,
            first_event=v["first"],
            last_event=v["last"],
            added=v["entry_added"],
            removed=v["entry_removed"],
            changed=v["entry_changed"],
        )
        for moment, v in sorted(grouped.items(), key=lambda item: item[1]["first"])
    ]

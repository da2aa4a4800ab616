"""Lists (entry_added / entry_removed / entry_changed): the current entries of each source, and
every version of every entry with the span of time the monitor knew it, for a list at any moment
and the moments it changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from monitor.events import EntryAdded, EntryChanged, EntryRemoved, RecordedEvent, thaw
from monitor.store.projections.base import short_hash
from monitor.store.tables import KEY_PREFIX, ListEntryRow, ListEntrySpanRow, table_of

TABLE = table_of(ListEntryRow)
SPANS = table_of(ListEntrySpanRow)
PAGE = 500  # entries a page shows unless asked otherwise
VERSIONS = 20  # versions a page of them shows unless asked otherwise


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


class EntrySpans:
    """``list_entry_spans``: a row per entry event; a change to a key closes the spans of its
    earlier rows that are still open at the change's ``recorded_at``.

    A row's ``to_at`` is the earliest ``recorded_at`` of the key's later events, so the rows
    open at a moment are exactly what folding the log's events recorded by then, in log order,
    gives (recorded_at may go back a little between workers: a later event recorded "earlier"
    still ends what came before it)."""

    name = "list_entry_spans"
    tables = (SPANS,)

    def apply(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        rows: list[dict[str, Any]] = []
        for event in events:
            change = event.payload
            if event.source is None or not isinstance(
                change, EntryAdded | EntryChanged | EntryRemoved
            ):
                continue
            key, at = change.entry["key"], event.recorded_at
            removed = isinstance(change, EntryRemoved)
            rows.append(
                {
                    "from_event": event.id,
                    "source": event.source,
                    "key_prefix": key[:KEY_PREFIX],
                    "key": key,
                    "type": change.type,
                    "entry": None if removed else thaw(change.entry),
                    "from_at": at,
                    "to_at": at if removed else None,
                }
            )
        if not rows:
            return
        # Newest first: each row ends at the earliest of its key's later changes in this batch;
        # what is left, the earliest change of each key, ends the rows stored before.
        earliest: dict[tuple[str, str], datetime] = {}
        for row in reversed(rows):
            ident = row["source"], row["key"]
            later = earliest.get(ident)
            if later is not None and (row["to_at"] is None or later < row["to_at"]):
                row["to_at"] = later
            earliest[ident] = row["from_at"] if later is None else min(later, row["from_at"])
        conn.execute(
            update(SPANS)
            .where(
                SPANS.c.source == bindparam("ident_source"),
                SPANS.c.key_prefix == bindparam("ident_prefix"),
                SPANS.c.key == bindparam("ident_key"),
                or_(SPANS.c.to_at.is_(None), SPANS.c.to_at > bindparam("ident_at")),
            )
            .values(to_at=bindparam("ident_at")),
            [
                {"ident_source": s, "ident_prefix": k[:KEY_PREFIX], "ident_key": k, "ident_at": at}
                for (s, k), at in earliest.items()
            ],
        )
        conn.execute(insert(SPANS), rows)


@dataclass(frozen=True)
class EntryVersion:
    """One event of a list entry's history, as ``list_entry_spans`` keeps it (``entry`` None:
    removed), for what needs every entry a list ever had without decoding the events."""

    event_id: int
    source: str
    key: str
    type: str
    entry: dict[str, Any] | None


def entry_history(conn: Connection) -> list[EntryVersion]:
    """Every list entry event, in log order."""
    rows = conn.execute(
        select(
            SPANS.c.from_event, SPANS.c.source, SPANS.c.key, SPANS.c.type, SPANS.c.entry
        ).order_by(SPANS.c.from_event)
    )
    return [EntryVersion(*row) for row in rows]


def _known_at(moment: datetime | None) -> ColumnElement[bool]:
    """The rows of the entries as known at ``moment`` (None: now)."""
    if moment is None:
        return SPANS.c.to_at.is_(None)
    return and_(SPANS.c.from_at <= moment, or_(SPANS.c.to_at.is_(None), SPANS.c.to_at > moment))


@dataclass(frozen=True)
class EntryPage:
    """A page of a list's entries at a moment, in key order."""

    entries: list[dict[str, Any]]
    count: int  # the entries at that moment, on all pages
    after: str | None  # the last key shown, to pass as ``after`` for the next page (None: last)


def entries_at(
    conn: Connection,
    source: str,
    moment: datetime | None = None,
    *,
    after: str | None = None,
    limit: int = PAGE,
) -> EntryPage:
    """The entries of ``source`` as the monitor knew them at ``moment`` (by recorded_at; None:
    now), in key order, the first ``limit`` after the key ``after`` (keyset pagination)."""
    known = _known_at(moment)
    # A range on the key's prefix even for the first page: SQLite, without statistics, then
    # reads the key's index in order (0.4 ms a page of 500 of 17,000 entries) instead of
    # sorting every entry known at the moment (4.5 ms).
    prefix = "" if after is None else after[:KEY_PREFIX]
    query = select(SPANS.c.key, SPANS.c.entry).where(
        SPANS.c.source == source, known, SPANS.c.key_prefix >= prefix
    )
    if after is not None:
        query = query.where(or_(SPANS.c.key_prefix > prefix, SPANS.c.key > after))
    rows = conn.execute(query.order_by(SPANS.c.key_prefix, SPANS.c.key).limit(limit + 1)).all()
    more = len(rows) > limit
    entries = [row.entry for row in rows[:limit]]
    if after is None and not more:
        count = len(entries)
    else:
        count = int(
            conn.execute(
                select(func.count()).select_from(SPANS).where(SPANS.c.source == source, known)
            ).scalar_one()
        )
    return EntryPage(entries, count, rows[limit - 1].key if more else None)


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


@dataclass(frozen=True)
class VersionPage:
    """Some of a list's versions, oldest first, and whether there are more on either side."""

    versions: list[ListVersion]
    total: int  # versions of the list in all
    older: bool
    newer: bool


def list_versions(
    conn: Connection,
    source: str,
    *,
    around: datetime | None = None,
    before: datetime | None = None,
    after: datetime | None = None,
    limit: int = VERSIONS,
) -> VersionPage:
    """Up to ``limit`` versions of ``source``: the newest ones recorded before ``before``, or the
    oldest after ``after``, or else those around ``around`` (the one known then and those either
    side; None: the newest), each read from the spans' index, never the whole history."""
    total = int(
        conn.execute(
            select(func.count(func.distinct(SPANS.c.from_at))).where(SPANS.c.source == source)
        ).scalar_one()
    )
    if before is not None:
        found = _versions(conn, source, SPANS.c.from_at < before, newest_first=True, limit=limit)
        later = _any(conn, source, SPANS.c.from_at >= before)
        return VersionPage(found[:limit][::-1], total, len(found) > limit, later)
    if after is not None:
        found = _versions(conn, source, SPANS.c.from_at > after, newest_first=False, limit=limit)
        earlier = _any(conn, source, SPANS.c.from_at <= after)
        return VersionPage(found[:limit], total, earlier, len(found) > limit)
    if around is None:
        older, newer = _versions(conn, source, None, newest_first=True, limit=limit), []
    else:
        older = _versions(conn, source, SPANS.c.from_at <= around, newest_first=True, limit=limit)
        newer = _versions(conn, source, SPANS.c.from_at > around, newest_first=False, limit=limit)
    newer_shown = min(len(newer), limit // 2)
    older_shown = min(len(older), limit - newer_shown)
    newer_shown = min(len(newer), limit - older_shown)
    return VersionPage(
        older[:older_shown][::-1] + newer[:newer_shown],
        total,
        len(older) > older_shown,
        len(newer) > newer_shown,
    )


def _any(conn: Connection, source: str, where: ColumnElement[bool]) -> bool:
    found = conn.execute(select(SPANS.c.from_event).where(SPANS.c.source == source, where).limit(1))
    return found.first() is not None


def _versions(
    conn: Connection,
    source: str,
    where: ColumnElement[bool] | None,
    *,
    newest_first: bool,
    limit: int,
) -> list[ListVersion]:
    """Up to ``limit + 1`` versions from one side, nearest first: one row per moment and kind
    of change, so 3 × (limit + 1) rows hold that many whole versions."""
    query = select(
        SPANS.c.from_at,
        SPANS.c.type,
        func.min(SPANS.c.from_event),
        func.max(SPANS.c.from_event),
        func.count(),
    ).where(SPANS.c.source == source)
    if where is not None:
        query = query.where(where)
    order = SPANS.c.from_at.desc() if newest_first else SPANS.c.from_at
    kind = SPANS.c.type.desc() if newest_first else SPANS.c.type
    query = query.group_by(SPANS.c.from_at, SPANS.c.type).order_by(order, kind)
    grouped: dict[datetime, dict[str, Any]] = {}
    for moment, event_type, first, last, count in conn.execute(query.limit(3 * (limit + 1))):
        version = grouped.setdefault(
            moment, {"first": first, "last": last, "entry_added": 0, "entry_removed": 0,
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
        for moment, v in list(grouped.items())[: limit + 1]
    ]

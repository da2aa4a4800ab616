"""Feed items already recorded, so each is published once, across restarts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select

from monitor.events import ItemPublished, RecordedEvent
from monitor.store.projections.base import short_hash
from monitor.store.tables import SeenItemRow, table_of

TABLE = table_of(SeenItemRow)


class SeenItems:
    name = "seen_items"
    tables = (TABLE,)

    def apply(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for event in events:
            if isinstance(event.payload, ItemPublished) and event.source is not None:
                item_id = event.payload.item_id
                key = (event.source, short_hash(item_id))
                rows.setdefault(
                    key,
                    {
                        "source": key[0],
                        "item_hash": key[1],
                        "item_id": item_id,
                        "event_id": event.id,
                    },
                )
        if rows:
            # In key order: the key index then grows page by page instead of at random places.
            conn.execute(insert(TABLE), [rows[key] for key in sorted(rows)])


_SEEN = select(TABLE.c.item_hash).where(  # built once: every poll with items runs it
    TABLE.c.source == bindparam("source"),
    TABLE.c.item_hash.in_(bindparam("hashes", expanding=True)),
)


def seen(conn: Connection, source: str, item_ids: Iterable[str]) -> set[str]:
    """Which of ``item_ids`` the log already has for ``source``."""
    by_hash = {short_hash(i): i for i in item_ids}
    found: set[str] = set()
    hashes = list(by_hash)
    for start in range(0, len(hashes), 500):
        chunk = hashes[start : start + 500]
        rows = conn.execute(_SEEN, {"source": source, "hashes": chunk})
        found.update(by_hash[row.item_hash] for row in rows)
    return found

"""Each event's searchable text (``event_text``), so a free-text search matches in SQL and
decodes only the events it finds, instead of every event it looks at."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert

from monitor.events import RecordedEvent
from monitor.store.log import EVENT_TEXT, searchable

TABLE = EVENT_TEXT


class EventText:
    name = "event_text"
    tables = (TABLE,)

    def apply(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        conn.execute(
            insert(TABLE), [{"id": e.id, "text": searchable(e.payload, e.source)} for e in events]
        )

"""One transaction on the store: what the pipeline, the service and the commands read and write.

This is the storage interface (in the manner of reader's ``StorageType``): typed operations named
for what their callers need, returning values, never rows. The SQL, the tables and the connection
stay below it, in ``monitor.store``. A poll does all its work in one of these, so what it records
is all there or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Unpack

from sqlalchemy import Connection

from monitor.clock import utcnow
from monitor.documents import Document
from monitor.events import NewEvent, RecordedEvent
from monitor.store import leases, log, working
from monitor.store.log import LogPage, LogQuery
from monitor.store.projections import apply_all
from monitor.store.projections.health import Health, all_health, health_of_many
from monitor.store.projections.items import seen
from monitor.store.projections.lists import (
    ListVersion,
    all_entries,
    current_entries,
    entries_at,
    entries_version,
    list_versions,
)
from monitor.store.projections.stories import Story, list_stories, open_stories
from monitor.store.working import PollLine, SourceState

if TYPE_CHECKING:
    from monitor.store import Store

Entry = dict[str, Any]


class Transaction:
    """Reads and writes inside one database transaction (``Store.reading`` / ``Store.writing``).

    ``connection`` is for the store's own modules; nothing outside ``monitor.store`` uses it."""

    def __init__(self, store: Store, connection: Connection) -> None:
        self.store = store
        self.connection = connection

    # --- the log -------------------------------------------------------------------------

    def append(
        self,
        events: Sequence[NewEvent],
        *,
        expected: Mapping[str, int] | None = None,
        documents: Iterable[Document] = (),
        now: datetime | None = None,
    ) -> list[RecordedEvent]:
        """Record ``events`` (each stream still at ``expected[stream]``), the documents they
        cite, and everything derived from them: the projections (the outbox is one)."""
        conn = self.connection
        recorded = log.append(
            conn, events, now=now or utcnow(), expected=expected, documents=documents
        )
        apply_all(conn, self.store.projections, recorded)
        return recorded

    def events(
        self,
        *,
        after: int = 0,
        limit: int | None = None,
        source: str | None = None,
        types: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        newest_first: bool = False,
        stream: str | None = None,
    ) -> list[RecordedEvent]:
        """Events in log order (or newest first), filtered."""
        return log.read(
            self.connection,
            after=after,
            limit=limit,
            source=source,
            types=types,
            since=since,
            until=until,
            newest_first=newest_first,
            stream=stream,
        )

    def page(self, query: LogQuery, *, before: int | None = None, limit: int = 50) -> LogPage:
        """A page of the log, newest first, older than ``before`` (keyset pagination); a text
        search looks at a bounded number of events per page (``log.TEXT_SCAN``)."""
        return log.page(self.connection, query, before=before, limit=limit)

    def newer(self, query: LogQuery, *, after: int, limit: int = 100) -> LogPage:
        """The matching events after position ``after``, oldest first: following the log."""
        return log.newer(self.connection, query, after=after, limit=limit)

    def event(self, event_id: int) -> RecordedEvent | None:
        return log.get(self.connection, event_id)

    def stream_version(self, stream: str) -> int:
        return log.stream_version(self.connection, stream)

    def has_event(self, *, source: str, type: str) -> bool:
        return log.has_event(self.connection, source=source, type=type)

    def last_position(self) -> int:
        return log.last_position(self.connection)

    def document(self, sha256: str) -> Document | None:
        return log.load_document(self.connection, sha256)

    def document_facts(self, sha256: str) -> dict[str, Any] | None:
        """A stored document's hash, size, type, URL and first sighting, without its body."""
        return log.document_facts(self.connection, sha256)

    # --- projections ---------------------------------------------------------------------

    def health(self, source: str) -> Health:
        return health_of_many(self.connection, [source])[source]

    def healths(self, sources: Sequence[str]) -> dict[str, Health]:
        return health_of_many(self.connection, sources)

    def all_health(self) -> dict[str, Health]:
        return all_health(self.connection)

    def seen(self, source: str, item_ids: Iterable[str]) -> set[str]:
        """Which of ``item_ids`` the log already has for ``source``."""
        return seen(self.connection, source, item_ids)

    def current_entries(self, source: str) -> dict[str, Entry]:
        return current_entries(self.connection, source)

    def entries_at(self, source: str, moment: datetime) -> dict[str, Entry]:
        return entries_at(self.connection, source, moment)

    def list_versions(self, source: str) -> list[ListVersion]:
        """The moments at which a list's entries changed, oldest first (its versions)."""
        return list_versions(self.connection, source)

    def entries_version(self) -> tuple[int, int]:
        return entries_version(self.connection)

    def all_entries(self) -> list[Entry]:
        return all_entries(self.connection)

    def stories(self, *, kind: str | None = None, limit: int = 100) -> list[Story]:
        """News stories, the most recently reported first."""
        return list_stories(self.connection, kind=kind, limit=limit)

    def open_stories(self, kind: str, since: datetime, *, prefix: str = "") -> list[dict[str, Any]]:
        return open_stories(self.connection, kind, since, prefix=prefix)

    # --- working state -------------------------------------------------------------------

    def source_state(self, source: str) -> SourceState:
        return working.load_state(self.connection, source)

    def source_states(self) -> dict[str, SourceState]:
        return working.all_states(self.connection)

    def save_source_state(self, source: str, **values: Any) -> None:
        working.save_state(self.connection, source, **values)

    def save_source_states(self, states: dict[str, dict[str, Any]]) -> None:
        working.save_states(self.connection, states)

    def record_poll(self, **line: Unpack[PollLine]) -> None:
        working.record_poll(self.connection, **line)

    def record_polls(self, lines: list[PollLine]) -> None:
        working.record_polls(self.connection, lines)

    def last_workers(self) -> dict[str, str]:
        return working.last_workers(self.connection)

    # --- leases --------------------------------------------------------------------------

    def ensure_sources(self, first_due: dict[str, datetime]) -> None:
        """Working-state rows for sources seen for the first time, due at the given time."""
        leases.ensure_rows(self.connection, first_due)

    def claim(
        self,
        *,
        worker: str,
        now: datetime,
        lease: float,
        sources: Sequence[str],
        due_only: bool,
        limit: int | None = None,
    ) -> list[SourceState]:
        return leases.claim(
            self.connection,
            worker=worker,
            now=now,
            lease=lease,
            sources=sources,
            due_only=due_only,
            limit=limit,
        )

    def renew(self, *, worker: str, sources: Sequence[str], until: datetime) -> None:
        leases.renew(self.connection, worker=worker, sources=sources, until=until)

    def finish(self, *, worker: str, source: str, next_poll_at: datetime | None) -> None:
        leases.finish(self.connection, worker=worker, source=source, next_poll_at=next_poll_at)

    def finish_many(self, *, worker: str, next_polls: dict[str, datetime]) -> None:
        leases.finish_many(self.connection, worker=worker, next_polls=next_polls)

    def release_all(self, *, worker: str) -> None:
        leases.release_all(self.connection, worker=worker)

    def holders(self, sources: Sequence[str], now: datetime) -> dict[str, str]:
        return leases.holders(self.connection, sources, now)

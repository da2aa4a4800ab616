"""One transaction on the store: what the pipeline, the service and the commands read and write.

This is the storage interface (in the manner of reader's ``StorageType``): typed operations named
for what their callers need, returning values, never rows. The SQL, the tables and the connection
stay below it, in ``monitor.store``. A poll does all its work in one of these, so what it records
is all there or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection

from monitor.clock import utcnow
from monitor.documents import Document
from monitor.events import NewEvent, RecordedEvent
from monitor.store import leases, log, working
from monitor.store.log import LogPage, LogQuery
from monitor.store.projections import apply_all, items, lists
from monitor.store.projections import health as health_projection
from monitor.store.projections import stories as story_projection
from monitor.store.projections.health import Health
from monitor.store.projections.stories import Story, list_stories

if TYPE_CHECKING:
    from monitor.store import Store

P = ParamSpec("P")
R = TypeVar("R")


def _on_connection(
    operation: Callable[Concatenate[Connection, P], R],
) -> Callable[Concatenate[Transaction, P], R]:
    """An operation of the store's modules as a method: called on this transaction's connection,
    with the operation's own signature (which is then written in one place, not two)."""

    def method(self: Transaction, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return operation(self.connection, *args, **kwargs)

    method.__doc__ = operation.__doc__
    return method


class Transaction:
    """Reads and writes inside one database transaction (``Store.reading`` / ``Store.writing``).

    ``connection`` is for the store's own modules; nothing outside ``monitor.store`` uses it.
    Most operations are the store modules' functions, taken as they are (see ``_on_connection``)."""

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

    events = _on_connection(log.read)

    def page(self, query: LogQuery, *, before: int | None = None, limit: int = 50) -> LogPage:
        """A page of the log, newest first, older than ``before`` (keyset pagination); a text
        search looks at a bounded number of events per page (``log.TEXT_SCAN``)."""
        return log.page(self.connection, query, before=before, limit=limit)

    def newer(self, query: LogQuery, *, after: int, limit: int = 100) -> LogPage:
        """The matching events after position ``after``, oldest first: following the log."""
        return log.newer(self.connection, query, after=after, limit=limit)

    event = _on_connection(log.get)
    events_by_id = _on_connection(log.by_ids)
    stream_version = _on_connection(log.stream_version)
    has_event = _on_connection(log.has_event)
    last_position = _on_connection(log.last_position)
    document = _on_connection(log.load_document)
    document_facts = _on_connection(log.document_facts)

    # --- projections ---------------------------------------------------------------------

    def health(self, source: str) -> Health:
        return health_projection.health_of_many(self.connection, [source])[source]

    healths = _on_connection(health_projection.health_of_many)
    all_health = _on_connection(health_projection.all_health)
    seen = _on_connection(items.seen)
    current_entries = _on_connection(lists.current_entries)
    entries_at = _on_connection(lists.entries_at)
    list_versions = _on_connection(lists.list_versions)
    entries_version = _on_connection(lists.entries_version)
    all_entries = _on_connection(lists.all_entries)
    entry_history = _on_connection(lists.entry_history)

    def stories(self, *, kind: str | None = None, limit: int | None = 100) -> list[Story]:
        """News stories, the most recently reported first."""
        return list_stories(self.connection, kind=kind, limit=limit)

    open_stories = _on_connection(story_projection.open_stories)
    unconfirmed_stories = _on_connection(story_projection.unconfirmed_stories)
    confirmation_of = _on_connection(story_projection.confirmation_of)
    story = _on_connection(story_projection.story)

    # --- working state -------------------------------------------------------------------

    source_state = _on_connection(working.load_state)
    source_states = _on_connection(working.all_states)
    save_source_state = _on_connection(working.save_state)
    save_source_states = _on_connection(working.save_states)
    record_poll = _on_connection(working.record_poll)
    record_polls = _on_connection(working.record_polls)
    last_workers = _on_connection(working.last_workers)

    # --- leases --------------------------------------------------------------------------

    ensure_sources = _on_connection(leases.ensure_rows)
    claim = _on_connection(leases.claim)
    renew = _on_connection(leases.renew)
    finish = _on_connection(leases.finish)
    finish_many = _on_connection(leases.finish_many)
    release_all = _on_connection(leases.release_all)
    holders = _on_connection(leases.holders)

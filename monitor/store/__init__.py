"""The store: the event log, the documents it cites, its projections and the working state.

:class:`Store` is the narrow interface the rest of the monitor uses; SQL stays below it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from monitor import projections
from monitor.clock import utcnow
from monitor.documents import Document
from monitor.errors import StoreError
from monitor.events import NewEvent, RecordedEvent
from monitor.projections.base import Projection
from monitor.store import log, migrate, working
from monitor.store.engine import (
    DEFAULT_LOCK_TIMEOUT,
    describe_operational_error,
    dialect_of,
    make_engine,
    mask_url,
    transaction,
)
from monitor.store.working import SourceState

__all__ = ["SourceState", "Store", "mask_url"]

# Called inside the append transaction with the events just recorded (the outbox hooks in here).
AppendHook = Callable[[Connection, Sequence[RecordedEvent]], None]


class Store:
    """One database: facts, projections and working state."""

    def __init__(
        self, url: str, *, upgrade: bool = True, lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    ) -> None:
        self.url = url
        self.dialect = dialect_of(url)
        self.engine: Engine = make_engine(url, lock_timeout=lock_timeout)
        self._write_lock = threading.RLock() if self.dialect == "sqlite" else None
        self.projections: list[Projection] = projections.default_projections()
        self.append_hooks: list[AppendHook] = []
        if upgrade:
            self.upgrade()

    def __repr__(self) -> str:
        return f"Store({mask_url(self.url)!r})"

    def upgrade(self) -> None:
        try:
            migrate.upgrade(self.engine)
        except DBAPIError as exc:
            raise StoreError(describe_operational_error(exc, self.engine)) from exc

    def close(self) -> None:
        self.engine.dispose()

    def read_tx(self) -> Any:
        return transaction(self.engine)

    @contextmanager
    def write_tx(self) -> Iterator[Connection]:
        """A write transaction. On SQLite, this process's threads queue for the write lock
        here, in turn, instead of each polling the busy timeout (where a thread can lose for
        long enough to fail)."""
        if self._write_lock is None:
            with transaction(self.engine, write=True) as conn:
                yield conn
            return
        with self._write_lock, transaction(self.engine, write=True) as conn:
            yield conn

    # --- facts ---------------------------------------------------------------------------

    def append(
        self,
        events: Sequence[NewEvent],
        *,
        expected: Mapping[str, int] | None = None,
        documents: Iterable[Document] = (),
        now: datetime | None = None,
        conn: Connection | None = None,
    ) -> list[RecordedEvent]:
        """Record ``events`` and everything derived from them, in one transaction."""
        if conn is not None:
            return self._append(conn, events, expected, documents, now or utcnow())
        with self.write_tx() as tx:
            return self._append(tx, events, expected, documents, now or utcnow())

    def _append(
        self,
        conn: Connection,
        events: Sequence[NewEvent],
        expected: Mapping[str, int] | None,
        documents: Iterable[Document],
        now: datetime,
    ) -> list[RecordedEvent]:
        recorded = log.append(conn, events, now=now, expected=expected, documents=documents)
        projections.apply_all(conn, self.projections, recorded)
        for hook in self.append_hooks:
            hook(conn, recorded)
        return recorded

    def read(self, **filters: Any) -> list[RecordedEvent]:
        with self.read_tx() as conn:
            return log.read(conn, **filters)

    def event(self, event_id: int) -> RecordedEvent | None:
        with self.read_tx() as conn:
            return log.get(conn, event_id)

    def document(self, sha256: str) -> Document | None:
        with self.read_tx() as conn:
            return log.load_document(conn, sha256)

    def stream_version(self, stream: str) -> int:
        with self.read_tx() as conn:
            return log.stream_version(conn, stream)

    def last_position(self) -> int:
        with self.read_tx() as conn:
            return log.last_position(conn)

    # --- working state -------------------------------------------------------------------

    def source_state(self, source: str) -> SourceState:
        with self.read_tx() as conn:
            return working.load_state(conn, source)

    def source_states(self) -> dict[str, SourceState]:
        with self.read_tx() as conn:
            return working.all_states(conn)

    def save_source_state(self, source: str, **values: Any) -> None:
        with self.write_tx() as conn:
            working.save_state(conn, source, **values)

"""The store: the event log, the documents it cites, its projections and the working state.

:class:`Store` is the narrow interface the rest of the monitor uses; SQL stays below it. A SQLite
store comes into being when something is first written to it: a command that only reads never
leaves an empty store (or its folders) behind, it says there is none.
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
from monitor.redact import mask_url
from monitor.store import log, migrate, working
from monitor.store.engine import (
    DEFAULT_LOCK_TIMEOUT,
    describe_operational_error,
    dialect_of,
    make_engine,
    store_file,
    transaction,
)
from monitor.store.working import SourceState

__all__ = ["SourceState", "Store", "mask_url"]

# Called inside the append transaction with the events just recorded (the outbox hooks in here).
AppendHook = Callable[[Connection, Sequence[RecordedEvent]], None]


class Store:
    """One database: facts, projections and working state.

    ``create``: make a missing store (folders, file, schema) now. Without it a missing SQLite
    store is made by the first write transaction, and reading it raises
    :class:`~monitor.errors.NoStoreError`; an existing store is brought to the newest schema
    either way."""

    def __init__(
        self, url: str, *, create: bool = True, lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    ) -> None:
        self.url = url
        self.dialect = dialect_of(url)
        self.engine: Engine = make_engine(url, lock_timeout=lock_timeout)
        self.file = store_file(self.engine)
        self._write_lock = threading.RLock() if self.dialect == "sqlite" else None
        self._opening = threading.Lock()
        self._ready = False  # the store exists, at the newest schema
        self._writable = False  # ... and passed the check made before this process writes
        self._when_ready: list[Callable[[], None]] = []
        self.projections: list[Projection] = projections.default_projections()
        self.append_hooks: list[AppendHook] = []
        if create or self.exists():
            self.upgrade()
            self._ready = True

    def __repr__(self) -> str:
        return f"Store({mask_url(self.url)!r})"

    def exists(self) -> bool:
        return self.file is None or self.file.exists()

    def upgrade(self) -> None:
        """Create the store if it is missing, and bring its schema to the newest revision."""
        if self.file is not None and not self.file.exists():
            self.file.create()
        try:
            migrate.upgrade(self.engine)
        except DBAPIError as exc:
            raise StoreError(describe_operational_error(exc, self.engine)) from exc

    def when_ready(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the store exists: now, or when the first write creates it
        (before that write's transaction begins)."""
        if self._ready:
            action()
        else:
            self._when_ready.append(action)

    def _open_for_writing(self) -> None:
        with self._opening:
            if self._writable:
                return
            if not self._ready:
                self.upgrade()
            if self.file is not None:
                self._check_integrity()
            self._ready = self._writable = True
        for action in self._when_ready:
            action()
        self._when_ready.clear()

    def _check_integrity(self) -> None:
        """Garbage written over pages that a poll never reads goes unnoticed by SQLite, which
        would go on writing beside it: one quick check (every page read once) when a process
        opens a store, before it writes anything."""
        with self.read_tx() as conn:
            verdict = conn.exec_driver_sql("PRAGMA quick_check(1)").scalar()
        if verdict != "ok" and self.file is not None:
            raise self.file.lost(f"is damaged ({verdict})")

    def close(self) -> None:
        self.engine.dispose()
        if self.file is not None:
            self.file.release()

    def read_tx(self) -> Any:
        return transaction(self.engine)

    @contextmanager
    def write_tx(self) -> Iterator[Connection]:
        """A write transaction. On SQLite, this process's threads queue for the write lock
        here, in turn, instead of each polling the busy timeout (where a thread can lose for
        long enough to fail). The first one creates a missing store."""
        if not self._writable:
            self._open_for_writing()
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

"""The store: the event log, the documents it cites, its projections and the working state.

:class:`Store` and :class:`Transaction` are the interface the rest of the monitor uses (and
``Store.deliveries`` the notifier's); SQL, tables and connections stay below them. A SQLite
store comes into being when something is first written to it: a command that only reads never
leaves an empty store (or its folders) behind, it says there is none.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from monitor.errors import StoreError
from monitor.redact import mask_url
from monitor.store import migrate
from monitor.store.deliveries import Deliveries
from monitor.store.engine import (
    DEFAULT_LOCK_TIMEOUT,
    describe_operational_error,
    dialect_of,
    make_engine,
    store_file,
    transaction,
)
from monitor.store.interface import Transaction
from monitor.store.leases import holder_id
from monitor.store.log import EntityScope, LogPage, LogQuery
from monitor.store.projections import default_projections
from monitor.store.projections.base import Projection
from monitor.store.projections.health import Health
from monitor.store.projections.lists import EntryPage, ListVersion, VersionPage
from monitor.store.projections.stories import Story
from monitor.store.working import PollLine, SourceState

if TYPE_CHECKING:
    # Replaying is `monitor replay`'s alone: no other command imports it.
    from monitor.store.projections.replay import ReplayReport

__all__ = [
    "EntityScope",
    "EntryPage",
    "Health",
    "ListVersion",
    "LogPage",
    "LogQuery",
    "PollLine",
    "SourceState",
    "Store",
    "Story",
    "Transaction",
    "VersionPage",
    "holder_id",
    "mask_url",
]

P = ParamSpec("P")
R = TypeVar("R")


def _own_transaction(
    operation: Callable[Concatenate[Transaction, P], R], *, write: bool = False
) -> Callable[Concatenate[Store, P], R]:
    """A transaction's operation as the store's, in a transaction of its own (a write one with
    ``write``), with the operation's own signature."""

    def method(self: Store, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.writing() if write else self.reading() as tx:
            return operation(tx, *args, **kwargs)

    method.__doc__ = operation.__doc__
    return method


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
        self.projections: list[Projection] = default_projections()
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

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        """A read transaction: the operations of :class:`Transaction`, one consistent view."""
        with self.read_tx() as conn:
            yield Transaction(self, conn)

    @contextmanager
    def writing(self) -> Iterator[Transaction]:
        """A write transaction (see :meth:`write_tx`): all of it is recorded, or none."""
        with self.write_tx() as conn:
            yield Transaction(self, conn)

    def revision(self) -> str | None:
        """The schema revision the store is at."""
        return migrate.current_revision(self.engine)

    def replay(self, *, write: bool = False) -> ReplayReport:
        """Rebuild every projection from the log and compare it with the stored one; keep the
        rebuilt one only with ``write``."""
        from monitor.store.projections.replay import replay

        return replay(self, write=write)

    # --- facts and working state, each read or written in a transaction of its own ----------

    append = _own_transaction(Transaction.append, write=True)
    read = _own_transaction(Transaction.events)
    event = _own_transaction(Transaction.event)
    document = _own_transaction(Transaction.document)
    stream_version = _own_transaction(Transaction.stream_version)
    last_position = _own_transaction(Transaction.last_position)
    source_state = _own_transaction(Transaction.source_state)
    source_states = _own_transaction(Transaction.source_states)
    save_source_state = _own_transaction(Transaction.save_source_state, write=True)

    # --- deliveries (the notifier's storage; the code is in monitor.store.deliveries) ------

    @property
    def deliveries(self) -> Deliveries:
        """The outbox, its working state and the channels' horizons, for the notifier."""
        return Deliveries(self)

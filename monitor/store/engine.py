"""Database engines with the settings the event log relies on.

SQLite: WAL, a busy timeout, and ``BEGIN IMMEDIATE`` for writers, so a ``monitor poll`` beside a
running service waits its turn instead of failing. PostgreSQL: plain psycopg 3.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError

from monitor.errors import StoreError

DEFAULT_LOCK_TIMEOUT = 30.0  # seconds a writer waits for another one (SQLite)

# Every engine made here, so a forked child can let go of the connections it inherited.
_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def _forget_inherited_connections() -> None:
    """In a forked child (a worker process): the pooled connections belong to the parent. Used
    or closed here they would break its sessions (PostgreSQL) or its locks (SQLite), so the
    pools drop them without closing them, as SQLAlchemy advises for os.fork()."""
    for engine in list(_engines):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


def dialect_of(url: str) -> str:
    try:
        return make_url(url).get_backend_name()
    except ArgumentError:
        raise StoreError(f"store.url is not a database URL: {mask_url(url)}") from None


def mask_url(url: str) -> str:
    """A database URL fit to print: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


def make_engine(url: str, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Engine:
    backend = dialect_of(url)
    if backend == "sqlite":
        engine = _sqlite_engine(url, lock_timeout)
    elif backend == "postgresql":
        parsed = make_url(url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = create_engine(
            parsed,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=5,
            connect_args={"application_name": "monitor"},
        )
    else:
        raise StoreError(f"store.url: unsupported database {backend!r} (use sqlite or postgresql)")
    _engines.add(engine)
    return engine


def _sqlite_engine(url: str, lock_timeout: float) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        folder = Path(database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the state folder {folder}: {exc.strerror}") from None
    engine = create_engine(url, connect_args={"timeout": lock_timeout})
    busy_ms = int(lock_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        with contextlib.suppress(Exception):  # a read-only folder still lets us read
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


@contextmanager
def transaction(engine: Engine, *, write: bool = False) -> Iterator[Connection]:
    """One transaction; a writer on SQLite takes the write lock at its start."""
    try:
        with engine.connect() as conn:
            if write:
                conn = conn.execution_options(write=True)
            with conn.begin():
                yield conn
    except IntegrityError:
        raise  # a constraint the caller handles (optimistic concurrency)
    except DBAPIError as exc:
        raise StoreError(describe_operational_error(exc, engine)) from exc


def describe_operational_error(exc: DBAPIError, engine: Engine | None = None) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    lowered = text.lower()
    if "disk i/o error" in lowered and engine is not None and _disk_nearly_full(engine):
        return f"the disk holding the store is full: {text}"
    folder = _sqlite_folder(engine)
    if folder is not None and folder.is_dir() and not os.access(folder, os.W_OK):
        return f"the store's folder {folder} is read-only: {text}"
    if "readonly" in lowered or "read-only" in lowered:
        return f"the store is read-only: {text}"
    if "locked" in lowered:
        return f"the store stayed locked by another process (store.lock_timeout): {text}"
    if "disk" in lowered and "full" in lowered:
        return f"the disk holding the store is full: {text}"
    if "disk i/o error" in lowered:
        return f"the disk holding the store failed a write (full, removed or read-only?): {text}"
    if "unable to open" in lowered:
        return f"cannot open the store: {text}"
    return f"database error: {text.strip().splitlines()[0] if text.strip() else exc}"


def _sqlite_folder(engine: Engine | None) -> Path | None:
    if engine is None or engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database.startswith(("file:", ":")):
        return None
    return Path(database).parent


def _disk_nearly_full(engine: Engine) -> bool:
    folder = _sqlite_folder(engine)
    try:
        return folder is not None and shutil.disk_usage(folder).free < 1024 * 1024
    except OSError:
        return False

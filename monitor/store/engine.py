"""Database engines with the settings the event log relies on.

SQLite: WAL, a busy timeout, and ``BEGIN IMMEDIATE`` for writers, so a ``monitor poll`` beside a
running service waits its turn instead of failing. SQLite never creates the file by itself here
(it opens it with ``mode=rw``): the store creates it on purpose, and every connection and
transaction first checks that the path still names the file this process opened (see
:class:`StoreFile`). PostgreSQL: plain psycopg 3.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError

from monitor.errors import NoStoreError, StoreError, StoreLostError
from monitor.redact import mask_url

DEFAULT_LOCK_TIMEOUT = 30.0  # seconds a writer waits for another one (SQLite)

# Every engine made here, so a forked child can let go of the connections it inherited.
_engines: weakref.WeakSet[Engine] = weakref.WeakSet()
# The file each SQLite engine watches.
_files: weakref.WeakKeyDictionary[Engine, StoreFile] = weakref.WeakKeyDictionary()


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


SQLITE_MAGIC = b"SQLite format 3\x00"  # how every SQLite database file begins
DAMAGE = ("file is not a database", "malformed")  # what SQLite says of a damaged file

# One read-only descriptor per store file open in this process, shared by its StoreFiles and
# closed with the last of them: closing any descriptor of a database file drops every POSIX lock
# the process holds on it, SQLite's included (then another process may checkpoint and delete the
# WAL under it).
_held: dict[tuple[int, int], list[int]] = {}  # (device, inode): [descriptor, users]
_held_lock = threading.Lock()


class StoreFile:
    """The file a SQLite store lives in, and which file it was when this process first opened
    it. SQLite carries on with a file deleted or replaced under it (writing into the unlinked
    copy, lost at exit) and, in WAL mode, reads a file overwritten in place from its cache:
    :meth:`check`, run before every connection and transaction, notices all three with a stat
    of the path and a read of the file's first 16 bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.identity: tuple[int, int] | None = None  # (device, inode) when first opened
        self.had_header = False

    def exists(self) -> bool:
        return self.path.exists()

    def create(self) -> None:
        """An empty file (SQLite's empty database) in a folder made as needed."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch(exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store {self.path}: {exc.strerror}") from None

    def check(self) -> None:
        try:
            if self.identity is None:
                self._hold()
            stat = self.path.stat()
        except FileNotFoundError:
            if self.identity is None:
                raise NoStoreError(
                    f"no store at {self.path}: nothing has been recorded there yet (run "
                    "`monitor poll` or `monitor run` first, or check store.url)"
                ) from None
            raise self.lost("was deleted while this process had it open") from None
        except PermissionError:
            return  # SQLite says why when it opens it
        if (stat.st_dev, stat.st_ino) != self.identity:
            raise self.lost("was replaced by another file while this process had it open")
        header = os.pread(_held[self.identity][0], len(SQLITE_MAGIC), 0)
        if header == SQLITE_MAGIC:
            self.had_header = True
        elif header or self.had_header:
            raise self.lost("is damaged: it is no longer a SQLite database")

    def _hold(self) -> None:
        """Open the file once for this process (never close a second descriptor of it)."""
        with _held_lock:
            stat = self.path.stat()
            identity = (stat.st_dev, stat.st_ino)
            if identity not in _held:
                _held[identity] = [os.open(self.path, os.O_RDONLY), 0]
            _held[identity][1] += 1
            self.identity = identity

    def release(self) -> None:
        """Let go of the file, after the engine has closed its connections."""
        identity, self.identity = self.identity, None
        with _held_lock:
            held = _held.get(identity) if identity else None
            if held is not None:
                held[1] -= 1
                if held[1] == 0:
                    os.close(held[0])
                    _held.pop(identity)  # type: ignore[arg-type]

    def lost(self, what: str) -> StoreLostError:
        return StoreLostError(
            f"the store {self.path} {what}; stopping, so that nothing is recorded where no one "
            "will read it (restore the file, or move it aside to start a new store)"
        )


def store_file(engine: Engine) -> StoreFile | None:
    """The watched file of a SQLite engine made here (None: PostgreSQL, memory)."""
    return _files.get(engine)


def _sqlite_engine(url: str, lock_timeout: float) -> Engine:
    engine = create_engine(url, connect_args={"timeout": lock_timeout})
    busy_ms = int(lock_timeout * 1000)
    database = make_url(url).database
    file = None
    if database and database != ":memory:" and not database.startswith("file:"):
        file = StoreFile(Path(database).absolute())
        _files[engine] = file
        _watch(engine, file)

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
        if file is not None:
            file.check()
        if conn.get_execution_options().get("write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def _watch(engine: Engine, file: StoreFile) -> None:
    """Open only an existing file, the one first opened, and name damage as such."""

    @event.listens_for(engine, "do_connect")
    def _on_do_connect(_dialect: Any, _record: Any, cargs: list[Any], cparams: dict) -> None:
        file.check()
        cargs[:] = [f"file:{quote(str(file.path))}?mode=rw"]
        cparams["uri"] = True

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        text = str(context.original_exception).lower()
        if any(damage in text for damage in DAMAGE):
            raise file.lost(f"is damaged ({context.original_exception})")


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


def dialect_insert(conn: Connection) -> Any:
    """The dialect's own ``insert``, which has ``on_conflict_do_nothing`` (for rows that two
    processes may write at once), imported as needed: PostgreSQL's dialect costs a SQLite run
    ~50 ms of start-up."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert

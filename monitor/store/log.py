"""The event log: append with optimistic concurrency, read by position.

Appends are serialised (SQLite's write lock; a transaction-scoped advisory lock on PostgreSQL), so
commit order is position order and a reader following the log by position never skips an event
that commits late.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    false,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from monitor.documents import Document
from monitor.errors import ConcurrencyError
from monitor.events import (
    SCHEMA_VERSION,
    UPCASTERS,
    NewEvent,
    Payload,
    RecordedEvent,
    decode,
    encode,
)
from monitor.store.tables import (
    KEY_PREFIX,
    DocumentRow,
    EventRow,
    EventTextRow,
    ListEntrySpanRow,
    table_of,
)

EVENTS = table_of(EventRow)
DOCUMENTS = table_of(DocumentRow)
EVENT_TEXT = table_of(EventTextRow)
SPANS = table_of(ListEntrySpanRow)
_APPEND_LOCK_KEY = 7_311_046_002


def lock_for_append(conn: Connection) -> None:
    """Make this transaction the only appender until it commits (PostgreSQL; SQLite already is)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _APPEND_LOCK_KEY})


# The statements of every append, built once (building and keying one per call cost more than
# running it): the stream's version, the events (ids back in row order), the document.
_VERSION = select(func.max(EVENTS.c.version)).where(EVENTS.c.stream == bindparam("stream"))
_INSERT_EVENTS = insert(EVENTS).returning(EVENTS.c.id, sort_by_parameter_order=True)
_INSERT_EVENTS_PLAIN = insert(EVENTS)
_IDS_FROM = select(EVENTS.c.id, EVENTS.c.version).where(
    EVENTS.c.stream == bindparam("stream"), EVENTS.c.version >= bindparam("version")
)
_HAS_DOCUMENT = select(DOCUMENTS.c.sha256).where(DOCUMENTS.c.sha256 == bindparam("sha256"))
_INSERT_DOCUMENT = insert(DOCUMENTS)


def stream_version(conn: Connection, stream: str) -> int:
    version = conn.execute(_VERSION, {"stream": stream}).scalar()
    return int(version or 0)


def append(
    conn: Connection,
    events: Sequence[NewEvent],
    *,
    now: datetime,
    expected: Mapping[str, int] | None = None,
    documents: Iterable[Document] = (),
) -> list[RecordedEvent]:
    """Insert ``events`` in order; each stream's version must still be ``expected[stream]``."""
    if not events:
        return []  # nothing to order: do not queue behind other appenders
    lock_for_append(conn)
    for document in documents:
        save_document(conn, document)
    versions: dict[str, int] = {}
    for stream in dict.fromkeys(e.stream for e in events):
        current = stream_version(conn, stream)
        if expected is not None and stream in expected and expected[stream] != current:
            raise ConcurrencyError(
                f"stream {stream} is at version {current}, expected {expected[stream]}"
            )
        versions[stream] = current
    rows: list[dict[str, Any]] = []
    for event in events:
        versions[event.stream] += 1
        rows.append(
            {
                "stream": event.stream,
                "version": versions[event.stream],
                "type": event.type,
                "source": event.source,
                "recorded_at": now,
                "data": encode(event.payload),
                "schema_version": SCHEMA_VERSION,
            }
        )
    try:
        if conn.dialect.name == "sqlite":
            ids = _insert_on_sqlite(conn, rows)
        else:  # one statement for the batch; ids come back in the order of the rows
            ids = list(conn.execute(_INSERT_EVENTS, rows).scalars().all())
    except IntegrityError as exc:
        raise ConcurrencyError("a stream was appended to concurrently") from exc
    return [
        RecordedEvent(
            id=event_id,
            stream=row["stream"],
            version=row["version"],
            recorded_at=now,
            source=row["source"],
            payload=event.payload,
        )
        for event_id, row, event in zip(ids, rows, events, strict=True)
    ]


def _insert_on_sqlite(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """SQLite cannot return the ids of a many-row INSERT in the rows' order, so SQLAlchemy would
    insert them one statement each (a feed's first poll has dozens). One executemany inserts
    them in order instead, and each stream's new ids are read back by version."""
    conn.execute(_INSERT_EVENTS_PLAIN, rows)
    first: dict[str, int] = {}
    for row in rows:
        first.setdefault(row["stream"], row["version"])
    ids: dict[tuple[str, int], int] = {}
    for stream, version in first.items():
        for event_id, event_version in conn.execute(
            _IDS_FROM, {"stream": stream, "version": version}
        ):
            ids[(stream, event_version)] = event_id
    return [ids[(row["stream"], row["version"])] for row in rows]


def save_document(conn: Connection, document: Document) -> None:
    """Keep the bytes once per content hash."""
    if conn.execute(_HAS_DOCUMENT, {"sha256": document.sha256}).first() is None:
        conn.execute(
            _INSERT_DOCUMENT,
            {
                "sha256": document.sha256,
                "size": len(document.content),
                "content_type": document.content_type,
                "url": document.url,
                "first_seen_at": document.fetched_at,
                "content": document.content,
            },
        )


def load_document(conn: Connection, sha256: str) -> Document | None:
    row = conn.execute(select(DOCUMENTS).where(DOCUMENTS.c.sha256 == sha256)).first()
    if row is None:
        return None
    return Document(
        sha256=row.sha256,
        content=bytes(row.content),
        url=row.url,
        content_type=row.content_type,
        fetched_at=row.first_seen_at,
    )


def document_facts(conn: Connection, sha256: str) -> dict[str, Any] | None:
    """What the log knows of a stored document without its body (which may be megabytes)."""
    row = conn.execute(
        select(
            DOCUMENTS.c.sha256,
            DOCUMENTS.c.size,
            DOCUMENTS.c.content_type,
            DOCUMENTS.c.url,
            DOCUMENTS.c.first_seen_at,
        ).where(DOCUMENTS.c.sha256 == sha256)
    ).first()
    return None if row is None else dict(row._mapping)


def to_event(row: Any) -> RecordedEvent:
    return RecordedEvent(
        id=row.id,
        stream=row.stream,
        version=row.version,
        recorded_at=row.recorded_at,
        source=row.source,
        payload=decode(row.type, row.data, row.schema_version),
    )


def read(
    conn: Connection,
    *,
    after: int = 0,
    limit: int | None = None,
    source: str | None = None,
    types: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    newest_first: bool = False,
    stream: str | None = None,
    versions: tuple[int, int | None] | None = None,
) -> list[RecordedEvent]:
    """Events in log order (or newest first), filtered. ``versions`` (with ``stream``): only
    those after the first number and before the second (None: no bound)."""
    query = select(EVENTS).where(EVENTS.c.id > after)
    if stream is not None:  # one stream's events, by the (stream, version) index
        query = query.where(EVENTS.c.stream == stream)
        if versions is not None:
            query = query.where(EVENTS.c.version > versions[0])
            if versions[1] is not None:
                query = query.where(EVENTS.c.version < versions[1])
    if source is not None:
        query = query.where(EVENTS.c.source == source)
    if types:
        query = query.where(EVENTS.c.type.in_(list(types)))
    if since is not None:
        query = query.where(EVENTS.c.recorded_at >= since)
    if until is not None:
        query = query.where(EVENTS.c.recorded_at <= until)
    # A stream's versions are in log order: ordered by them, its index needs no sort, and a
    # limit reads only what it returns (a story of 1,400 reports: a page of them).
    order = EVENTS.c.version if stream is not None else EVENTS.c.id
    query = query.order_by(order.desc() if newest_first else order)
    if limit is not None:
        query = query.limit(limit)
    return [to_event(row) for row in conn.execute(query)]


# The columns a replay reads, unpacked by position (a named lookup per column costs, a million times).
_EVENT_COLUMNS = (
    EVENTS.c.id,
    EVENTS.c.stream,
    EVENTS.c.version,
    EVENTS.c.recorded_at,
    EVENTS.c.source,
    EVENTS.c.type,
    EVENTS.c.data,
    EVENTS.c.schema_version,
)


def iter_all(conn: Connection, *, after: int = 0, batch: int = 5000) -> Iterator[RecordedEvent]:
    """Every event from position ``after`` on, in order, fetched in batches."""
    position = after
    query = select(*_EVENT_COLUMNS).order_by(EVENTS.c.id).limit(batch)
    while True:
        rows = conn.execute(query.where(EVENTS.c.id > position)).all()
        if not rows:
            return
        for event_id, stream, version, recorded_at, source, type_, data, schema in rows:
            payload = decode(type_, data, schema)
            yield RecordedEvent(event_id, stream, version, recorded_at, source, payload)
        position = rows[-1][0]


def has_event(conn: Connection, *, source: str, type: str) -> bool:
    """Whether the log holds any event of ``type`` from ``source`` (a list's baseline)."""
    query = select(EVENTS.c.id).where(EVENTS.c.source == source, EVENTS.c.type == type).limit(1)
    return conn.execute(query).first() is not None


def get(conn: Connection, event_id: int) -> RecordedEvent | None:
    row = conn.execute(select(EVENTS).where(EVENTS.c.id == event_id)).first()
    return None if row is None else to_event(row)


def by_ids(conn: Connection, ids: Iterable[int]) -> list[RecordedEvent]:
    """The events with these ids, in log order."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    rows = conn.execute(select(EVENTS).where(EVENTS.c.id.in_(wanted)).order_by(EVENTS.c.id))
    return [to_event(row) for row in rows]


def last_position(conn: Connection) -> int:
    return int(conn.execute(select(func.max(EVENTS.c.id))).scalar() or 0)


# --- pages of the log, for readers that filter and page (the web app, its API and feeds) ------


@dataclass(frozen=True)
class EntityScope:
    """Where one entity is in the log: the changes of its entries (``(source, key)`` on each
    list) and the events of its news stories (their streams)."""

    entries: tuple[tuple[str, str], ...] = ()
    streams: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogQuery:
    """What a reader asks of the log: the filters of ``monitor log`` and of the web's change log.

    ``sources`` / ``types``: None for any, an empty tuple for none at all (a jurisdiction no
    source has). ``text``: words the event must contain, case-insensitively, anywhere in its
    source, type or payload; it is matched on the decoded payload, so it reads every script
    alike on SQLite (whose JSON escapes non-ASCII) and PostgreSQL."""

    sources: tuple[str, ...] | None = None
    types: tuple[str, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    entity: EntityScope | None = None  # only the events of one entity (``log --entity``)

    @property
    def matches_nothing(self) -> bool:
        empty = self.entity is not None and not (self.entity.entries or self.entity.streams)
        return self.sources == () or self.types == () or empty


@dataclass(frozen=True)
class LogPage:
    """Events and where to go on: for :func:`page` (newest first), the ``before`` of the next,
    older page (None: nothing older); for :func:`newer` (oldest first), the ``after`` to follow
    the log from (the last event looked at, matching or not)."""

    events: list[RecordedEvent]
    cursor: int | None


# A text search matches the projection ``event_text`` in SQL and decodes only what it finds. It
# looks at this many log positions per page at most, newest first, and hands back where it
# stopped, so a page never costs more than a bounded scan.
TEXT_SCAN = 25_000


def _filtered(query: LogQuery) -> Select[Any]:
    statement = select(EVENTS)
    if query.sources is not None:
        statement = statement.where(EVENTS.c.source.in_(list(query.sources)))
    if query.types is not None:
        statement = statement.where(EVENTS.c.type.in_(list(query.types)))
    if query.since is not None:
        statement = statement.where(EVENTS.c.recorded_at >= query.since)
    if query.until is not None:
        statement = statement.where(EVENTS.c.recorded_at <= query.until)
    if query.entity is not None:
        statement = statement.where(_of_entity(query.entity))
    return statement


def _of_entity(scope: EntityScope) -> ColumnElement[bool]:
    """An entity's events: its entries' changes (each list event is a row of
    ``list_entry_spans``, found by the key's index) and its stories' streams."""
    terms: list[ColumnElement[bool]] = []
    if scope.entries:
        rows = [
            and_(
                SPANS.c.source == source, SPANS.c.key_prefix == key[:KEY_PREFIX], SPANS.c.key == key
            )
            for source, key in scope.entries
        ]
        terms.append(EVENTS.c.id.in_(select(SPANS.c.from_event).where(or_(*rows))))
    if scope.streams:
        terms.append(EVENTS.c.stream.in_(list(scope.streams)))
    return or_(*terms) if terms else false()


def _needle(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _strings(value: Any) -> list[str]:
    """Every string in JSON-like data, in document order."""
    found: list[str] = []
    waiting = [value]  # what is still to be read, the next last
    while waiting:
        value = waiting.pop()
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, Mapping):
            waiting.extend(reversed(list(value.values())))
        elif isinstance(value, list | tuple):
            waiting.extend(reversed(value))
    return found


def searchable(payload: Payload, source: str | None) -> str:
    """What a free-text search looks in: an event's type, source and every text of its
    payload, single-spaced and casefolded (``event_text`` keeps it for each event)."""
    parts = [payload.type, source or "", *_strings(encode(payload))]
    return " ".join(" ".join(parts).split()).casefold()


def mentions(event: RecordedEvent, needle: str) -> bool:
    """Whether ``needle`` (casefolded, single-spaced) is in the event's source, type or any
    text of its payload."""
    return not needle or needle in searchable(event.payload, event.source)


def _upcast() -> ColumnElement[bool]:
    """Rows that decoding upcasts: their text today may differ from what ``event_text`` was
    given when they were written, so a search always decodes and checks them."""
    newest: dict[str, int] = {}
    for type_, step in UPCASTERS:
        newest[type_] = max(step, newest.get(type_, 0))
    terms = [
        and_(EVENTS.c.type == type_, EVENTS.c.schema_version <= step)
        for type_, step in sorted(newest.items())
    ]
    return or_(*terms) if terms else false()


def _may_mention(conn: Connection, needle: str) -> ColumnElement[bool]:
    """The events worth decoding for ``needle`` (with ``event_text`` outer-joined): its text
    holds the needle (both are casefolded: an exact match, in every script), or the event has
    no text yet or is upcast when read."""
    find = func.instr if conn.dialect.name == "sqlite" else func.strpos
    return or_(
        find(EVENT_TEXT.c.text, needle) > 0,
        EVENT_TEXT.c.id.is_(None),
        _upcast(),
    )


def page(
    conn: Connection,
    query: LogQuery,
    *,
    before: int | None = None,
    limit: int = 50,
    scan: int = TEXT_SCAN,
) -> LogPage:
    """Up to ``limit`` events older than ``before``, newest first (keyset pagination: a page
    stays the same whatever is appended meanwhile). A text search looks at the ``scan`` log
    positions below ``before`` at most; short of ``limit``, its cursor is where it stopped."""
    if query.matches_nothing:
        return LogPage([], None)
    statement = _filtered(query).order_by(EVENTS.c.id.desc())
    needle = _needle(query.text)
    if not needle:
        if before is not None:
            statement = statement.where(EVENTS.c.id < before)
        events = [to_event(row) for row in conn.execute(statement.limit(limit + 1))]
        more = len(events) > limit
        return LogPage(events[:limit], events[limit - 1].id if more and limit else None)
    top = before if before is not None else last_position(conn) + 1
    bottom = max(top - scan, 1)
    candidates = statement.select_from(
        EVENTS.outerjoin(EVENT_TEXT, EVENT_TEXT.c.id == EVENTS.c.id)
    ).where(EVENTS.c.id >= bottom, _may_mention(conn, needle))
    found: list[RecordedEvent] = []
    while len(found) < limit:
        wanted = limit - len(found)
        rows = conn.execute(candidates.where(EVENTS.c.id < top).limit(wanted)).all()
        found += [e for e in map(to_event, rows) if mentions(e, needle)]
        if len(rows) < wanted:
            return LogPage(found, bottom if bottom > 1 else None)
        top = rows[-1].id
    return LogPage(found, found[-1].id)


def newer(conn: Connection, query: LogQuery, *, after: int, limit: int = 100) -> LogPage:
    """The matching events after position ``after``, oldest first (a reader following the
    log: the web's live change log). At most ``limit`` events are looked at; the cursor moves
    past the ones that do not match, so they are not read again."""
    # The log's end is read first: appends are serialised, so every event up to it has
    # committed, and a later one (even under PostgreSQL's read committed) is left for next time.
    top = last_position(conn)
    if query.matches_nothing or top <= after:
        return LogPage([], max(after, top))
    statement = (
        _filtered(query)
        .where(EVENTS.c.id > after, EVENTS.c.id <= top)
        .order_by(EVENTS.c.id)
        .limit(limit)
    )
    events = [to_event(row) for row in conn.execute(statement)]
    cursor = events[-1].id if len(events) == limit else top
    needle = _needle(query.text)
    return LogPage([e for e in events if mentions(e, needle)], cursor)

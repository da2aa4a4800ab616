"""The database tables, in three groups with different rules.

* **Facts** — ``events`` and ``documents``: append-only, enforced by database triggers.
* **Projections** — derived from the events; dropped and rebuilt by ``monitor replay``.
* **Working state** — schedules, leases, HTTP validators, poll records, delivery attempts: losing
  it costs a re-poll or a re-send, never a fact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import Field, SQLModel


class JsonType(TypeDecorator[Any]):
    """JSON, stored as JSONB on PostgreSQL. PostgreSQL's dialect is imported only when it is
    used: importing it costs a SQLite run ~50 ms of its start-up."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        impl = self.impl_instance  # none_as_null: None is SQL NULL, not JSON null
        none_as_null = isinstance(impl, JSON) and impl.none_as_null
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB(none_as_null=none_as_null))
        return dialect.type_descriptor(JSON(none_as_null=none_as_null))


# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
IdType = BigInteger().with_variant(Integer(), "sqlite")


def _json(nullable: bool = False) -> Any:
    return Field(sa_column=Column(JsonType(), nullable=nullable))


# --- facts -----------------------------------------------------------------------------------


class EventRow(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("stream", "version", name="uq_events_stream_version"),
        Index("ix_events_source_id", "source", "id"),
        Index("ix_events_type_id", "type", "id"),
        # SQLite keeps no statistics: without it a type-and-source filter walks every event
        # of the type (bench/README.md, issue 22).
        Index("ix_events_source_type_id", "source", "type", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, sa_column=Column(IdType, primary_key=True))
    stream: str = Field(max_length=200)
    version: int
    type: str = Field(max_length=40)
    source: str | None = Field(default=None, max_length=100)
    recorded_at: datetime = Field(index=True)
    data: dict[str, Any] = _json()
    # The payload schema the row was written with (monitor.events.SCHEMA_VERSION); rows from
    # before it was kept are 1, and are upcast when read.
    schema_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class DocumentRow(SQLModel, table=True):
    """A fetched document, kept by the sha256 of its bytes so every event can cite it."""

    __tablename__ = "documents"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    content_type: str | None = Field(default=None, max_length=200)
    url: str = Field(sa_column=Column(Text, nullable=False))
    first_seen_at: datetime
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


# --- projections -----------------------------------------------------------------------------


class ProjectionPosition(SQLModel, table=True):
    """How far each projection has followed the log."""

    __tablename__ = "projection_positions"

    name: str = Field(primary_key=True, max_length=50)
    position: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class EventTextRow(SQLModel, table=True):
    """Each event's searchable text (``monitor.store.log.searchable``), so free text is matched
    in SQL instead of by decoding every event."""

    __tablename__ = "event_text"

    id: int = Field(sa_column=Column(IdType, primary_key=True, autoincrement=False))
    text: str = Field(sa_column=Column(Text, nullable=False))


class ListEntryRow(SQLModel, table=True):
    """The current entries of each list source."""

    __tablename__ = "list_entries"

    source: str = Field(primary_key=True, max_length=100)
    key_hash: str = Field(primary_key=True, max_length=40)  # keys can be 10 KB: index a hash
    key: str = Field(sa_column=Column(Text, nullable=False))
    entry: dict[str, Any] = _json()
    event_id: int = Field(sa_column=Column(BigInteger, nullable=False))


# Keys sort by code point on both databases, as Python sorts them (PostgreSQL's own collation
# follows the locale). A PostgreSQL index row holds at most ~2.7 KB and a key can be 10 KB, so
# the indexes hold the key's first KEY_PREFIX characters; (prefix, key) sorts as the key does.
CodePointText = Text().with_variant(Text(collation="C"), "postgresql")
KEY_PREFIX = 200


class ListEntrySpanRow(SQLModel, table=True):
    """Every version of every list entry, and when the monitor knew it: from its event's
    ``recorded_at`` until the next change to its key was recorded (``to_at`` NULL: still
    current), so a page of a list at any moment is read, not folded from the log. A removal is
    a row without an entry whose span is empty: it is never shown, and counts in its version."""

    __tablename__ = "list_entry_spans"
    __table_args__ = (
        # A page at a moment, in key order; and the rows a new change of a key closes.
        Index("ix_list_entry_spans_key", "source", "key_prefix", "from_at", "to_at"),
        # How many entries at a moment; the versions (moments and kinds of change).
        Index("ix_list_entry_spans_at", "source", "from_at", "type", "to_at"),
    )

    from_event: int = Field(sa_column=Column(IdType, primary_key=True, autoincrement=False))
    source: str = Field(max_length=100)
    key_prefix: str = Field(sa_column=Column(CodePointText, nullable=False))
    key: str = Field(sa_column=Column(CodePointText, nullable=False))
    type: str = Field(max_length=40)  # the event's: entry_added, entry_changed, entry_removed
    entry: dict[str, Any] | None = Field(  # None (SQL NULL): removed
        default=None, sa_column=Column(JsonType(none_as_null=True), nullable=True)
    )
    from_at: datetime
    to_at: datetime | None = None


class SeenItemRow(SQLModel, table=True):
    """Feed items already recorded, so an item is published once across restarts."""

    __tablename__ = "seen_items"

    source: str = Field(primary_key=True, max_length=100)
    item_hash: str = Field(primary_key=True, max_length=40)
    item_id: str = Field(sa_column=Column(Text, nullable=False))
    event_id: int = Field(sa_column=Column(BigInteger, nullable=False))


class SourceHealthRow(SQLModel, table=True):
    """Per source: failing (fetches fail) and/or suspect (the list parses to too little)."""

    __tablename__ = "source_health"

    source: str = Field(primary_key=True, max_length=100)
    failing: bool = False
    failing_since: datetime | None = None
    error: str | None = None
    suspect: bool = False
    suspect_since: datetime | None = None
    last_change_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    last_change_at: datetime | None = None


class StoryRow(SQLModel, table=True):
    """News stories: the first report and the outlets that corroborated it."""

    __tablename__ = "stories"

    id: str = Field(primary_key=True, max_length=200)
    kind: str = Field(max_length=20)
    key: list[str] = _json()
    first_event_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    first_published: datetime
    last_published: datetime
    reports: int = 1
    sources: list[str] = _json()
    urls: list[str] = _json()


# --- working state ---------------------------------------------------------------------------


class SourceStateRow(SQLModel, table=True):
    """Schedule, lease and HTTP validators of a source."""

    __tablename__ = "source_state"

    source: str = Field(primary_key=True, max_length=100)
    next_poll_at: datetime | None = Field(default=None, index=True)
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_until: datetime | None = None
    etag: str | None = Field(default=None, sa_column=Column(Text))
    last_modified: str | None = Field(default=None, max_length=200)
    last_hash: str | None = Field(default=None, max_length=64)
    last_poll_at: datetime | None = None
    last_status: str | None = Field(default=None, max_length=40)
    last_error: str | None = None
    consecutive_failures: int = 0


class PollRow(SQLModel, table=True):
    """One line per poll: what was fetched, how long it took, what it recorded."""

    __tablename__ = "polls"

    id: int | None = Field(default=None, sa_column=Column(IdType, primary_key=True))
    source: str = Field(max_length=100, index=True)
    started_at: datetime
    duration_ms: int
    status: str = Field(max_length=40)
    http_status: int | None = None
    bytes: int = 0
    events: int = 0
    error: str | None = None
    worker: str | None = Field(default=None, max_length=200)


# --- notifications (monitor.notify) -----------------------------------------------------------


class OutboxRow(SQLModel, table=True):
    """Projection: an alert still owed to a channel (no notification_sent/_failed yet).

    One row per (channel, notification); a notification is keyed by its first event's id and
    lists every event it reports (all the list changes of one poll of one source, or one story).
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_group", "channel", "group_key"),)

    channel: str = Field(primary_key=True, max_length=100)
    first_event: int = Field(
        sa_column=Column(BigInteger, primary_key=True, autoincrement=False, nullable=False)
    )
    alert_class: str = Field(max_length=20)
    kind: str = Field(max_length=20)
    source: str | None = Field(default=None, max_length=100)
    group_key: str | None = Field(default=None, max_length=200)
    events: list[int] = _json()
    created_at: datetime


class DeliveryAttemptRow(SQLModel, table=True):
    """Working state of one owed notification: retries, next attempt, lease, last error."""

    __tablename__ = "delivery_attempts"
    __table_args__ = (
        UniqueConstraint("channel", "first_event", name="uq_delivery_attempts_notification"),
    )

    id: int | None = Field(default=None, sa_column=Column(IdType, primary_key=True))
    channel: str = Field(max_length=100)
    first_event: int = Field(sa_column=Column(BigInteger, nullable=False))
    attempts: int = 0
    next_attempt_at: datetime = Field(index=True)
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_until: datetime | None = None
    last_attempt_at: datetime | None = None
    last_outcome: str | None = Field(default=None, max_length=20)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    unconfirmed: bool = False


class DeliveryChannelRow(SQLModel, table=True):
    """Working state: from which log position on a channel is owed each class of alert.

    Written when a channel (or a class in its ``notify``) is first seen enabled, so adding a
    channel never makes it owe the whole history, live or on replay.
    """

    __tablename__ = "delivery_channels"

    channel: str = Field(primary_key=True, max_length=100)
    alert_class: str = Field(primary_key=True, max_length=20)
    since: int = Field(sa_column=Column(BigInteger, nullable=False))
    registered_at: datetime


def table_of(model: type[SQLModel]) -> Table:
    """A table model's SQLAlchemy table: SQLModel sets ``Model.__table__`` but does not type it."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


PROJECTION_TABLES = (
    table_of(ListEntryRow),
    table_of(ListEntrySpanRow),
    table_of(SeenItemRow),
    table_of(SourceHealthRow),
    table_of(StoryRow),
    table_of(EventTextRow),
    table_of(OutboxRow),
    table_of(ProjectionPosition),
)

"""list_entry_spans: every version of every list entry, and when the monitor knew it

A projection, filled here from the log's entry events, so that a store that upgrades answers a
list at any moment at once and ``monitor replay`` finds the rows it would build. The fill reads
the log newest first: a row ends at the earliest ``recorded_at`` of its key's later events
(a removal's row is empty: it ends where it starts). It is written with this revision's own
table, not the store's models, so a later revision of the table cannot change what this one
does.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-12 12:00:00
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_JSON_OR_NULL = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
)
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sqlmodel.sql.sqltypes.UTCDateTime
_STR = sqlmodel.sql.sqltypes.AutoString
# Keys sort by code point on both databases, as Python sorts them.
_KEY = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
_KEY_PREFIX = 200
_ENTRY_EVENTS = ("entry_added", "entry_changed", "entry_removed")
_BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "list_entry_spans",
        sa.Column("from_event", _ID, autoincrement=False, nullable=False),
        sa.Column("source", _STR(length=100), nullable=False),
        sa.Column("key_prefix", _KEY, nullable=False),
        sa.Column("key", _KEY, nullable=False),
        sa.Column("type", _STR(length=40), nullable=False),
        sa.Column("entry", _JSON_OR_NULL, nullable=True),
        sa.Column("from_at", _TIME(), nullable=False),
        sa.Column("to_at", _TIME(), nullable=True),
        sa.PrimaryKeyConstraint("from_event"),
    )
    _fill(op.get_bind())
    with op.batch_alter_table("list_entry_spans", schema=None) as batch_op:
        batch_op.create_index(
            "ix_list_entry_spans_key", ["source", "key_prefix", "from_at", "to_at"], unique=False
        )
        batch_op.create_index(
            "ix_list_entry_spans_at", ["source", "from_at", "type", "to_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("list_entry_spans", schema=None) as batch_op:
        batch_op.drop_index("ix_list_entry_spans_at")
        batch_op.drop_index("ix_list_entry_spans_key")
    op.drop_table("list_entry_spans")


def _fill(conn: sa.Connection) -> None:
    """One row per entry event, read newest first in batches by id."""
    events = sa.table(
        "events",
        sa.column("id", _ID),
        sa.column("source", _STR()),
        sa.column("type", _STR()),
        sa.column("recorded_at", _TIME()),
        sa.column("data", _JSON),
    )
    spans = sa.table(
        "list_entry_spans",
        *(
            sa.column(name, type_)
            for name, type_ in [
                ("from_event", _ID),
                ("source", _STR()),
                ("key_prefix", _KEY),
                ("key", _KEY),
                ("type", _STR()),
                ("entry", _JSON_OR_NULL),
                ("from_at", _TIME()),
                ("to_at", _TIME()),
            ]
        ),
    )
    query = (
        sa.select(events.c.id, events.c.source, events.c.type, events.c.recorded_at, events.c.data)
        .where(events.c.type.in_(_ENTRY_EVENTS), events.c.source.is_not(None))
        .order_by(events.c.id.desc())
        .limit(_BATCH)
    )
    earliest: dict[tuple[str, str], datetime] = {}  # each key's earliest later change
    before: int | None = None
    while True:
        batch = conn.execute(query if before is None else query.where(events.c.id < before)).all()
        if not batch:
            return
        rows: list[dict[str, Any]] = []
        for id_, source, type_, at, data in batch:
            key = data["entry"]["key"]
            removed = type_ == "entry_removed"
            later = earliest.get((source, key))
            to_at = at if removed else None
            if later is not None and (to_at is None or later < to_at):
                to_at = later
            earliest[source, key] = at if later is None else min(later, at)
            rows.append(
                {
                    "from_event": id_,
                    "source": source,
                    "key_prefix": key[:_KEY_PREFIX],
                    "key": key,
                    "type": type_,
                    "entry": None if removed else data["entry"],
                    "from_at": at,
                    "to_at": to_at,
                }
            )
        conn.execute(sa.insert(spans), rows)
        before = batch[-1][0]

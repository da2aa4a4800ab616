"""events (source, type, id) index; event_text, the free-text search projection

The index answers a type-and-source filter on SQLite, which has no statistics to choose
``ix_events_source_id`` by itself. ``event_text`` holds each event's searchable text (a
projection): the events already recorded get theirs here, so the store is what a replay builds
(~1 minute a million events, once).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-12 10:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_source_type_id", ["source", "type", "id"], unique=False)

    op.create_table(
        "event_text",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _fill_event_text(op.get_bind())


def _fill_event_text(conn: sa.Connection, batch: int = 5000) -> None:
    """Each recorded event's text, as ``monitor.store.projections.text`` writes it at append.
    The columns are named here, not taken from the tables module, which describes the newest
    schema, not this revision's."""
    from monitor.events import decode
    from monitor.store.log import searchable

    events = sa.table(
        "events",
        sa.column("id", sa.BigInteger()),
        sa.column("type", sa.Text()),
        sa.column("source", sa.Text()),
        sa.column("data", sa.Text()),
        sa.column("schema_version", sa.Integer()),
    )
    texts = sa.table("event_text", sa.column("id", sa.BigInteger()), sa.column("text", sa.Text()))
    query = (
        sa.select(
            events.c.id,
            events.c.type,
            events.c.source,
            sa.cast(events.c.data, sa.Text()),
            events.c.schema_version,
        )
        .order_by(events.c.id)
        .limit(batch)
    )
    position = 0
    while rows := conn.execute(query.where(events.c.id > position)).all():
        conn.execute(
            sa.insert(texts),
            [
                {"id": id_, "text": searchable(decode(type_, json.loads(data), schema), source)}
                for id_, type_, source, data, schema in rows
            ],
        )
        position = rows[-1][0]


def downgrade() -> None:
    op.drop_table("event_text")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_source_type_id")

"""outbox: owed notifications (projection), delivery attempts and channel horizons (working state)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sqlmodel.sql.sqltypes.UTCDateTime
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("channel", _STR(length=100), nullable=False),
        sa.Column("first_event", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("alert_class", _STR(length=20), nullable=False),
        sa.Column("kind", _STR(length=20), nullable=False),
        sa.Column("source", _STR(length=100), nullable=True),
        sa.Column("group_key", _STR(length=200), nullable=True),
        sa.Column("events", _JSON, nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "first_event"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_group", ["channel", "group_key"], unique=False)

    op.create_table(
        "delivery_attempts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("channel", _STR(length=100), nullable=False),
        sa.Column("first_event", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TIME(), nullable=False),
        sa.Column("lease_owner", _STR(length=200), nullable=True),
        sa.Column("lease_until", _TIME(), nullable=True),
        sa.Column("last_attempt_at", _TIME(), nullable=True),
        sa.Column("last_outcome", _STR(length=20), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("unconfirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "first_event", name="uq_delivery_attempts_notification"),
    )
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_attempts_next_attempt_at"), ["next_attempt_at"], unique=False
        )

    op.create_table(
        "delivery_channels",
        sa.Column("channel", _STR(length=100), nullable=False),
        sa.Column("alert_class", _STR(length=20), nullable=False),
        sa.Column("since", sa.BigInteger(), nullable=False),
        sa.Column("registered_at", _TIME(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "alert_class"),
    )


def downgrade() -> None:
    op.drop_table("delivery_channels")
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_attempts_next_attempt_at"))
    op.drop_table("delivery_attempts")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_group")
    op.drop_table("outbox")

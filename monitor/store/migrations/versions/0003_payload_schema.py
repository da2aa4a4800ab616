"""events.schema_version: the payload schema each event was written with

Rows that exist already were written before versions were kept: they are version 1, and
``monitor.events.decode`` upcasts them when they are read. The rows themselves never change.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A constant default: SQLite and PostgreSQL add the column without touching a row, so the
    # log's triggers (no UPDATE, no DELETE) are never asked.
    op.add_column(
        "events",
        sa.Column("schema_version", sa.Integer(), nullable=False, server_default="1"),
    )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("schema_version")

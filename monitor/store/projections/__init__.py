"""Projections: everything a user reads, derived from the log and rebuildable from it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, select, update

from monitor.events import RecordedEvent
from monitor.store.projections.base import Projection
from monitor.store.projections.health import SourceHealth
from monitor.store.projections.items import SeenItems
from monitor.store.projections.lists import EntrySpans, ListEntries
from monitor.store.projections.stories import Stories
from monitor.store.projections.text import EventText
from monitor.store.tables import ProjectionPosition, table_of

POSITIONS = table_of(ProjectionPosition)
POSITION_NAME = "projections"


def default_projections() -> list[Projection]:
    return [ListEntries(), EntrySpans(), SeenItems(), SourceHealth(), Stories(), EventText()]


def apply_all(
    conn: Connection, projections: Sequence[Projection], events: Sequence[RecordedEvent]
) -> None:
    """Fold ``events`` into every projection and move the shared position past them."""
    if not events:
        return
    for projection in projections:
        projection.apply(conn, events)
    set_position(conn, events[-1].id)


def position(conn: Connection) -> int:
    value = conn.execute(
        select(POSITIONS.c.position).where(POSITIONS.c.name == POSITION_NAME)
    ).scalar()
    return int(value or 0)


def set_position(conn: Connection, value: int) -> None:
    updated = conn.execute(
        update(POSITIONS).where(POSITIONS.c.name == POSITION_NAME).values(position=value)
    )
    if updated.rowcount == 0:
        conn.execute(insert(POSITIONS).values(name=POSITION_NAME, position=value))

"""``monitor replay``: rebuild every projection from the log and compare with the stored one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, delete, select

from monitor import projections
from monitor.store import Store, log

BATCH = 5000


@dataclass(frozen=True)
class ReplayReport:
    events: int
    written: bool
    differences: dict[str, tuple[int, int]] = field(default_factory=dict)  # table: (missing, extra)

    @property
    def matches(self) -> bool:
        return not self.differences


def replay(store: Store, *, write: bool = False) -> ReplayReport:
    """Rebuild in one transaction; keep the result only with ``write``."""
    tables = _tables(store)
    with store.engine.connect() as conn:
        conn = conn.execution_options(write=True)
        tx = conn.begin()
        try:
            before = {t.name: _snapshot(conn, t) for t in tables}
            for table in tables:
                conn.execute(delete(table))
            count = 0
            batch = []
            for event in log.iter_all(conn, batch=BATCH):
                batch.append(event)
                if len(batch) >= BATCH:
                    projections.apply_all(conn, store.projections, batch)
                    count += len(batch)
                    batch = []
            projections.apply_all(conn, store.projections, batch)
            count += len(batch)
            after = {t.name: _snapshot(conn, t) for t in tables}
            differences = {}
            for name in before:
                missing = len(after[name] - before[name])
                extra = len(before[name] - after[name])
                if missing or extra:
                    differences[name] = (missing, extra)
            if write:
                tx.commit()
            else:
                tx.rollback()
        except BaseException:
            if tx.is_active:
                tx.rollback()
            raise
    return ReplayReport(events=count, written=write, differences=differences)


def _tables(store: Store) -> list[Table]:
    seen: dict[str, Table] = {}
    for projection in store.projections:
        for table in projection.tables:
            seen[table.name] = table
    seen[projections.POSITIONS.name] = projections.POSITIONS
    return list(seen.values())


def _snapshot(conn: Connection, table: Table) -> set[tuple[Any, ...]]:
    return {
        tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for v in row)
        for row in conn.execute(select(table))
    }

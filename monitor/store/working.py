"""Working state: schedules, HTTP validators, failure counters and the per-poll record.

None of this is a fact. Losing it costs a re-poll, never an event.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any, TypedDict, Unpack

from sqlalchemy import Connection, Update, bindparam, func, insert, select, update

from monitor.store.tables import PollRow, SourceStateRow, table_of

STATE = table_of(SourceStateRow)
POLLS = table_of(PollRow)


@dataclass(frozen=True)
class SourceState:
    source: str
    next_poll_at: datetime | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_hash: str | None = None
    last_poll_at: datetime | None = None
    last_status: str | None = None
    last_error: str | None = None
    consecutive_failures: int = 0


STATE_FIELDS = tuple(f.name for f in fields(SourceState))


def state_of(row: Any) -> SourceState:
    return SourceState(**{k: getattr(row, k) for k in STATE_FIELDS})


def load_state(conn: Connection, source: str) -> SourceState:
    row = conn.execute(select(STATE).where(STATE.c.source == source)).first()
    return SourceState(source=source) if row is None else state_of(row)


def all_states(conn: Connection) -> dict[str, SourceState]:
    return {row.source: state_of(row) for row in conn.execute(select(STATE))}


def save_state(conn: Connection, source: str, **values: Any) -> None:
    """Update some columns of a source's working state, creating its row if needed."""
    unknown = set(values) - set(STATE_FIELDS)
    if unknown:
        raise TypeError(f"unknown source_state columns: {sorted(unknown)}")
    updated = conn.execute(_update_state(tuple(sorted(values))), {**values, "match_source": source})
    if updated.rowcount == 0:
        conn.execute(_INSERT_STATE, {**values, "source": source})


# Statements built once and executed with parameters: building one per call (and computing its
# cache key) cost SQLAlchemy more than SQLite took to run it, on every poll.
_INSERT_STATE = insert(STATE)
_INSERT_POLL = insert(POLLS)


@lru_cache(maxsize=32)
def _update_state(columns: tuple[str, ...]) -> Update:
    return (
        update(STATE)
        .where(STATE.c.source == bindparam("match_source"))
        .values({c: bindparam(c) for c in columns})
    )


class PollLine(TypedDict):
    """A poll's line in the ``polls`` table."""

    source: str
    started_at: datetime
    duration_ms: int
    status: str
    http_status: int | None
    size: int
    events: int
    error: str | None
    worker: str | None


def record_poll(conn: Connection, **line: Unpack[PollLine]) -> None:
    record_polls(conn, [line])


def save_states(conn: Connection, states: dict[str, dict[str, Any]]) -> None:
    """``save_state`` for many sources, one statement per set of columns."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for source, values in states.items():
        by_columns.setdefault(tuple(sorted(values)), []).append({**values, "match_source": source})
    for columns, rows in by_columns.items():
        updated = conn.execute(_update_state(columns), rows)
        if updated.rowcount != len(rows):  # a row was missing: create it, one by one
            for row in rows:
                values = {k: v for k, v in row.items() if k != "match_source"}
                save_state(conn, row["match_source"], **values)


def record_polls(conn: Connection, lines: list[PollLine]) -> None:
    """Many polls' lines, in one statement."""
    rows = [
        {k: v for k, v in line.items() if k != "size"} | {"bytes": line["size"]} for line in lines
    ]
    conn.execute(_INSERT_POLL, rows)


def last_workers(conn: Connection) -> dict[str, str]:
    """The worker that made each source's latest poll."""
    latest = select(func.max(POLLS.c.id)).group_by(POLLS.c.source).scalar_subquery()
    rows = conn.execute(select(POLLS.c.source, POLLS.c.worker).where(POLLS.c.id.in_(latest)))
    return {row.source: row.worker for row in rows if row.worker}

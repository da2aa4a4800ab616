"""Claiming sources by lease, so each due source is polled by exactly one process.

The database is the coordinator (APScheduler 3 cannot share a job store between processes).
PostgreSQL: ``UPDATE ... WHERE source IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING``.
SQLite has no ``FOR UPDATE``; the caller's ``BEGIN IMMEDIATE`` makes the ``UPDATE ... RETURNING``
exclusive instead.

A lease names its holder as ``host:pid:start`` (the process's start time), so a process on the
same host can tell that a holder is gone — killed, or its pid since reused by another process —
and take its leases over at once instead of waiting for them to run out.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Table, and_, bindparam, insert, or_, select, update

from monitor.store.working import STATE, STATE_FIELDS, SourceState, state_of

logger = logging.getLogger("monitor.leases")


def holder_id() -> str:
    """This process as a lease holder: ``host:pid:start`` (``host:pid`` where the start time
    cannot be read)."""
    pid = os.getpid()
    started = _started(pid)
    return f"{socket.gethostname()}:{pid}" + (f":{started}" if started else "")


def gone(holder: str, *, here: str) -> bool:
    """Whether ``holder`` is a process of this host (``here`` is this process's id) that no
    longer runs: its pid is dead, or alive as another process (started at another time).
    A holder on another host may be alive: only its lease's expiry tells."""
    host, _, rest = holder.partition(":")
    pid, _, started = rest.partition(":")
    if holder == here or host != here.partition(":")[0] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        pass
    now_started = _started(int(pid))
    return bool(started) and now_started is not None and now_started != started


def _started(pid: int) -> str | None:
    """When process ``pid`` started, in clock ticks since boot (Linux ``/proc``); None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22; the command name (field 2, in parentheses) may itself hold spaces.
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def release_gone(conn: Connection, table: Table, *, worker: str, now: datetime) -> list[str]:
    """Free the live leases in ``table`` (of sources, or of deliveries) whose holders are gone
    (see :func:`gone`); returns those holders."""
    owners = conn.execute(
        select(table.c.lease_owner)
        .where(table.c.lease_until >= now, table.c.lease_owner != worker)
        .distinct()
    ).scalars()
    dead = [owner for owner in owners if gone(owner, here=worker)]
    if dead:
        conn.execute(
            update(table)
            .where(table.c.lease_owner.in_(dead))
            .values(lease_owner=None, lease_until=None)
        )
    return dead


def ensure_rows(conn: Connection, first_due: dict[str, datetime]) -> None:
    """Create working-state rows for sources seen for the first time, due at the given time."""
    rows = conn.execute(
        select(STATE.c.source, STATE.c.next_poll_at).where(STATE.c.source.in_(list(first_due)))
    ).all()
    known = {row.source for row in rows}
    missing = [{"source": s, "next_poll_at": t} for s, t in first_due.items() if s not in known]
    if missing:
        conn.execute(insert(STATE), missing)
    unscheduled = [row.source for row in rows if row.next_poll_at is None]
    for source in unscheduled:
        conn.execute(
            update(STATE)
            .where(STATE.c.source == source, STATE.c.next_poll_at.is_(None))
            .values(next_poll_at=first_due[source])
        )


def claim(
    conn: Connection,
    *,
    worker: str,
    now: datetime,
    lease: float,
    sources: Sequence[str],
    due_only: bool,
    limit: int | None = None,
) -> list[SourceState]:
    """Lease the given sources that no live lease holds (and, with ``due_only``, that are due);
    a lease whose holder is gone (see :func:`gone`) holds nothing.

    Returns their working state as leased (validators included), so a poll needs no second read.
    """
    if not sources:
        return []
    for holder in release_gone(conn, STATE, worker=worker, now=now):
        logger.warning("taking over the leases of %s: that process no longer runs", holder)
    free = or_(
        STATE.c.lease_until.is_(None), STATE.c.lease_until < now, STATE.c.lease_owner == worker
    )
    condition = and_(STATE.c.source.in_(list(sources)), free)
    if due_only:
        condition = and_(condition, STATE.c.next_poll_at <= now)
    candidates = select(STATE.c.source).where(condition).order_by(STATE.c.next_poll_at)
    if limit is not None:
        candidates = candidates.limit(limit)
    if conn.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    until = now + timedelta(seconds=lease)
    result = conn.execute(
        update(STATE)
        .where(STATE.c.source.in_(candidates.scalar_subquery()))
        .values(lease_owner=worker, lease_until=until)
        .returning(*(STATE.c[name] for name in STATE_FIELDS))
    )
    return [state_of(row) for row in result]


def renew(conn: Connection, *, worker: str, sources: Sequence[str], until: datetime) -> None:
    if sources:
        conn.execute(
            update(STATE)
            .where(STATE.c.source.in_(list(sources)), STATE.c.lease_owner == worker)
            .values(lease_until=until)
        )


def finish(conn: Connection, *, worker: str, source: str, next_poll_at: datetime | None) -> None:
    """Release a lease; with ``next_poll_at``, also set when the source is due again."""
    if next_poll_at is None:
        conn.execute(_RELEASE, {"match_source": source, "match_owner": worker})
    else:
        finish_many(conn, worker=worker, next_polls={source: next_poll_at})


def finish_many(conn: Connection, *, worker: str, next_polls: dict[str, datetime]) -> None:
    """``finish`` for many sources, in one statement."""
    rows = [
        {"match_source": source, "match_owner": worker, "next_poll_at": at}
        for source, at in next_polls.items()
    ]
    conn.execute(_RELEASE_AND_SCHEDULE, rows)


# Built once: a poll's transaction runs one of them every time (see working._update_state).
_RELEASE = (
    update(STATE)
    .where(
        STATE.c.source == bindparam("match_source"), STATE.c.lease_owner == bindparam("match_owner")
    )
    .values(lease_owner=None, lease_until=None)
)
_RELEASE_AND_SCHEDULE = _RELEASE.values(next_poll_at=bindparam("next_poll_at"))


def release_all(conn: Connection, *, worker: str) -> None:
    conn.execute(
        update(STATE)
        .where(STATE.c.lease_owner == worker)
        .values(lease_owner=None, lease_until=None)
    )


def holders(conn: Connection, sources: Sequence[str], now: datetime) -> dict[str, str]:
    """Who holds a live lease on each of ``sources`` (a holder that is gone holds nothing)."""
    rows = conn.execute(
        select(STATE.c.source, STATE.c.lease_owner).where(
            STATE.c.source.in_(list(sources)), STATE.c.lease_until >= now
        )
    )
    here = holder_id()
    return {
        row.source: row.lease_owner
        for row in rows
        if row.lease_owner and not gone(row.lease_owner, here=here)
    }

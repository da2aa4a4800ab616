"""Delivery working state: claiming owed notifications by lease and recording each outcome.

Claiming follows :mod:`monitor.store.leases`: on PostgreSQL ``UPDATE ... WHERE id IN (SELECT ...
FOR UPDATE SKIP LOCKED) RETURNING``; on SQLite the caller's ``BEGIN IMMEDIATE`` makes the
``UPDATE ... RETURNING`` exclusive. An outcome is recorded as an event (``notification_sent`` /
``notification_failed``) in the same transaction that clears the working row, so a crash between
a send and its record can at worst re-send, never lose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from sqlalchemy import Connection, and_, delete, exists, func, literal, or_, select, update

from monitor.events import NOTIFICATION_FAILED, NOTIFICATION_SENT, NewEvent, RecordedEvent
from monitor.notify.outbox import ATTEMPTS, OUTBOX, owed_to
from monitor.store import Store
from monitor.store.engine import dialect_insert
from monitor.store.tables import EventRow, table_of

EVENTS = table_of(EventRow)
# What a send came to: "unknown" is a send that timed out, which may have arrived.
Outcome = Literal["sent", "failed", "unknown"]
SENT: Final = "sent"
FAILED: Final = "failed"
UNKNOWN: Final = "unknown"


@dataclass(frozen=True)
class Claimed:
    """One owed notification this worker holds a lease on."""

    channel: str
    first_event: int
    events: tuple[int, ...]
    alert_class: str
    kind: str
    source: str | None
    created_at: datetime
    attempts: int  # made before this one
    unconfirmed: bool  # an earlier attempt timed out: it may have arrived


def channel_stream(channel: str) -> str:
    return f"channel:{channel}"


def reconcile(conn: Connection) -> None:
    """Give every owed row a working row (due at once) and drop working rows nothing owes.

    Working state may be lost or stale (after ``replay --write``); this makes it whole again.
    """
    missing = (
        select(
            OUTBOX.c.channel,
            OUTBOX.c.first_event,
            literal(0),
            OUTBOX.c.created_at,
            literal(False),
        )
        .select_from(OUTBOX.outerjoin(ATTEMPTS, _same(OUTBOX)))
        .where(ATTEMPTS.c.id.is_(None))
    )
    insert = dialect_insert(conn)
    conn.execute(
        insert(ATTEMPTS)
        .from_select(
            ["channel", "first_event", "attempts", "next_attempt_at", "unconfirmed"], missing
        )
        .on_conflict_do_nothing()
    )
    conn.execute(delete(ATTEMPTS).where(~exists(select(OUTBOX.c.channel).where(_same(OUTBOX)))))


def _same(table: Any) -> Any:
    return and_(
        ATTEMPTS.c.channel == table.c.channel, ATTEMPTS.c.first_event == table.c.first_event
    )


def claim_next(
    conn: Connection, *, channel: str, worker: str, now: datetime, lease: float
) -> Claimed | None:
    """Lease the oldest due notification of ``channel`` that no live lease holds."""
    while True:
        candidates = (
            select(ATTEMPTS.c.id)
            .where(
                ATTEMPTS.c.channel == channel,
                ATTEMPTS.c.next_attempt_at <= now,
                or_(ATTEMPTS.c.lease_until.is_(None), ATTEMPTS.c.lease_until < now),
            )
            .order_by(ATTEMPTS.c.first_event)
            .limit(1)
        )
        if conn.dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        row = conn.execute(
            update(ATTEMPTS)
            .where(ATTEMPTS.c.id.in_(candidates.scalar_subquery()))
            .values(lease_owner=worker, lease_until=now + timedelta(seconds=lease))
            .returning(
                ATTEMPTS.c.id, ATTEMPTS.c.first_event, ATTEMPTS.c.attempts, ATTEMPTS.c.unconfirmed
            )
        ).first()
        if row is None:
            return None
        owed = owed_to(conn, channel, row.first_event)
        if owed is None:  # settled meanwhile (another worker, a replay)
            conn.execute(delete(ATTEMPTS).where(ATTEMPTS.c.id == row.id))
            continue
        return Claimed(
            channel=channel,
            first_event=row.first_event,
            events=tuple(int(i) for i in owed.events),
            alert_class=owed.alert_class,
            kind=owed.kind,
            source=owed.source,
            created_at=owed.created_at,
            attempts=row.attempts,
            unconfirmed=bool(row.unconfirmed),
        )


def claim(
    store: Store, *, channel: str, worker: str, now: datetime, lease: float
) -> Claimed | None:
    with store.write_tx() as conn:
        return claim_next(conn, channel=channel, worker=worker, now=now, lease=lease)


def record_sent(store: Store, item: Claimed, *, now: datetime) -> RecordedEvent | None:
    """Record the channel's acceptance (unless another worker already did)."""
    with store.write_tx() as conn:
        if owed_to(conn, item.channel, item.first_event) is None:
            _forget(conn, item.channel, [item.first_event])
            return None
        data = {
            "channel": item.channel,
            "events": list(item.events),
            "attempts": item.attempts + 1,
        }
        recorded = store.append(
            [NewEvent(NOTIFICATION_SENT, channel_stream(item.channel), data)], conn=conn, now=now
        )
        _forget(conn, item.channel, [item.first_event])
        return recorded[0]


def record_failure(
    store: Store,
    item: Claimed,
    *,
    now: datetime,
    outcome: Outcome,
    error: str,
    retry_at: datetime,
    give_up_after: float,
) -> RecordedEvent | None:
    """One attempt did not succeed; the channel is failing.

    The attempted notification is retried at ``retry_at`` (the caller caps it at its give-up
    deadline) unless that deadline has passed; the channel's other notifications wait until then
    too, so a down channel costs one attempt per pass. Every one of its notifications past the
    deadline is given up in one ``notification_failed`` (hence one health alert, not hundreds).
    """
    with store.write_tx() as conn:
        cutoff = now - timedelta(seconds=give_up_after)
        conn.execute(
            update(ATTEMPTS)
            .where(ATTEMPTS.c.channel == item.channel, ATTEMPTS.c.first_event == item.first_event)
            .values(
                attempts=ATTEMPTS.c.attempts + 1,
                next_attempt_at=retry_at,
                lease_owner=None,
                lease_until=None,
                last_attempt_at=now,
                last_outcome=outcome,
                last_error=error,
                unconfirmed=True if outcome == UNKNOWN else ATTEMPTS.c.unconfirmed,
            )
        )
        expired = conn.execute(
            select(OUTBOX.c.first_event, OUTBOX.c.events)
            .select_from(OUTBOX.join(ATTEMPTS, _same(OUTBOX)))
            .where(
                OUTBOX.c.channel == item.channel,
                OUTBOX.c.created_at <= cutoff,
                or_(ATTEMPTS.c.lease_until.is_(None), ATTEMPTS.c.lease_until < now),
            )
            .order_by(OUTBOX.c.first_event)
        ).all()
        conn.execute(
            update(ATTEMPTS)
            .where(
                ATTEMPTS.c.channel == item.channel,
                ATTEMPTS.c.next_attempt_at < retry_at,
                or_(ATTEMPTS.c.lease_until.is_(None), ATTEMPTS.c.lease_until < now),
            )
            .values(next_attempt_at=retry_at)
        )
        if not expired:
            return None
        return _give_up(conn, store, item.channel, expired, error=error, now=now)


def _give_up(
    conn: Connection, store: Store, channel: str, rows: Sequence[Any], *, error: str, now: datetime
) -> RecordedEvent:
    ids = [int(i) for row in rows for i in row.events]
    types = sorted(
        conn.execute(select(EVENTS.c.type).where(EVENTS.c.id.in_(ids)).distinct()).scalars()
    )
    data = {
        "channel": channel,
        "events": ids,
        "error": error,
        "types": types,
        "notifications": len(rows),
    }
    recorded = store.append(
        [NewEvent(NOTIFICATION_FAILED, channel_stream(channel), data)], conn=conn, now=now
    )
    _forget(conn, channel, [row.first_event for row in rows])
    return recorded[0]


def release(store: Store, items: Sequence[Claimed], *, worker: str) -> None:
    """Give back leases without an attempt (shutdown, cancelled pass)."""
    if not items:
        return
    with store.write_tx() as conn:
        for item in items:
            conn.execute(
                update(ATTEMPTS)
                .where(_key(item), ATTEMPTS.c.lease_owner == worker)
                .values(lease_owner=None, lease_until=None)
            )


def _key(item: Claimed) -> Any:
    return and_(ATTEMPTS.c.channel == item.channel, ATTEMPTS.c.first_event == item.first_event)


def _forget(conn: Connection, channel: str, first_events: Sequence[int]) -> None:
    conn.execute(
        delete(ATTEMPTS).where(
            ATTEMPTS.c.channel == channel, ATTEMPTS.c.first_event.in_(list(first_events))
        )
    )


def next_due(conn: Connection, channels: Sequence[str]) -> datetime | None:
    if not channels:
        return None
    return conn.execute(
        select(func.min(ATTEMPTS.c.next_attempt_at)).where(ATTEMPTS.c.channel.in_(list(channels)))
    ).scalar()

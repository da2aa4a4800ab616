"""The notifier's storage: the outbox, its working state and the channels' horizons, as typed
operations that each run in one transaction of their own (``Store.deliveries``).

Claiming follows :mod:`monitor.store.leases`: on PostgreSQL ``UPDATE ... WHERE id IN (SELECT ...
FOR UPDATE SKIP LOCKED) RETURNING``; on SQLite the write transaction's ``BEGIN IMMEDIATE`` makes
the ``UPDATE ... RETURNING`` exclusive. An outcome is recorded as an event (``notification_sent``
/ ``notification_failed``) in the same transaction that clears the working row, so a crash
between a send and its record can at worst re-send, never lose. Retry counters, next attempts and
leases are working state; what to send, when to retry and how a message reads are the
notifier's (:mod:`monitor.notify`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)

from monitor.events import (
    NOTIFICATION_FAILED,
    NOTIFICATION_SENT,
    DesignationConfirmed,
    NewEvent,
    NotificationFailed,
    NotificationSent,
    RecordedEvent,
    StoryReport,
)
from monitor.store import leases, log
from monitor.store.engine import dialect_insert
from monitor.store.outbox import (
    ATTEMPTS,
    OUTBOX,
    ChannelClass,
    Router,
    channels_with_rows,
    forget_channels,
    horizon,
    owed_to,
    register_channels,
    route_with,
)
from monitor.store.projections.stories import TABLE as STORIES
from monitor.store.tables import EventRow, table_of

if TYPE_CHECKING:
    from monitor.store import Store, Transaction

EVENTS = table_of(EventRow)
CHANNEL_PREFIX = "channel:"


def channel_stream(channel: str) -> str:
    """The stream a channel's ``notification_sent`` / ``notification_failed`` are appended to."""
    return f"{CHANNEL_PREFIX}{channel}"


@dataclass(frozen=True)
class Notification:
    """What one channel owes: ``events`` reported together, keyed by the first."""

    channel: str
    first_event: int
    events: tuple[int, ...]
    alert_class: str
    kind: str
    source: str | None
    created_at: datetime


@dataclass(frozen=True)
class Claimed(Notification):
    """One owed notification this worker holds a lease on."""

    attempts: int  # made before this one
    unconfirmed: bool  # an earlier attempt timed out: it may have arrived


@dataclass(frozen=True)
class OwedNotification(Notification):
    """An owed notification with its working state (none yet: no attempt row)."""

    attempts: int
    next_attempt_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None
    last_attempt_at: datetime | None
    last_outcome: str | None
    last_error: str | None
    unconfirmed: bool


@dataclass(frozen=True)
class Tally:
    """How many ``notification_sent`` (or ``_failed``) a channel has, and the last one's time."""

    count: int
    last: datetime | None


@dataclass(frozen=True)
class Overview:
    """What ``monitor deliveries`` reads, in one consistent view."""

    owed: list[OwedNotification]  # by channel, oldest first
    channels: set[str]  # every channel the outbox or the horizons name
    outcomes: dict[tuple[str, str], Tally]  # (channel, event type) → tally


@dataclass(frozen=True)
class StoryReach:
    """How far a story has reached, and its first report where a message cites it (a list
    change that confirms the story)."""

    id: str
    reports: int
    sources: tuple[str, ...]
    first: RecordedEvent | None = None


@dataclass(frozen=True)
class Cited:
    """A notification's events and what its message cites about them."""

    events: list[RecordedEvent]
    reported: dict[int, RecordedEvent]  # the events a notification_failed among them reports
    stories: dict[str, StoryReach]  # the stories the events belong to


@dataclass(frozen=True)
class Prepared:
    """What getting the outbox ready for a delivery pass changed."""

    registered: list[ChannelClass]  # channels (classes) seen for the first time
    dropped: dict[ChannelClass, int]  # removed from the config: owed rows dropped
    released: list[str]  # lease holders on this host that are gone


class Deliveries:
    """The outbox and its working state, for the notifier: one transaction per operation."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- routing and channels ------------------------------------------------------------

    def route_with(self, route: Router | None) -> None:
        """Fill the outbox, in every append's transaction, with what ``route`` says is owed
        (None: no channel, leave it as it is). Replaces an earlier routing."""
        route_with(self.store.projections, route)

    def register_channels(self, wanted: Sequence[ChannelClass]) -> list[ChannelClass]:
        """Owe these (channel, class) pairs their alerts from now on; a pair already registered
        keeps its horizon. Writes only when one is new (a read-only command stays read-only)."""
        if not wanted:
            return []
        with self.store.reading() as tx:
            known = set(horizon(tx.connection))
        if all(pair in known for pair in wanted):
            return []
        with self.store.writing() as tx:
            return register_channels(tx.connection, wanted)

    def prepare(
        self,
        *,
        wanted: Sequence[ChannelClass],
        configured: Collection[ChannelClass],
        worker: str,
        now: datetime,
    ) -> Prepared:
        """Before a delivery pass: register new channels, forget removed ones, give every owed
        notification a working row, and free the leases of holders that are gone."""
        with self.store.writing() as tx:
            conn = tx.connection
            registered = register_channels(conn, wanted)
            dropped = forget_channels(conn, configured)
            _reconcile(conn)
            released = leases.release_gone(conn, ATTEMPTS, worker=worker, now=now)
        return Prepared(registered, dropped, released)

    def reconcile(self) -> None:
        """Give owed notifications recorded since the pass began their working rows."""
        with self.store.writing() as tx:
            _reconcile(tx.connection)

    # --- attempts ------------------------------------------------------------------------

    def claim(self, *, channel: str, worker: str, now: datetime, lease: float) -> Claimed | None:
        """Lease the oldest due notification of ``channel`` that no live lease holds."""
        with self.store.writing() as tx:
            return _claim(tx.connection, channel=channel, worker=worker, now=now, lease=lease)

    def record_sent(self, item: Claimed, *, now: datetime) -> RecordedEvent | None:
        """Record the channel's acceptance (unless another worker already did)."""
        with self.store.writing() as tx:
            conn = tx.connection
            if owed_to(conn, item.channel, item.first_event) is None:
                _forget(conn, item.channel, [item.first_event])
                return None
            sent = NotificationSent(item.channel, tuple(item.events), item.attempts + 1)
            recorded = tx.append([NewEvent(channel_stream(item.channel), sent)], now=now)
            _forget(conn, item.channel, [item.first_event])
            return recorded[0]

    def record_failure(
        self,
        item: Claimed,
        *,
        now: datetime,
        outcome: str,
        may_have_arrived: bool,
        error: str,
        retry_at: datetime,
        give_up_after: float,
    ) -> RecordedEvent | None:
        """One attempt did not succeed; the channel is failing.

        The attempted notification is retried at ``retry_at`` (the caller caps it at its give-up
        deadline) unless that deadline has passed; the channel's other notifications wait until
        then too, so a down channel costs one attempt per pass. Every one of its notifications
        past the deadline is given up in one ``notification_failed`` (hence one health alert,
        not hundreds), which is returned. ``may_have_arrived`` marks the notification
        unconfirmed from now on.
        """
        with self.store.writing() as tx:
            conn = tx.connection
            cutoff = now - timedelta(seconds=give_up_after)
            conn.execute(
                update(ATTEMPTS)
                .where(_key(item.channel, item.first_event))
                .values(
                    attempts=ATTEMPTS.c.attempts + 1,
                    next_attempt_at=retry_at,
                    lease_owner=None,
                    lease_until=None,
                    last_attempt_at=now,
                    last_outcome=outcome,
                    last_error=error,
                    unconfirmed=True if may_have_arrived else ATTEMPTS.c.unconfirmed,
                )
            )
            expired = conn.execute(
                select(OUTBOX.c.first_event, OUTBOX.c.events)
                .select_from(OUTBOX.join(ATTEMPTS, _attempt_of_row()))
                .where(
                    OUTBOX.c.channel == item.channel,
                    OUTBOX.c.created_at <= cutoff,
                    _unleased(now),
                )
                .order_by(OUTBOX.c.first_event)
            ).all()
            conn.execute(
                update(ATTEMPTS)
                .where(
                    ATTEMPTS.c.channel == item.channel,
                    ATTEMPTS.c.next_attempt_at < retry_at,
                    _unleased(now),
                )
                .values(next_attempt_at=retry_at)
            )
            if not expired:
                return None
            return _give_up(tx, item.channel, expired, error=error, now=now)

    def release(self, items: Sequence[Claimed], *, worker: str) -> None:
        """Give back leases without an attempt (shutdown, cancelled pass)."""
        if not items:
            return
        with self.store.writing() as tx:
            for item in items:
                tx.connection.execute(
                    update(ATTEMPTS)
                    .where(_key(item.channel, item.first_event), ATTEMPTS.c.lease_owner == worker)
                    .values(lease_owner=None, lease_until=None)
                )

    def next_due(self, channels: Sequence[str]) -> datetime | None:
        """When one of ``channels`` next has a notification to try."""
        with self.store.reading() as tx:
            if not channels:
                return None
            return tx.connection.execute(
                select(func.min(ATTEMPTS.c.next_attempt_at)).where(
                    ATTEMPTS.c.channel.in_(list(channels))
                )
            ).scalar()

    # --- reading -------------------------------------------------------------------------

    def cited(self, event_ids: Iterable[int]) -> Cited:
        """The events of a notification, the events a ``notification_failed`` among them
        reports, and the stories they belong to."""
        with self.store.reading() as tx:
            conn = tx.connection
            events = log.by_ids(conn, event_ids)
            referenced = [
                i
                for e in events
                if isinstance(e.payload, NotificationFailed)
                for i in e.payload.events
            ]
            reported = {e.id: e for e in log.by_ids(conn, referenced)}
            confirmed = {
                e.payload.story for e in events if isinstance(e.payload, DesignationConfirmed)
            }
            story_ids = sorted(
                {e.payload.story for e in events if isinstance(e.payload, StoryReport)} | confirmed
            )
            rows = (
                list(conn.execute(select(STORIES).where(STORIES.c.id.in_(story_ids))))
                if story_ids
                else []
            )
            firsts = {
                e.id: e
                for e in log.by_ids(conn, [r.first_event_id for r in rows if r.id in confirmed])
            }
            stories = {
                row.id: StoryReach(
                    id=row.id,
                    reports=row.reports,
                    sources=tuple(row.sources or ()),
                    first=firsts.get(row.first_event_id),
                )
                for row in rows
            }
        return Cited(events=events, reported=reported, stories=stories)

    def owed(self, channel: str | None = None) -> list[OwedNotification]:
        """Owed notifications with their working state, by channel, oldest first."""
        with self.store.reading() as tx:
            return _owed(tx.connection, channel)

    def overview(self) -> Overview:
        """Every owed notification, every channel named, and each channel's outcomes so far."""
        with self.store.reading() as tx:
            conn = tx.connection
            owed = _owed(conn)
            names = channels_with_rows(conn)
            done = conn.execute(
                select(EVENTS.c.stream, EVENTS.c.type, func.count(), func.max(EVENTS.c.recorded_at))
                .where(EVENTS.c.type.in_([NOTIFICATION_SENT, NOTIFICATION_FAILED]))
                .group_by(EVENTS.c.stream, EVENTS.c.type)
            ).all()
        outcomes = {
            (stream.removeprefix(CHANNEL_PREFIX), kind): Tally(count, last)
            for stream, kind, count, last in done
        }
        return Overview(owed=owed, channels=names, outcomes=outcomes)


# --- the SQL ---------------------------------------------------------------------------------


def _key(channel: str, first_event: int) -> ColumnElement[bool]:
    return and_(ATTEMPTS.c.channel == channel, ATTEMPTS.c.first_event == first_event)


def _attempt_of_row() -> ColumnElement[bool]:
    """Joins an outbox row to its working row."""
    return and_(
        ATTEMPTS.c.channel == OUTBOX.c.channel, ATTEMPTS.c.first_event == OUTBOX.c.first_event
    )


def _unleased(now: datetime) -> ColumnElement[bool]:
    """No live lease holds the working row."""
    return or_(ATTEMPTS.c.lease_until.is_(None), ATTEMPTS.c.lease_until < now)


def _reconcile(conn: Connection) -> None:
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
        .select_from(OUTBOX.outerjoin(ATTEMPTS, _attempt_of_row()))
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
    conn.execute(delete(ATTEMPTS).where(~exists(select(OUTBOX.c.channel).where(_attempt_of_row()))))


def _claim(
    conn: Connection, *, channel: str, worker: str, now: datetime, lease: float
) -> Claimed | None:
    while True:
        candidates = (
            select(ATTEMPTS.c.id)
            .where(
                ATTEMPTS.c.channel == channel,
                ATTEMPTS.c.next_attempt_at <= now,
                _unleased(now),
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
            **_notification(owed),
            attempts=row.attempts,
            unconfirmed=bool(row.unconfirmed),
        )


def _give_up(
    tx: Transaction, channel: str, rows: Sequence[Any], *, error: str, now: datetime
) -> RecordedEvent:
    ids = [int(i) for row in rows for i in row.events]
    types = sorted(
        tx.connection.execute(
            select(EVENTS.c.type).where(EVENTS.c.id.in_(ids)).distinct()
        ).scalars()
    )
    failed = NotificationFailed(channel, tuple(ids), error, tuple(types), len(rows))
    recorded = tx.append([NewEvent(channel_stream(channel), failed)], now=now)
    _forget(tx.connection, channel, [row.first_event for row in rows])
    return recorded[0]


def _forget(conn: Connection, channel: str, first_events: Sequence[int]) -> None:
    conn.execute(
        delete(ATTEMPTS).where(
            ATTEMPTS.c.channel == channel, ATTEMPTS.c.first_event.in_(list(first_events))
        )
    )


def _notification(row: Any) -> dict[str, Any]:
    """The :class:`Notification` fields of an outbox row."""
    return {
        "channel": row.channel,
        "first_event": row.first_event,
        "events": tuple(int(i) for i in row.events),
        "alert_class": row.alert_class,
        "kind": row.kind,
        "source": row.source,
        "created_at": row.created_at,
    }


# The working state an owed notification carries as its attempt row holds it (none: no row yet).
_WORKING = (
    "next_attempt_at",
    "lease_owner",
    "lease_until",
    "last_attempt_at",
    "last_outcome",
    "last_error",
)


def _owed(conn: Connection, channel: str | None = None) -> list[OwedNotification]:
    query = select(
        OUTBOX,
        func.coalesce(ATTEMPTS.c.attempts, 0).label("attempts"),
        func.coalesce(ATTEMPTS.c.unconfirmed, False).label("unconfirmed"),
        *(ATTEMPTS.c[name] for name in _WORKING),
    ).select_from(OUTBOX.outerjoin(ATTEMPTS, _attempt_of_row()))
    if channel is not None:
        query = query.where(OUTBOX.c.channel == channel)
    return [
        OwedNotification(
            **_notification(row),
            **{name: getattr(row, name) for name in _WORKING},
            attempts=row.attempts,
            unconfirmed=bool(row.unconfirmed),
        )
        for row in conn.execute(query.order_by(OUTBOX.c.channel, OUTBOX.c.first_event))
    ]

"""The outbox: which notifications each channel still owes, as a projection of the log.

An alerting event makes its notification rows in the append's own transaction (the projection is
folded there), and ``notification_sent`` / ``notification_failed`` remove them, so the outbox is
rebuilt exactly by ``monitor replay``. Which events alert and which channels owe them is the
notifier's :data:`Router`, a pure function it hands over (``Deliveries.route_with``); what is
stored, merged and settled is decided here. A channel's horizon (from which log position it is
owed each alert class) is working state, so adding a channel never makes it owe the whole history.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from monitor.clock import utcnow
from monitor.events import NotificationFailed, NotificationSent, RecordedEvent
from monitor.store import log
from monitor.store.engine import dialect_insert
from monitor.store.projections.base import Projection
from monitor.store.tables import DeliveryAttemptRow, DeliveryChannelRow, OutboxRow, table_of

OUTBOX = table_of(OutboxRow)
ATTEMPTS = table_of(DeliveryAttemptRow)
CHANNELS = table_of(DeliveryChannelRow)

# A channel and one alert class it takes, as [[channel]] notify names them.
ChannelClass = tuple[str, str]
# (channel, alert class) → the log position after which the channel is owed that class.
Horizon = Mapping[ChannelClass, int]


@dataclass
class Owed:
    """A notification one channel owes: ``events`` reported together, keyed by the first."""

    channel: str
    alert_class: str
    kind: str
    source: str | None
    group_key: str | None
    events: list[int]
    created_at: datetime

    @property
    def first_event(self) -> int:
        return self.events[0]


# What a batch of events makes owed, given the channels' horizons (the notifier's routing).
Router = Callable[[Sequence[RecordedEvent], Horizon], list[Owed]]


class OutboxProjection:
    """Folds alerting events into owed rows and settles them on sent/failed.

    ``route`` is None when no channel is configured: the outbox is then left as it is (and
    replay still compares it), as before the routing moved out of the store."""

    name = "outbox"
    tables = (OUTBOX,)

    def __init__(self, route: Router | None) -> None:
        self.route = route

    def apply(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        if not events or self.route is None:
            return
        owed = self.route(events, horizon(conn))
        settled: dict[str, set[int]] = {}
        for event in events:
            if isinstance(event.payload, NotificationSent | NotificationFailed):
                settled.setdefault(event.payload.channel, set()).update(event.payload.events)
        owed = _merge_groups(conn, owed)
        fresh = [o for o in owed if o.first_event not in settled.get(o.channel, ())]
        if fresh:
            conn.execute(insert(OUTBOX), [_row(o) for o in fresh])
        for channel, ids in settled.items():
            # A channel's rows report disjoint events, so a row is settled when its first is.
            conn.execute(
                delete(OUTBOX).where(OUTBOX.c.channel == channel, OUTBOX.c.first_event.in_(ids))
            )


def route_with(projections: list[Projection], route: Router | None) -> None:
    """Put the outbox (with this routing) among ``projections``, in place of any earlier one."""
    projections[:] = [p for p in projections if not isinstance(p, OutboxProjection)]
    projections.append(OutboxProjection(route))


def _row(owed: Owed) -> dict[str, Any]:
    return {
        "channel": owed.channel,
        "first_event": owed.first_event,
        "alert_class": owed.alert_class,
        "kind": owed.kind,
        "source": owed.source,
        "group_key": owed.group_key,
        "events": owed.events,
        "created_at": owed.created_at,
    }


def _merge_groups(conn: Connection, owed: list[Owed]) -> list[Owed]:
    """Add to a stored row of the same poll group (a replay batch may split one append)."""
    groups = {o.group_key for o in owed if o.group_key is not None}
    if not groups:
        return owed
    stored = {
        (row.channel, row.group_key): row
        for row in conn.execute(
            select(
                OUTBOX.c.channel, OUTBOX.c.group_key, OUTBOX.c.first_event, OUTBOX.c.events
            ).where(OUTBOX.c.group_key.in_(sorted(groups)))
        )
    }
    remaining = []
    for item in owed:
        row = stored.get((item.channel, item.group_key))
        if row is None:
            remaining.append(item)
            continue
        conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.channel == row.channel, OUTBOX.c.first_event == row.first_event)
            .values(events=[*row.events, *item.events])
        )
    return remaining


# --- channel horizons ------------------------------------------------------------------------


def horizon(conn: Connection) -> dict[ChannelClass, int]:
    return {(row.channel, row.alert_class): row.since for row in conn.execute(select(CHANNELS))}


def register_channels(conn: Connection, wanted: Sequence[ChannelClass]) -> list[ChannelClass]:
    """Owe each of ``wanted`` its class from now on (only the first time it is seen)."""
    known = set(horizon(conn))
    missing = [pair for pair in dict.fromkeys(wanted) if pair not in known]
    if missing:
        since = log.last_position(conn)
        now = utcnow()
        # Workers starting together may register the same channel at once: the first one wins.
        conn.execute(
            dialect_insert(conn)(CHANNELS).on_conflict_do_nothing(),
            [
                {"channel": c, "alert_class": k, "since": since, "registered_at": now}
                for c, k in missing
            ],
        )
    return missing


def forget_channels(
    conn: Connection, configured: Collection[ChannelClass]
) -> dict[ChannelClass, int]:
    """Drop the horizon and the owed rows of every registered (channel, class) that is not
    ``configured`` any more; how many rows each one had."""
    dropped: dict[ChannelClass, int] = {}
    for channel, klass in [pair for pair in horizon(conn) if pair not in configured]:
        gone = conn.execute(
            delete(OUTBOX).where(OUTBOX.c.channel == channel, OUTBOX.c.alert_class == klass)
        ).rowcount
        conn.execute(
            delete(CHANNELS).where(CHANNELS.c.channel == channel, CHANNELS.c.alert_class == klass)
        )
        dropped[(channel, klass)] = gone or 0
    return dropped


# --- reading ---------------------------------------------------------------------------------


def owed_to(conn: Connection, channel: str, first_event: int) -> Any:
    return conn.execute(
        select(OUTBOX).where(OUTBOX.c.channel == channel, OUTBOX.c.first_event == first_event)
    ).first()


def channels_with_rows(conn: Connection) -> set[str]:
    names = {row.channel for row in conn.execute(select(OUTBOX.c.channel).distinct())}
    names |= {row.channel for row in conn.execute(select(CHANNELS.c.channel).distinct())}
    return names

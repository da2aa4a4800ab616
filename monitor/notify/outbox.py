"""The outbox: which notifications each channel still owes, as a projection of the log.

An alerting event makes its notification rows in the append's own transaction (the projection is
folded there), and ``notification_sent`` / ``notification_failed`` remove them, so the outbox is
rebuilt exactly by ``monitor replay``. Retry counters, next attempts and leases are working state
(:mod:`monitor.notify.attempts`); a channel's horizon (from which log position it is owed each
alert class) is working state too, so adding a channel never makes it owe the whole history.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update

from monitor.clock import utcnow
from monitor.config import Settings
from monitor.events import NOTIFICATION_FAILED, NOTIFICATION_SENT, RecordedEvent
from monitor.notify.routing import Horizon, Owed, RoutingRules, route
from monitor.store import Store, log
from monitor.store.engine import dialect_insert
from monitor.store.tables import DeliveryAttemptRow, DeliveryChannelRow, OutboxRow, table_of

OUTBOX = table_of(OutboxRow)
ATTEMPTS = table_of(DeliveryAttemptRow)
CHANNELS = table_of(DeliveryChannelRow)
SETTLING = (NOTIFICATION_SENT, NOTIFICATION_FAILED)

logger = logging.getLogger("monitor.notify")


class OutboxProjection:
    """Folds alerting events into owed rows and settles them on sent/failed."""

    name = "outbox"
    tables = (OUTBOX,)

    def __init__(self, rules: RoutingRules) -> None:
        self.rules = rules

    def apply(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        if not events or not self.rules.channels:
            return
        owed = route(events, self.rules, horizon(conn))
        settled: dict[str, set[int]] = {}
        for event in events:
            if event.type in SETTLING and event.data.get("channel"):
                ids = {int(i) for i in event.data.get("events") or ()}
                settled.setdefault(str(event.data["channel"]), set()).update(ids)
        owed = _merge_groups(conn, owed)
        fresh = [o for o in owed if o.first_event not in settled.get(o.channel, ())]
        if fresh:
            conn.execute(insert(OUTBOX), [_row(o) for o in fresh])
        for channel, ids in settled.items():
            # A channel's rows report disjoint events, so a row is settled when its first is.
            conn.execute(
                delete(OUTBOX).where(OUTBOX.c.channel == channel, OUTBOX.c.first_event.in_(ids))
            )


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


def horizon(conn: Connection) -> Horizon:
    return {(row.channel, row.alert_class): row.since for row in conn.execute(select(CHANNELS))}


def register_channels(conn: Connection, settings: Settings) -> list[tuple[str, str]]:
    """Owe each enabled channel its classes from now on (only the first time it is seen)."""
    known = set(horizon(conn))
    wanted: list[tuple[str, str]] = [
        (c.name, klass) for c in settings.channels if c.enabled for klass in c.notify
    ]
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


def forget_removed_channels(conn: Connection, settings: Settings) -> int:
    """A channel (or class) removed from the config owes nothing any more: drop its rows.

    Only the delivering process calls this (its config is the one that sends). A channel that
    is configured with an empty URL is *not* removed: another process may hold its URL.
    """
    configured = {(c.name, k) for c in settings.channels for k in c.notify}
    stale = [pair for pair in horizon(conn) if pair not in configured]
    dropped = 0
    for channel, klass in stale:
        gone = conn.execute(
            delete(OUTBOX).where(OUTBOX.c.channel == channel, OUTBOX.c.alert_class == klass)
        ).rowcount
        conn.execute(
            delete(CHANNELS).where(CHANNELS.c.channel == channel, CHANNELS.c.alert_class == klass)
        )
        dropped += gone or 0
        logger.warning(
            "channel %s no longer takes %s alerts: %d undelivered notification(s) dropped",
            channel,
            klass,
            gone or 0,
        )
    return dropped


def install(store: Store, settings: Settings) -> None:
    """Wire the outbox into ``store``: its projection (with this config's routing) and the
    horizons of channels seen for the first time. Idempotent."""
    store.projections[:] = [p for p in store.projections if not isinstance(p, OutboxProjection)]
    store.projections.append(OutboxProjection(RoutingRules.from_settings(settings)))
    if not any(c.enabled for c in settings.channels):
        return
    with store.read_tx() as conn:
        known = set(horizon(conn))
    if any((c.name, k) not in known for c in settings.channels if c.enabled for k in c.notify):
        with store.write_tx() as conn:
            register_channels(conn, settings)


# --- reading ---------------------------------------------------------------------------------


def owed_rows(conn: Connection, channel: str | None = None) -> list[Any]:
    """Owed notifications with their working state, oldest first."""
    join = OUTBOX.outerjoin(
        ATTEMPTS,
        and_(
            ATTEMPTS.c.channel == OUTBOX.c.channel, ATTEMPTS.c.first_event == OUTBOX.c.first_event
        ),
    )
    query = select(
        OUTBOX,
        ATTEMPTS.c.attempts,
        ATTEMPTS.c.next_attempt_at,
        ATTEMPTS.c.lease_owner,
        ATTEMPTS.c.lease_until,
        ATTEMPTS.c.last_attempt_at,
        ATTEMPTS.c.last_outcome,
        ATTEMPTS.c.last_error,
        ATTEMPTS.c.unconfirmed,
    ).select_from(join)
    if channel is not None:
        query = query.where(OUTBOX.c.channel == channel)
    return list(conn.execute(query.order_by(OUTBOX.c.channel, OUTBOX.c.first_event)))


def owed_to(conn: Connection, channel: str, first_event: int) -> Any:
    return conn.execute(
        select(OUTBOX).where(OUTBOX.c.channel == channel, OUTBOX.c.first_event == first_event)
    ).first()


def channels_with_rows(conn: Connection) -> set[str]:
    names = {row.channel for row in conn.execute(select(OUTBOX.c.channel).distinct())}
    names |= {row.channel for row in conn.execute(select(CHANNELS.c.channel).distinct())}
    return names

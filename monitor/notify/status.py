"""What ``monitor deliveries`` shows: per channel, what is owed, failing and delivered.

Owed notifications come from the outbox projection and its working state; what was delivered or
given up comes from the log (``notification_sent`` / ``notification_failed`` on ``channel:NAME``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from monitor.config import Settings
from monitor.events import NOTIFICATION_FAILED, NOTIFICATION_SENT, format_time
from monitor.notify.outbox import channels_with_rows, owed_rows
from monitor.redact import mask_url
from monitor.store import Store
from monitor.store.tables import EventRow, table_of

EVENTS = table_of(EventRow)
LISTED = 100  # owed notifications listed per channel at most


def delivery_rows(settings: Settings, store: Store) -> list[dict[str, Any]]:
    with store.read_tx() as conn:
        owed = owed_rows(conn)
        names = channels_with_rows(conn)
        done = conn.execute(
            select(EVENTS.c.stream, EVENTS.c.type, func.count(), func.max(EVENTS.c.recorded_at))
            .where(EVENTS.c.type.in_([NOTIFICATION_SENT, NOTIFICATION_FAILED]))
            .group_by(EVENTS.c.stream, EVENTS.c.type)
        ).all()
    outcomes: dict[tuple[str, str], tuple[int, Any]] = {
        (stream.removeprefix("channel:"), kind): (count, last) for stream, kind, count, last in done
    }
    configured = {c.name: c for c in settings.channels}
    order = list(configured) + sorted((names | {n for n, _ in outcomes}) - set(configured))
    rows = []
    for name in order:
        channel = configured.get(name)
        mine = [r for r in owed if r.channel == name]
        failing = [r for r in mine if (r.attempts or 0) > 0]
        due = [r.next_attempt_at for r in mine if r.next_attempt_at is not None]
        errors = [r for r in mine if r.last_error]
        last_error = max(errors, key=lambda r: r.last_attempt_at).last_error if errors else None
        sent, last_sent = outcomes.get((name, NOTIFICATION_SENT), (0, None))
        failed, last_failed = outcomes.get((name, NOTIFICATION_FAILED), (0, None))
        if channel is None:
            state = "not configured"
        elif not channel.enabled:
            state = "off (empty URL)"
        elif failing:
            state = "failing"
        else:
            state = "ok"
        rows.append(
            {
                "channel": name,
                "url": mask_url(channel.url) if channel is not None and channel.enabled else "",
                "notify": list(channel.notify) if channel is not None else [],
                "state": state,
                "pending": len(mine),
                "failing": len(failing),
                "sent": sent,
                "failed": failed,
                "last_sent": _time(last_sent),
                "last_failed": _time(last_failed),
                "next_attempt": _time(min(due)) if due else None,
                "last_error": last_error,
                "notifications": [_owed(r) for r in mine[:LISTED]],
            }
        )
    return rows


def _owed(row: Any) -> dict[str, Any]:
    return {
        "id": row.first_event,
        "events": list(row.events),
        "class": row.alert_class,
        "kind": row.kind,
        "source": row.source,
        "recorded_at": format_time(row.created_at),
        "attempts": row.attempts or 0,
        "next_attempt": _time(row.next_attempt_at),
        "leased_by": row.lease_owner if row.lease_until is not None else None,
        "unconfirmed": bool(row.unconfirmed),
        "last_error": row.last_error,
    }


def _time(moment: Any) -> str | None:
    return format_time(moment) if moment is not None else None

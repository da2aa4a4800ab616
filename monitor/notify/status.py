"""What ``monitor deliveries`` shows: per channel, what is owed, failing and delivered.

Owed notifications come from the outbox projection and its working state; what was delivered or
given up comes from the log (``notification_sent`` / ``notification_failed`` on ``channel:NAME``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.config import Settings
from monitor.events import NOTIFICATION_FAILED, NOTIFICATION_SENT, format_time
from monitor.redact import mask_url
from monitor.store import Store
from monitor.store.deliveries import OwedNotification, Tally

LISTED = 100  # owed notifications listed per channel at most
NONE_YET = Tally(count=0, last=None)


def delivery_rows(settings: Settings, store: Store) -> list[dict[str, Any]]:
    overview = store.deliveries.overview()
    owed, outcomes = overview.owed, overview.outcomes
    configured = {c.name: c for c in settings.channels}
    named = overview.channels | {n for n, _ in outcomes}
    order = list(configured) + sorted(named - set(configured))
    rows = []
    for name in order:
        channel = configured.get(name)
        mine = [r for r in owed if r.channel == name]
        failing = [r for r in mine if r.attempts > 0]
        due = [r.next_attempt_at for r in mine if r.next_attempt_at is not None]
        errors = [r for r in mine if r.last_error]
        last_error = max(errors, key=_attempted).last_error if errors else None
        sent = outcomes.get((name, NOTIFICATION_SENT), NONE_YET)
        failed = outcomes.get((name, NOTIFICATION_FAILED), NONE_YET)
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
                "sent": sent.count,
                "failed": failed.count,
                "last_sent": _time(sent.last),
                "last_failed": _time(failed.last),
                "next_attempt": _time(min(due)) if due else None,
                "last_error": last_error,
                "notifications": [_owed(r) for r in mine[:LISTED]],
            }
        )
    return rows


def _attempted(row: OwedNotification) -> datetime:
    """When ``row`` was last tried (a row with an error always was): the newest error is the
    channel's."""
    return row.last_attempt_at or row.created_at


def _owed(row: OwedNotification) -> dict[str, Any]:
    return {
        "id": row.first_event,
        "events": list(row.events),
        "class": row.alert_class,
        "kind": row.kind,
        "source": row.source,
        "recorded_at": format_time(row.created_at),
        "attempts": row.attempts,
        "next_attempt": _time(row.next_attempt_at),
        "leased_by": row.lease_owner if row.lease_until is not None else None,
        "unconfirmed": row.unconfirmed,
        "last_error": row.last_error,
    }


def _time(moment: datetime | None) -> str | None:
    return format_time(moment) if moment is not None else None

"""What ``monitor sources`` shows: configuration, working state and health, side by side."""

from __future__ import annotations

from typing import Any

from monitor.clock import utcnow
from monitor.events import format_time
from monitor.projections.health import all_health
from monitor.redact import mask_url
from monitor.store import leases, working


def _every(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def source_rows(app: Any) -> list[dict[str, Any]]:
    now = utcnow()
    with app.store.read_tx() as conn:
        states = working.all_states(conn)
        health = all_health(conn)
        last_workers = working.last_workers(conn)
    rows = []
    for source in app.settings.sources:
        state = states.get(source.id)
        h = health.get(source.id, {})
        status = "disabled" if not source.enabled else "ok"
        if h.get("failing"):
            status = f"failing since {format_time(h['failing_since'])}"
        elif h.get("suspect"):
            status = f"parse suspect since {format_time(h['suspect_since'])}"
        # A lease that ran out, or whose holder on this host is gone (killed), holds nothing:
        # the source is free to claim.
        holder = (
            state.lease_owner if state and state.lease_until and state.lease_until > now else None
        )
        if holder and leases.gone(holder, here=app.worker):
            holder = None
        rows.append(
            {
                "id": source.id,
                "kind": source.kind if source.kind == "feed" else f"list/{source.format}",
                "every": _every(source.every),
                "url": mask_url(source.url),
                "enabled": source.enabled,
                "last_poll": format_time(state.last_poll_at)
                if state and state.last_poll_at
                else None,
                "last_status": state.last_status if state else None,
                "last_error": state.last_error if state else None,
                "consecutive_failures": state.consecutive_failures if state else 0,
                "last_change": format_time(h["last_change_at"])
                if h.get("last_change_at")
                else None,
                "last_change_id": h.get("last_change_id"),
                "health": status,
                "next_poll": format_time(state.next_poll_at)
                if state and state.next_poll_at
                else None,
                "worker": holder,
                "last_worker": last_workers.get(source.id),
            }
        )
    return rows

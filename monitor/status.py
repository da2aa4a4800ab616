"""What ``monitor sources`` and ``monitor state`` show (and the web app's sources and lists):
configuration, working state and health side by side; why a list shows no entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.clock import utcnow
from monitor.config import Settings
from monitor.events import ENTRY_ADDED, format_time
from monitor.redact import mask_url, redact
from monitor.store import Health, Store, Transaction


def _every(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def source_rows(settings: Settings, store: Store) -> list[dict[str, Any]]:
    now = utcnow()
    with store.reading() as tx:
        states = tx.source_states()
        health = tx.all_health()
        last_workers = tx.last_workers()
        # A lease that ran out, or whose holder on this host is gone (killed), holds nothing:
        # the source is free to claim.
        holders = tx.holders([s.id for s in settings.sources], now)
    rows = []
    for source in settings.sources:
        state = states.get(source.id)
        h = health.get(source.id) or Health()
        status = "disabled" if not source.enabled else "ok"
        if h.failing and h.failing_since:
            status = f"failing since {format_time(h.failing_since)}"
        elif h.suspect and h.suspect_since:
            status = f"parse suspect since {format_time(h.suspect_since)}"
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
                "last_change": format_time(h.last_change_at) if h.last_change_at else None,
                "last_change_id": h.last_change_id,
                "health": status,
                "next_poll": format_time(state.next_poll_at)
                if state and state.next_poll_at
                else None,
                "worker": holders.get(source.id),
                "last_worker": last_workers.get(source.id),
            }
        )
    return rows


def why_no_entries(tx: Transaction, source: str, moment: datetime | None) -> str:
    """Why a list shows no entry: never polled, never parsed, not yet known then, all removed."""
    first = tx.events(source=source, types=[ENTRY_ADDED], limit=1)
    if first:
        if moment is not None and moment < first[0].recorded_at:
            return (
                f"{source} had no entry yet at that moment "
                f"(first recorded {format_time(first[0].recorded_at)})"
            )
        return f"every entry of {source} was removed (monitor log --source {source})"
    polled = tx.source_state(source)
    if polled.last_poll_at is None:
        return f"{source} has not been polled yet (monitor poll {source})"
    error = f"; last error: {redact(polled.last_error)}" if polled.last_error else ""
    return f"no poll of {source} has recorded an entry yet{error} (monitor sources)"

"""One-line descriptions of events, for the change log table and message subjects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitor.events import (
    DESIGNATION_CORROBORATED,
    DESIGNATION_REPORTED,
    ENTRY_ADDED,
    ENTRY_CHANGED,
    ENTRY_REMOVED,
    ITEM_PUBLISHED,
    NOTIFICATION_FAILED,
    NOTIFICATION_SENT,
    PARSE_SUSPECT,
    SOURCE_FAILED,
    SOURCE_RECOVERED,
    TOPIC_CORROBORATED,
    TOPIC_REPORTED,
    RecordedEvent,
)

ACTION_WORDS = {
    "added": "added to the list",
    "removed": "removed from the list",
    "amended": "listing amended",
    "announced_addition": "addition to the list announced",
    "announced_removal": "removal from the list announced",
    "suspended": "ban suspended",
}


def entry_name(entry: Mapping[str, Any]) -> str:
    name = entry.get("name") or entry.get("key") or "?"
    if isinstance(name, list | tuple):
        name = name[0] if name else "?"
    return shorten(str(name), 120)


def reported_entity(data: Mapping[str, Any]) -> str:
    """The organisation a news report names; some name none ("seven criminal organisations")."""
    return str(data.get("entity") or "organisations it does not name")


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def summary(event: RecordedEvent) -> str:
    data = event.data
    kind = event.type
    if kind == ENTRY_ADDED:
        prefix = "baseline: " if data.get("baseline") else ""
        return f"{prefix}added {entry_name(data['entry'])}"
    if kind == ENTRY_REMOVED:
        return f"removed {entry_name(data['entry'])}"
    if kind == ENTRY_CHANGED:
        fields = ", ".join(changed_fields(data.get("before", {}), data["entry"]))
        return f"changed {entry_name(data['entry'])} ({fields})"
    if kind == ITEM_PUBLISHED:
        return shorten(data.get("title") or data.get("url") or "", 140)
    if kind == DESIGNATION_REPORTED:
        action = ACTION_WORDS.get(data.get("action", ""), data.get("action", ""))
        entity = reported_entity(data)
        return f"{data.get('actor')}: {entity} — {action}: {shorten(data.get('title', ''), 80)}"
    if kind in (DESIGNATION_CORROBORATED, TOPIC_CORROBORATED):
        return f"corroborates {data.get('story')}: {shorten(data.get('title', ''), 80)}"
    if kind == TOPIC_REPORTED:
        return f"{data.get('topic')}: {shorten(data.get('title', ''), 100)}"
    if kind == SOURCE_FAILED:
        return f"failing: {data.get('error')}"
    if kind == SOURCE_RECOVERED:
        return "parses normally again" if data.get("after") == PARSE_SUSPECT else "works again"
    if kind == PARSE_SUSPECT:
        if data.get("problems"):
            return "parse suspect: " + "; ".join(data["problems"])
        return f"parse suspect: found {data.get('found')} entries, expected {data.get('expected')}"
    if kind in (NOTIFICATION_SENT, NOTIFICATION_FAILED):
        ids = ", ".join(str(i) for i in data.get("events", []))
        verb = "sent" if kind == NOTIFICATION_SENT else f"failed ({data.get('error')})"
        return f"{data.get('channel')}: {verb} for events {ids}"
    return ""


def shorten(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"

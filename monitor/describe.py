"""One-line descriptions of events, for the change log table and message subjects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitor.events import (
    PARSE_SUSPECT,
    DesignationConfirmed,
    DesignationCorroborated,
    DesignationReported,
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    ItemPublished,
    NotificationFailed,
    NotificationSent,
    ParseSuspect,
    RecordedEvent,
    SourceFailed,
    SourceRecovered,
    TopicCorroborated,
    TopicReported,
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


def reported_entity(entity: str) -> str:
    """The organisation a news report names; some name none ("seven criminal organisations")."""
    return entity or "organisations it does not name"


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def summary(event: RecordedEvent) -> str:
    match event.payload:
        case EntryAdded(entry=entry, baseline=baseline):
            return f"{'baseline: ' if baseline else ''}added {entry_name(entry)}"
        case EntryRemoved(entry=entry):
            return f"removed {entry_name(entry)}"
        case EntryChanged(entry=entry, before=before):
            fields = ", ".join(changed_fields(before, entry))
            return f"changed {entry_name(entry)} ({fields})"
        case ItemPublished(title=title, url=url):
            return shorten(title or url or "", 140)
        case DesignationReported() as report:
            action = ACTION_WORDS.get(report.action, report.action)
            entity = reported_entity(report.entity)
            return f"{report.actor}: {entity} — {action}: {shorten(report.title, 80)}"
        case (
            DesignationCorroborated(story=story, title=title)
            | TopicCorroborated(story=story, title=title)
        ):
            return f"corroborates {story}: {shorten(title, 80)}"
        case TopicReported(topic=topic, title=title):
            return f"{topic}: {shorten(title, 100)}"
        case DesignationConfirmed(story=story, event=list_event, source=source, entity=entity):
            return f"confirms {story}: {entity} on {source} (#{list_event})"
        case SourceFailed(error=error):
            return f"failing: {error}"
        case SourceRecovered(after=after):
            return "parses normally again" if after == PARSE_SUSPECT else "works again"
        case ParseSuspect(problems=problems):
            return "parse suspect: " + "; ".join(problems)
        case NotificationSent(channel=channel, events=ids):
            return f"{channel}: sent for events {', '.join(map(str, ids))}"
        case NotificationFailed(channel=channel, events=ids, error=error):
            return f"{channel}: failed ({error}) for events {', '.join(map(str, ids))}"
    return ""


def shorten(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"

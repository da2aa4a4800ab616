"""List changes: the entries the log implies + the entries just parsed → entry events.

Pure functions. The guard against layout changes lives here too: a parse that finds far fewer
entries than the last good state is *suspect*, and a suspect parse records no removals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.events import (
    ENTRY_ADDED,
    ENTRY_CHANGED,
    ENTRY_REMOVED,
    PARSE_SUSPECT,
    SOURCE_RECOVERED,
    NewEvent,
    source_stream,
)

Entry = Mapping[str, Any]


@dataclass(frozen=True)
class ListDiff:
    added: list[Entry] = field(default_factory=list)
    removed: list[Entry] = field(default_factory=list)
    changed: list[tuple[Entry, Entry]] = field(default_factory=list)  # (before, after)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def diff_entries(previous: Mapping[str, Entry], current: Sequence[Entry]) -> ListDiff:
    """Entries are compared by key; an entry changed when any of its fields did (a field of
    several values as a set)."""
    now = {entry["key"]: entry for entry in current}
    added = [entry for key, entry in now.items() if key not in previous]
    removed = [entry for key, entry in previous.items() if key not in now]
    changed = [
        (previous[key], entry)
        for key, entry in now.items()
        if key in previous and _comparable(previous[key]) != _comparable(entry)
    ]
    return ListDiff(added=added, removed=removed, changed=changed)


def _comparable(entry: Entry) -> dict[str, Any]:
    """A field of several values (aliases, programmes, ids) is compared as a set: lists re-order
    them between editions (the EU's translations, OFAC's id lists) without changing anything."""
    return {k: sorted(v) if isinstance(v, list | tuple) else v for k, v in entry.items()}


def is_suspect(previous_count: int, found: int, ratio: float) -> bool:
    """Nothing at all, or far fewer entries than the last good state, is not believable."""
    if found == 0:
        return True
    return previous_count > 0 and found < ratio * previous_count


@dataclass(frozen=True)
class ListPoll:
    """What the log says about a list source before this poll."""

    source: str
    jurisdiction: str | None
    entries: Mapping[str, Entry]
    has_baseline: bool  # an earlier poll already recorded the list
    suspect: bool  # the source is in parse_suspect now


def list_events(
    state: ListPoll,
    parsed: Sequence[Entry],
    *,
    document: str,
    ratio: float,
    accept: bool = False,
) -> list[NewEvent]:
    """The events one successful fetch of a list source records.

    ``accept`` is the user's ``monitor accept``: take a suspect parse as the truth.
    """
    stream = source_stream(state.source)

    def event(kind: str, data: dict[str, Any]) -> NewEvent:
        return NewEvent(kind, stream, {**data, "document": document}, source=state.source)

    base = {"jurisdiction": state.jurisdiction}
    if not accept and is_suspect(len(state.entries), len(parsed), ratio):
        if state.suspect:
            return []
        expected = len(state.entries) if state.has_baseline else None
        return [event(PARSE_SUSPECT, {"expected": expected, "found": len(parsed)})]

    events: list[NewEvent] = []
    baseline = not state.has_baseline
    diff = diff_entries(state.entries, parsed)
    extra: dict[str, Any] = {"baseline": True} if baseline else {}
    if accept:
        extra["accepted"] = True
    for entry in diff.added:
        events.append(event(ENTRY_ADDED, {"entry": dict(entry), **base, **extra}))
    for entry in diff.removed:
        events.append(event(ENTRY_REMOVED, {"entry": dict(entry), **base, **extra}))
    for before, after in diff.changed:
        data = {"entry": dict(after), "before": dict(before), **base, **extra}
        events.append(event(ENTRY_CHANGED, data))
    if state.suspect:
        events.append(event(SOURCE_RECOVERED, {"after": PARSE_SUSPECT, "accepted": accept}))
    return events

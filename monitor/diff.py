"""List changes: the entries the log implies + the entries just parsed → entry events.

Pure functions. The guard against layout changes lives here too: a parse that finds far fewer
entries than the last good state is *suspect*, and a suspect parse records no removals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.events import (
    PARSE_SUSPECT,
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    NewEvent,
    ParseSuspect,
    Payload,
    SourceRecovered,
    source_stream,
)
from monitor.sources.lists import repeated_keys

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


_QUOTES = str.maketrans("", "", "\"'«»“”„‘’")


def _comparable_name(text: str) -> str:
    return " ".join(str(text).translate(_QUOTES).casefold().split())


def missing_canaries(parsed: Sequence[Entry], expect: Sequence[str]) -> list[str]:
    """The canaries (a key or a name, quotes and case aside) that no parsed entry's key or name
    contains."""
    if not expect:
        return []
    texts = [_comparable_name(f"{e['key']}\n{e.get('name', '')}") for e in parsed]
    return [c for c in expect if not any(_comparable_name(c) in t for t in texts)]


def parse_problems(
    parsed: Sequence[Entry],
    *,
    known: Mapping[str, Entry],
    expect_entries: tuple[int, int] | None = None,
    expect: Sequence[str] = (),
    ratio: float | None = None,
) -> list[str]:
    """What makes a parse unbelievable, in words: a count outside ``expect_entries``, canaries
    (``expect``: a key or name, quotes and case aside) that are missing, fewer than ``ratio`` of
    the recorded keys still there (a re-keyed list would otherwise read as every entry removed
    and added again), and keys found twice that the log does not already hold (``monitor
    accept`` of such a parse acknowledges them)."""
    problems = []
    if expect_entries is not None and not expect_entries[0] <= len(parsed) <= expect_entries[1]:
        fewest, most = expect_entries
        problems.append(f"found {len(parsed)} entries, expected {fewest} to {most}")
    missing = missing_canaries(parsed, expect)
    if missing:
        problems.append("missing expected entries: " + ", ".join(missing))
    if known and ratio is not None:
        kept = len(known.keys() & {e["key"] for e in parsed})
        if kept < ratio * len(known):
            problems.append(
                f"only {kept} of the {len(known)} recorded keys are still there "
                "(has the key or the layout changed?)"
            )
    repeated = [k for k in repeated_keys(parsed) if k not in known]
    if repeated:
        shown = ", ".join(repr(k) for k in repeated[:5]) + (" ..." if len(repeated) > 5 else "")
        problems.append(f"{len(repeated)} entries repeat another entry's key: {shown}")
    return problems


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
    expect_entries: tuple[int, int] | None = None,
    expect: Sequence[str] = (),
) -> list[NewEvent]:
    """The events one successful fetch of a list source records.

    ``accept`` is the user's ``monitor accept``: take a suspect parse as the truth.
    ``expect_entries`` and ``expect`` are the source's own idea of a sane parse.
    """
    stream = source_stream(state.source)

    def event(payload: Payload) -> NewEvent:
        return NewEvent(stream, payload, source=state.source)

    where = state.jurisdiction
    problems = parse_problems(
        parsed, known=state.entries, expect_entries=expect_entries, expect=expect, ratio=ratio
    )
    if not accept and (problems or is_suspect(len(state.entries), len(parsed), ratio)):
        if state.suspect:
            return []
        expected = len(state.entries) if state.has_baseline else None
        if not problems:
            problems = [
                f"found {len(parsed)} entries where {expected} were recorded"
                if expected
                else "found no entries"
            ]
        return [event(ParseSuspect(expected, len(parsed), tuple(problems), document))]

    events: list[NewEvent] = []
    baseline = not state.has_baseline
    diff = diff_entries(state.entries, parsed)
    for entry in diff.added:
        events.append(event(EntryAdded(entry, where, baseline, accept, document)))
    for entry in diff.removed:
        events.append(event(EntryRemoved(entry, where, baseline, accept, document)))
    for before, after in diff.changed:
        events.append(event(EntryChanged(after, where, baseline, accept, document, before=before)))
    if state.suspect:
        events.append(event(SourceRecovered(PARSE_SUSPECT, accept, document)))
    return events

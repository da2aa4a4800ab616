"""News confirmed by the list: which recorded list changes confirm which unconfirmed stories.

A designation story says that an actor changed (or announced it will change) an entity's place
on its list. A followed list of that actor's jurisdiction confirms it when it records a matching
change for the same entity: an addition for an addition, a removal or an amendment of the row
for a removal (the FSB list amended the Taliban's row when the court suspended the ban), an
amendment for an amendment. The first such change confirms the story, once.

Pure: the caller hands in the changes just recorded, the open claims and how to tell whether a
list entry is the entity a story names (entity resolution, :mod:`monitor.entities`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final, Literal

from monitor.events import (
    ENTRY_ADDED,
    ENTRY_CHANGED,
    ENTRY_REMOVED,
    Action,
    EntryAdded,
    EntryChange,
    EntryChanged,
    EntryRemoved,
    EventType,
    RecordedEvent,
)

# Which list changes confirm a story of each action.
CONFIRMED_BY: Final[Mapping[Action, frozenset[EventType]]] = MappingProxyType(
    {
        "added": frozenset({ENTRY_ADDED}),
        "announced_addition": frozenset({ENTRY_ADDED}),
        "removed": frozenset({ENTRY_REMOVED, ENTRY_CHANGED}),
        "announced_removal": frozenset({ENTRY_REMOVED, ENTRY_CHANGED}),
        "suspended": frozenset({ENTRY_REMOVED, ENTRY_CHANGED}),
        "amended": frozenset({ENTRY_CHANGED}),
    }
)


@dataclass(frozen=True)
class Claim:
    """An unconfirmed designation story: who, about whom, what."""

    story: str
    actor: str
    entity: str  # as the story's first report names it
    action: Action


@dataclass(frozen=True)
class Confirmation:
    claim: Claim
    change: RecordedEvent  # the list event that confirms it
    entity: str  # the entity both name, as resolution names it


# (entity the story names, list change) → the resolved entity's name when they are one, else None
SameEntity = Callable[[str, EntryChange], str | None]


def confirmations(
    changes: Sequence[RecordedEvent],
    claims: Sequence[Claim],
    jurisdiction: str | None,
    same_entity: SameEntity,
) -> list[Confirmation]:
    """The claims that ``changes`` (one list's changes, in log order) confirm, each once.

    A baseline (a list's first poll) confirms nothing: it says what the list holds, not what
    changed."""
    if not jurisdiction or not claims:
        return []
    found: list[Confirmation] = []
    open_claims = [c for c in claims if c.actor.upper() == jurisdiction.upper()]
    for change in changes:
        payload = change.payload
        if not isinstance(payload, EntryAdded | EntryRemoved | EntryChanged) or payload.baseline:
            continue
        for claim in list(open_claims):
            if change.type not in CONFIRMED_BY.get(claim.action, frozenset()):
                continue
            entity = same_entity(claim.entity, payload)
            if entity is not None:
                found.append(Confirmation(claim, change, entity))
                open_claims.remove(claim)
    return found


Status = Literal["confirmed", "awaiting", "unconfirmed"]


def status(confirmed: bool, first_published: datetime, within: timedelta, now: datetime) -> Status:
    """A designation story's standing: confirmed by a list; awaiting (still within
    ``confirm_within`` of its first report); or unconfirmed."""
    if confirmed:
        return "confirmed"
    return "awaiting" if now - first_published <= within else "unconfirmed"

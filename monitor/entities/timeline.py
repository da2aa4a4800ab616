"""One organisation's thread across every list and the news: ``monitor entity`` and its page.

Entities are not stored: they are resolved from what the log holds — every entry a followed list
ever had (each version's names and identifiers) and every designation story's entity — and from
the configuration (``[[entity]]``, ``[[watch]]``), so a changed rule and a ``replay`` change the
resolution without touching a fact. The thread is then the events of the entity's members: its
entries' changes, its stories' reports, and the confirmations that link the two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from monitor.detect.confirm import Status, status
from monitor.entities.match import rules_of
from monitor.entities.mentions import Mention, mention_of_entry, mention_of_news
from monitor.entities.names import name_key
from monitor.entities.resolve import Entity, Resolution, resolve
from monitor.events import (
    DesignationConfirmed,
    DesignationReported,
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    RecordedEvent,
    StoryReport,
    story_stream,
)
from monitor.store import EntityScope

if TYPE_CHECKING:
    from monitor.config import Settings
    from monitor.store import Transaction
    from monitor.store.projections.lists import EntryVersion
    from monitor.store.projections.stories import Story


@dataclass(frozen=True)
class Listing:
    """One entry of one list that is this entity: on the list now, or once."""

    source: str
    key: str
    name: str
    jurisdiction: str | None
    first: RecordedEvent  # its first event (added, or the list's baseline)
    last: RecordedEvent  # its latest event
    on_list: bool  # False: removed since


@dataclass(frozen=True)
class StoryThread:
    """A news story about this entity: who reported it, and whether a list has confirmed it."""

    id: str
    first: RecordedEvent
    reports: int
    sources: tuple[str, ...]
    status: Status
    confirmation: RecordedEvent | None


@dataclass(frozen=True)
class Timeline:
    entity: Entity
    listings: tuple[Listing, ...]
    stories: tuple[StoryThread, ...]
    events: tuple[RecordedEvent, ...]  # the whole thread, in log order

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": entity_dict(self.entity),
            "lists": [
                {
                    "source": x.source,
                    "key": x.key,
                    "name": x.name,
                    "jurisdiction": x.jurisdiction,
                    "on_list": x.on_list,
                    "first_event": x.first.id,
                    "last_event": x.last.id,
                }
                for x in self.listings
            ],
            "stories": [
                {
                    "story": s.id,
                    "first_event": s.first.id,
                    "reports": s.reports,
                    "sources": list(s.sources),
                    "status": s.status,
                    "confirmed_by": s.confirmation.id if s.confirmation else None,
                }
                for s in self.stories
            ],
            "events": [e.to_dict() for e in self.events],
        }


def entity_dict(entity: Entity) -> dict[str, Any]:
    """An entity as ``monitor entity --json`` and the API give it."""
    return {
        "id": entity.id,
        "name": entity.name,
        "names": list(entity.names),
        "members": list(entity.members),
        "links": [{"a": k.a, "b": k.b, "why": k.why} for k in entity.links],
    }


@dataclass(frozen=True)
class Knowledge:
    """What resolution reads from the log: entry events by member ref, designation stories."""

    entries: Mapping[str, tuple[EntryVersion, ...]]  # each entry's history, oldest first
    stories: Sequence[tuple[Story, RecordedEvent]]  # (story, its first report)
    resolution: Resolution


def entry_ref(source: str, key: str) -> str:
    return f"{source}:{key}"


def gather(tx: Transaction, settings: Settings) -> Knowledge:
    """Read every list entry's history (the entry spans: no event is decoded) and every
    designation story, and resolve them."""
    identifiers = {s.id: dict(s.identifiers) for s in settings.sources}
    entries: dict[str, list[EntryVersion]] = {}
    mentions: list[Mention] = []
    for version in tx.entry_history():
        entries.setdefault(entry_ref(version.source, version.key), []).append(version)
        if version.entry is not None:  # a removal names what the version before it named
            ids = identifiers.get(version.source, {})
            mentions.append(mention_of_entry(version.source, version.key, version.entry, ids))
    stories = []
    found = tx.stories(kind="designation", limit=None)
    firsts = {e.id: e for e in tx.events_by_id(story.first_event_id for story in found)}
    for story in found:
        first = firsts.get(story.first_event_id)
        if first is not None and isinstance(first.payload, DesignationReported):
            stories.append((story, first))
            mentions.append(mention_of_news(first.payload.entity))
    resolution = resolve(mentions, rules_of(settings))
    return Knowledge(
        entries={ref: tuple(events) for ref, events in entries.items()},
        stories=stories,
        resolution=resolution,
    )


def find(knowledge: Knowledge, name: str) -> list[Entity]:
    """The entities ``name`` names: by name or alias, else by a member ref ("source:key").
    Where several have the name, the one whose own (canonical) name it is comes alone."""
    key = name_key(name)
    found = knowledge.resolution.find(name)
    if not found:
        entity = knowledge.resolution.of(name)
        return [entity] if entity is not None else []
    for same in (lambda e: e.name.casefold() == name.casefold(), lambda e: name_key(e.name) == key):
        own = [e for e in found if same(e)]
        if len(own) == 1:
            return own
    return found


def by_id(knowledge: Knowledge, entity_id: str) -> Entity | None:
    """The entity with this id (as ``Timeline.to_dict`` gives it): the web app's pages and API
    name an entity by it, so a link still works when another entity comes to share its name."""
    return next((e for e in knowledge.resolution.entities if e.id == entity_id), None)


def timeline(
    tx: Transaction, knowledge: Knowledge, entity: Entity, settings: Settings, now: datetime
) -> Timeline:
    """The entity's thread: its listings, its stories (with their confirmation) and every event
    of either, in log order."""
    jurisdictions = {s.id: s.jurisdiction for s in settings.sources}
    members = set(entity.members)
    listings = []
    wanted = [v.event_id for ref in members for v in knowledge.entries.get(ref, ())]
    events: dict[int, RecordedEvent] = {e.id: e for e in tx.events_by_id(wanted)}
    for ref in sorted(members):
        history = [
            events[v.event_id] for v in knowledge.entries.get(ref, ()) if v.event_id in events
        ]
        if not history:
            continue
        last = history[-1]
        payload = last.payload
        assert isinstance(payload, EntryAdded | EntryRemoved | EntryChanged)
        listings.append(
            Listing(
                source=last.source or "",
                key=str(payload.entry.get("key", "")),
                name=str(payload.entry.get("name") or payload.entry.get("key") or ""),
                jurisdiction=jurisdictions.get(last.source or "") or payload.jurisdiction,
                first=history[0],
                last=last,
                on_list=not isinstance(payload, EntryRemoved),
            )
        )
    within = timedelta(seconds=settings.alerts.confirm_within)
    threads = []
    for story, first in knowledge.stories:
        assert isinstance(first.payload, DesignationReported)
        if mention_of_news(first.payload.entity).ref not in members:
            continue
        own = tx.events(stream=story_stream(story.id))
        confirmation = next((e for e in own if isinstance(e.payload, DesignationConfirmed)), None)
        threads.append(
            StoryThread(
                id=story.id,
                first=first,
                reports=story.reports,
                sources=tuple(story.sources),
                status=status(confirmation is not None, story.first_published, within, now),
                confirmation=confirmation,
            )
        )
        events.update((e.id, e) for e in own if isinstance(e.payload, StoryReport))
        if confirmation is not None:
            events[confirmation.id] = confirmation
    return Timeline(
        entity=entity,
        listings=tuple(sorted(listings, key=lambda x: (x.first.id, x.source))),
        stories=tuple(sorted(threads, key=lambda s: s.first.id)),
        events=tuple(events[i] for i in sorted(events)),
    )


def scope_of(knowledge: Knowledge, name: str) -> EntityScope | None:
    """Where the entity (or entities) ``name`` names is in the log (``log --entity``, the web's
    ``entity`` filter): its entries' changes on every list and its stories' events; None when
    no entity has the name."""
    entities = find(knowledge, name)
    if not entities:
        return None
    members = {m for e in entities for m in e.members}
    entries = sorted(
        (history[0].source, history[0].key)
        for ref, history in knowledge.entries.items()
        if ref in members
    )
    streams = sorted(
        story_stream(story.id)
        for story, first in knowledge.stories
        if isinstance(first.payload, DesignationReported)
        and mention_of_news(first.payload.entity).ref in members
    )
    return EntityScope(entries=tuple(entries), streams=tuple(streams))

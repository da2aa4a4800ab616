"""Is this list entry the organisation that news story names? Resolution of just the two.

The poll asks it when a list change might confirm a story (:mod:`monitor.detect.confirm`): the
same rules as the whole resolution (identifiers, names across scripts, ``[[entity]]`` and
``[[watch]]``), applied to the story's entity and the changed entry alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.config import EntityRule
from monitor.entities.mentions import mention_of_entry, mention_of_news
from monitor.entities.resolve import resolve
from monitor.events import EntryAdded, EntryChanged, EntryRemoved

if TYPE_CHECKING:
    from monitor.config import Settings, Source


def rules_of(settings: Settings) -> tuple[EntityRule, ...]:
    """``[[entity]]`` rules, and each ``[[watch]]``'s aliases as names of one entity (a watch
    says "these names are the organisation I follow")."""
    watched = tuple(
        EntityRule(name=w.entity, aliases=tuple(w.aliases), same_as=(), not_same_as=())
        for w in settings.watches
    )
    return (*settings.entities, *watched)


def same_entity(
    name: str,
    source: Source,
    change: EntryAdded | EntryRemoved | EntryChanged,
    settings: Settings,
) -> str | None:
    """The entity's name when the story's ``name`` and the changed entry are one, else None."""
    identifiers = dict(source.identifiers)
    entries = [change.entry, change.before] if isinstance(change, EntryChanged) else [change.entry]
    key = str(change.entry.get("key", ""))
    versions = [mention_of_entry(source.id, key, entry, identifiers) for entry in entries]
    news = mention_of_news(name)
    resolution = resolve([news, *versions], rules_of(settings))
    entity = resolution.of(news.ref)
    return entity.name if entity is not None and entity == resolution.of(versions[0].ref) else None

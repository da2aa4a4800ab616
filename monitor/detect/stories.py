"""Stories: reports of the same change (or the same topic event) grouped; the first one alerts.

A story is keyed by what it is about — (actor, entity, action) for a designation, (topic,) for a
topic — and by time: a report within the window of a story's first or latest report joins it
(a corroboration); otherwise it opens a new story. Ids come from the key and the first report's
date, so replaying the same log gives the same ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.detect.model import Designation, TopicMatch
from monitor.detect.names import canonical_entity, normalise, slug


@dataclass(frozen=True)
class Story:
    """A projection row the pipeline keeps."""

    id: str
    kind: str  # "designation" | "topic"
    key: tuple[str, ...]  # (actor, entity_normalised, action) or (topic,)
    first_published: datetime
    last_published: datetime
    sources: frozenset[str]
    urls: frozenset[str]


def story_key_for_designation(d: Designation) -> tuple[str, ...]:
    """(actor, normalised canonical entity, action): "HTS" and "Hayat Tahrir al-Sham" agree."""
    return (d.actor, normalise(canonical_entity(d.entity)), d.action)


def story_key_for_topic(t: TopicMatch) -> tuple[str, ...]:
    return (t.topic,)


def story_id(key: tuple[str, ...], kind: str, first_published: datetime) -> str:
    """ "RU-taliban-announced_removal-2024-10-05", "moscow-format-2024-10-05": ASCII, stable."""
    return story_prefix(key, kind) + first_published.date().isoformat()


def story_prefix(key: tuple[str, ...], kind: str) -> str:
    """What every id of a story with this key starts with ("RU-taliban-announced_removal-")."""
    if kind == "designation" and len(key) == 3:
        actor, entity, action = key
        return f"{slug(actor).upper()}-{slug(entity)}-{action}-"
    return "-".join(slug(part) for part in key) + "-"


def assign_story(
    key: tuple[str, ...],
    kind: str,
    published: datetime,
    url: str,
    open_stories: Sequence[Story],
    window: timedelta,
) -> tuple[str, bool]:
    """(story_id, is_new): join the closest story with this key within the window, else open one.

    A URL already in a story is that story again (a re-fetched item never opens a new story).
    """
    same = [s for s in open_stories if s.kind == kind and s.key == key]
    for story in same:
        if url and url in story.urls:
            return story.id, False
    near = [
        s
        for s in same
        if abs(published - s.last_published) <= window
        or abs(published - s.first_published) <= window
    ]
    if near:
        best = min(near, key=lambda s: abs(published - s.last_published))
        return best.id, False
    base = story_id(key, kind, published)
    taken = {s.id for s in open_stories}
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate, True

"""From a feed's new items to report events: the detector the poll pipeline calls.

For each new item it asks the pure classifiers what designation changes and topics the item
reports, then places each finding in a story: the first report of a story is recorded as
``designation_reported`` / ``topic_reported`` (and alerts), later ones from other outlets as
``*_corroborated`` (and do not). Report events live on a stream per story, so two workers that
read the first two reports of one story at once cannot both open it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from monitor.config import Settings, Source
from monitor.detect.confirm import Claim, confirmations
from monitor.detect.model import Designation, NewsItem, TopicMatch
from monitor.detect.names import normalise, slug
from monitor.detect.stories import (
    Story,
    assign_story,
    story_key_for_designation,
    story_key_for_topic,
    story_prefix,
)
from monitor.events import (
    ENTRY_EVENTS,
    DesignationConfirmed,
    DesignationCorroborated,
    DesignationReported,
    EntryChange,
    NewEvent,
    RecordedEvent,
    StoryReport,
    TopicCorroborated,
    TopicReported,
    story_stream,
)
from monitor.sources.feeditems import FeedItem
from monitor.timeutil import parse_iso

if TYPE_CHECKING:
    from monitor.store import Transaction

_TYPES: dict[str, tuple[type[StoryReport], type[StoryReport]]] = {
    "designation": (DesignationReported, DesignationCorroborated),
    "topic": (TopicReported, TopicCorroborated),
}


def news_item(item: FeedItem, source: Source) -> NewsItem:
    return NewsItem(
        title=item.title,
        summary=item.summary,
        text=item.content,
        url=item.url,
        published=parse_iso(item.published) if item.published else None,
        source=source.id,
    )


class StoryBook:
    """The open stories of one poll: those in the log, plus those this poll opens.

    Read one key at a time, when a finding needs it: a poll only ever touches the stories of
    the keys it found, and a busy log has many open stories."""

    def __init__(self, tx: Transaction, earliest: datetime, windows: dict[str, timedelta]) -> None:
        self.tx = tx
        self.earliest = earliest
        self.windows = windows
        self.stories: dict[tuple[str, str], list[Story]] = {}

    def _open(self, kind: str, key: tuple[str, ...]) -> list[Story]:
        prefix = story_prefix(key, kind)
        if (kind, prefix) not in self.stories:
            # Only stories whose latest report is within a window of the oldest new item matter.
            since = self.earliest - self.windows[kind]
            rows = self.tx.open_stories(kind, since, prefix=prefix)
            self.stories[kind, prefix] = [_story(row) for row in rows]
        return self.stories[kind, prefix]

    def place(
        self, kind: str, key: tuple[str, ...], published: datetime, url: str, source: str
    ) -> tuple[str, bool] | None:
        """(story id, is_new), or None when this URL already is in that story."""
        stories = self._open(kind, key)
        story_id, is_new = assign_story(key, kind, published, url, stories, self.windows[kind])
        if is_new:
            stories.append(
                Story(
                    story_id, kind, key, published, published, frozenset({source}), frozenset({url})
                )
            )
            return story_id, True
        index, story = next((i, s) for i, s in enumerate(stories) if s.id == story_id)
        if url and url in story.urls:
            return None
        stories[index] = Story(
            story.id,
            kind,
            story.key,
            min(story.first_published, published),
            max(story.last_published, published),
            story.sources | {source},
            story.urls | {url},
        )
        return story_id, False


def _story(row: dict[str, Any]) -> Story:
    return Story(
        id=row["id"],
        kind=row["kind"],
        key=tuple(row["key"]),
        first_published=row["first_published"],
        last_published=row["last_published"],
        sources=frozenset(row["sources"]),
        urls=frozenset(row["urls"]),
    )


@dataclass(frozen=True)
class Findings:
    """What the classifiers read in one news item: pure, so it is worked out before the write
    transaction, which then only places the findings in stories."""

    item: FeedItem
    news: NewsItem
    designations: tuple[Designation, ...]
    topics: tuple[TopicMatch, ...]
    # The story key of each designation. Worked out here, where the names are matched anyway,
    # so recording (in the monitor's process, when a worker process classifies) needs neither
    # the classifiers nor the entity matcher: ~0.3 s of imports and compiling it would spend.
    keys: tuple[tuple[str, ...], ...]
    # Whether a watch or a built-in name named each designation's organisation; the others may
    # be named from the followed lists when recorded (the lists are in the store).
    known: tuple[bool, ...] = ()


class Detector(Protocol):
    """Turns a feed's new items into report events (designation and topic stories).

    ``classify`` is pure and runs before the write transaction; ``record`` places its findings
    in stories inside it. The one implementation is :class:`NewsDetector`; the protocol is what the poll
    pipeline and the worker processes rely on.
    """

    def classify(self, source: Source, items: Sequence[FeedItem]) -> Sequence[Any]: ...

    def record(
        self, tx: Transaction, source: Source, findings: Sequence[Any], now: datetime
    ) -> list[NewEvent]: ...

    def confirm(
        self, tx: Transaction, source: Source, recorded: Sequence[RecordedEvent]
    ) -> list[NewEvent]: ...


class NewsDetector:
    """The detector the poll pipeline calls: ``classify`` off the lock, ``record`` under it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._listed: tuple[tuple[int, int], Any] | None = None  # (version, ListedNames)
        self.windows = {
            "designation": timedelta(seconds=settings.alerts.story_window),
            "topic": timedelta(seconds=settings.alerts.topic_window),
        }

    def classify(self, source: Source, items: Sequence[FeedItem]) -> list[Findings]:
        # Imported here: compiling their rules is most of the detector's cost, and a process
        # that only records findings never needs them.
        from monitor.detect.classify import detect_designations
        from monitor.detect.names import matcher, watch_key
        from monitor.detect.topics import match_topics

        names = matcher(watch_key(self.settings.watches))

        found = []
        for item in items:
            news = news_item(item, source)
            designations = tuple(detect_designations(news, self.settings.watches))
            topics = tuple(match_topics(news, self.settings.topics))
            if designations or topics:
                keys = tuple(story_key_for_designation(d) for d in designations)
                known = tuple(names.canonical(d.entity) is not None for d in designations)
                found.append(Findings(item, news, designations, topics, keys, known))
        return found

    def record(
        self, tx: Transaction, source: Source, findings: Sequence[Findings], now: datetime
    ) -> list[NewEvent]:
        if not findings:
            return []
        findings = self._named_from_lists(tx, findings)
        earliest = min(f.news.published or now for f in findings)
        book = StoryBook(tx, earliest, self.windows)
        events: list[NewEvent] = []
        for finding in findings:
            item = finding.item
            published = finding.news.published or now
            common = {
                "title": item.title,
                "url": item.url,
                "published": item.published,
                "guid": item.guid,
                "item_id": item.item_id,
            }
            for found, key in zip(finding.designations, finding.keys, strict=True):
                details = {
                    "actor": found.actor,
                    "entity": found.entity,
                    "action": found.action,
                    "watched": found.watched,
                    "evidence": found.evidence,
                    "lang": found.lang,
                    "signals": found.signals,
                }
                events += _report(book, "designation", key, published, source, common, details)
            for topic in finding.topics:
                key = story_key_for_topic(topic)
                details = {
                    "topic": topic.topic,
                    "evidence": topic.evidence,
                    "lang": topic.lang,
                    "signals": topic.signals,
                }
                events += _report(book, "topic", key, published, source, common, details)
        return events

    def _named_from_lists(
        self, tx: Transaction, findings: Sequence[Findings]
    ) -> Sequence[Findings]:
        """Name the organisations no watch or built-in name covers as the followed lists name
        them. The gazetteer is rebuilt only when some list has changed since."""
        if all(all(f.known) for f in findings):
            return findings
        from monitor.detect.listed import ListedNames, name_from_lists  # only for the unknown

        version = tx.entries_version()
        if self._listed is None or self._listed[0] != version:
            self._listed = (version, ListedNames(tx.all_entries()))
        listed = self._listed[1]
        out = []
        for f in findings:
            named = tuple(
                name_from_lists(d, listed, known)
                for d, known in zip(f.designations, f.known, strict=True)
            )
            keys = tuple(
                key if new is old else (new.actor, normalise(new.entity), new.action)
                for key, new, old in zip(f.keys, named, f.designations, strict=True)
            )
            out.append(replace(f, designations=named, keys=keys))
        return out

    def confirm(
        self, tx: Transaction, source: Source, recorded: Sequence[RecordedEvent]
    ) -> list[NewEvent]:
        """``designation_confirmed`` for each unconfirmed story of the list's jurisdiction that
        the list changes just ``recorded`` confirm (same entity, a matching change)."""
        changes = [e for e in recorded if e.type in ENTRY_EVENTS and e.alert_class is not None]
        if not changes or not source.jurisdiction:
            return []
        actor = source.jurisdiction
        stories = tx.unconfirmed_stories(actor, prefix=f"{slug(actor).upper()}-")
        firsts = tx.events_by_id(story.first_event_id for story in stories)
        claims = [
            Claim(
                first.payload.story, first.payload.actor, first.payload.entity, first.payload.action
            )
            for first in firsts
            if isinstance(first.payload, DesignationReported)
        ]
        if not claims:
            return []
        from monitor.entities.match import same_entity  # only when a story may be confirmed

        def same(name: str, change: EntryChange) -> str | None:
            return same_entity(name, source, change, self.settings)

        return [
            NewEvent(
                story_stream(found.claim.story),
                DesignationConfirmed(
                    story=found.claim.story,
                    event=found.change.id,
                    source=source.id,
                    entity=found.entity,
                ),
                source=source.id,
            )
            for found in confirmations(changes, claims, source.jurisdiction, same)
        ]


def make_detector(settings: Settings) -> NewsDetector:
    return NewsDetector(settings)


def _report(
    book: StoryBook,
    kind: str,
    key: tuple[str, ...],
    published: datetime,
    source: Source,
    common: dict[str, Any],
    details: dict[str, Any],
) -> list[NewEvent]:
    placed = book.place(kind, key, published, common["url"], source.id)
    if placed is None:
        return []
    story_id, is_new = placed
    reported, corroborated = _TYPES[kind]
    payload = (reported if is_new else corroborated)(
        **common, **details, story=story_id, story_key=key
    )
    return [NewEvent(story_stream(story_id), payload, source=source.id)]

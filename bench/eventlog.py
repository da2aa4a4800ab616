"""A large event log, made fast: events of a realistic mix bulk-inserted straight into the
``events`` table (no append, no projections: replay builds those). Shared by ``micro.py`` (the
replay benchmark) and ``web.py`` (the web app over a million events).

The mix, by default (what ``micro.py`` replays, unchanged since it was first measured): 90 %
``item_published`` over 900 feeds; 9 % list changes over 100 lists — each list first grows to
200 entries, then entries are added, removed and amended over time, so a list's state at a past
moment is a real fold —; 1 % ``source_failed`` / ``source_recovered`` on the feeds. Time moves
by 5 minutes every 200 events (a million events span ~17 days).

``LogMix.web()`` adds what the web app shows besides: news reports (a designation or topic
report after some items, a new story or a corroboration of an open one, some in Russian),
documents (one per source and day, cited by every event of that poll, stored in ``documents``),
list sources in several jurisdictions, large lists (a first poll of 17,000, 5,000 and 1,000
entries, as OFAC's SDN list, an EU or Kazakh list and the UN's have, then changes among the
others'), and rows of this release's payload schema.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

WORDS = (  # noqa: SIM905
    "government ministry court decision list organisation group security council sanctions "
    "designation removed added official statement talks delegation regional meeting committee"
).split()

START = datetime(2024, 1, 1, tzinfo=UTC)
TICK = timedelta(minutes=5)  # time moves this much every EVENTS_PER_TICK events
EVENTS_PER_TICK = 200
PLACEHOLDER_DOCUMENT = "0" * 64

# News reports (LogMix.reports): who designates whom, and the watched topics.
ACTORS = ("RU", "US", "UK", "EU", "UN", "KZ", "CA", "AU")
ENTITIES = (
    "Taliban", "Hamas", "Hezbollah", "Houthis", "Wagner Group", "Muslim Brotherhood",
    "Al-Shabaab", "Boko Haram", "Hayat Tahrir al-Sham", "Islamic State Khorasan",
)  # fmt: skip
ACTIONS = ("added", "removed", "amended", "announced_addition", "announced_removal", "suspended")
TOPICS = ("Moscow Format", "Doha Process")
STORY_WINDOW = timedelta(days=14)  # [alerts] story_window


@dataclass(frozen=True)
class LogMix:
    """What the generated log holds besides its size (the defaults: ``micro.py``'s replay)."""

    feeds: int = 900
    lists: int = 100
    reports: float = 0.0  # share of news items that are also reported (designation or topic)
    documents: bool = False  # each poll's document stored and cited (else a placeholder hash)
    jurisdictions: tuple[str, ...] = ("RU",)  # list i is in jurisdictions[i % len]
    schema_version: int | None = None  # None: the column's default (1, upcast when read)
    # A list per size: its first poll (baseline) holds that many entries (at most 5 % of the log).
    large_lists: tuple[int, ...] = ()

    @classmethod
    def web(cls) -> LogMix:
        from monitor.events import SCHEMA_VERSION

        return cls(
            reports=0.02,
            documents=True,
            jurisdictions=("RU", "UN", "US", "UK", "EU", "KZ", "CA", "AU"),
            schema_version=SCHEMA_VERSION,
            large_lists=(17_000, 5_000, 1_000),
        )

    def feed_ids(self) -> list[str]:
        return [f"feed{i:04d}" for i in range(self.feeds)]

    def list_ids(self) -> list[str]:
        """Every list source: the ordinary ones, then the large ones."""
        return [f"list{i:03d}" for i in range(self.lists)] + self.large_list_ids()

    def large_list_ids(self) -> list[str]:
        return [f"large{i}-{size}" for i, size in enumerate(self.large_lists)]

    def jurisdiction(self, list_index: int) -> str:
        return self.jurisdictions[list_index % len(self.jurisdictions)]


def document_hash(source: str, moment: datetime) -> str:
    """The document a source's poll fetched on ``moment``'s day (one per source and day)."""
    return hashlib.sha256(f"{source}@{moment.date()}".encode()).hexdigest()


def _document_row(source: str, moment: datetime, kind: str) -> dict[str, Any]:
    day = moment.date()
    if kind == "list":
        body = "".join(f"<tr><td>{n}</td><td>{source} organisation</td></tr>" for n in range(40))
        content = f"<html><body><table>{body}</table></body></html>".encode()
        content_type = "text/html"
    else:
        body = "".join(f"<item><title>{source} {day} {n}</title></item>" for n in range(30))
        content = f"<rss><channel>{body}</channel></rss>".encode()
        content_type = "application/rss+xml"
    return {
        "sha256": document_hash(source, moment),
        "size": len(content),
        "content_type": content_type,
        "url": f"https://{source}.example/{'list.html' if kind == 'list' else 'feed.xml'}",
        "first_seen_at": moment,
        "content": content,
    }


class _Newsroom:
    """News reports for LogMix.reports: stories opened and corroborated within the window."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.open: dict[tuple[str, ...], tuple[str, datetime]] = {}  # key: (story, opened)

    def headline(self) -> tuple[str, dict[str, Any]]:
        """A headline, and the report's own fields (without the item's and the story's)."""
        rng = self.rng
        if rng.random() < 0.2:
            topic = rng.choice(TOPICS)
            title = f"Regional delegations meet for the {topic} talks on Afghanistan"
            evidence = f"{title}, the foreign ministry said in a statement."
            return title, {"topic": topic, "evidence": evidence, "lang": "en",
                           "signals": {"phrase": topic}}  # fmt: skip
        actor, entity, action = rng.choice(ACTORS), rng.choice(ENTITIES), rng.choice(ACTIONS)
        if rng.random() < 0.15:
            title = (
                f"Россия приняла решение исключить {entity} из списка террористических организаций"
            )
            lang = "ru"
        else:
            verb = action.replace("announced_", "announces ").replace("_", " ")
            title = f"{actor} government {verb} {entity} on its list of terrorist organisations"
            lang = "en"
        return title, {"actor": actor, "entity": entity, "action": action,
                       "watched": entity == "Taliban", "evidence": title, "lang": lang,
                       "signals": {"rule": action.split("_")[-1]}}  # fmt: skip

    def report(
        self, item: dict[str, Any], details: dict[str, Any], moment: datetime
    ) -> tuple[str, str, dict[str, Any]]:
        """(type, story id, payload) of the report of ``item``."""
        if "topic" in details:
            key: tuple[str, ...] = (details["topic"],)
            kinds = ("topic_reported", "topic_corroborated")
            ordered = {**item, "topic": details["topic"]}
            rest = {k: details[k] for k in ("evidence", "lang", "signals")}
        else:
            key = (details["actor"], details["entity"].casefold(), details["action"])
            kinds = ("designation_reported", "designation_corroborated")
            ordered = {**item, **{k: details[k] for k in ("actor", "entity", "action", "watched")}}
            rest = {k: details[k] for k in ("evidence", "lang", "signals")}
        known = self.open.get(key)
        if known is None or moment - known[1] > STORY_WINDOW:
            parts = key if len(key) > 1 else (key[0].casefold(),)  # moscow-format-2024-10-05
            story = "-".join(part.replace(" ", "-") for part in parts) + f"-{moment.date()}"
            self.open[key] = (story, moment)
            kind = kinds[0]
        else:
            story, kind = known[0], kinds[1]
        return kind, story, {**ordered, **rest, "story": story, "story_key": list(key)}


def fill_log(store: Any, count: int, mix: LogMix | None = None) -> dict[str, int]:
    """Bulk-insert ``count`` events straight into the events table (bypassing append), and the
    documents they cite; the counts per event type."""
    from sqlalchemy import insert

    from monitor.events import (
        ENTRY_ADDED,
        ENTRY_CHANGED,
        ENTRY_REMOVED,
        ITEM_PUBLISHED,
        SOURCE_FAILED,
        SOURCE_RECOVERED,
    )
    from monitor.store.tables import DocumentRow, EventRow, table_of

    mix = mix or LogMix()
    table, documents_table = table_of(EventRow), table_of(DocumentRow)
    rng = random.Random(7)
    newsroom = _Newsroom(random.Random(11))  # its own generator: the default mix stays as it was
    feeds, lists, large = mix.feed_ids(), mix.list_ids()[: mix.lists], mix.large_list_ids()
    jurisdiction = {s: mix.jurisdiction(i) for i, s in enumerate(lists + large)}
    versions: dict[str, int] = {}
    entries: dict[str, list[str]] = {s: [] for s in lists + large}
    failing: set[str] = set()
    counts: dict[str, int] = {}
    moment = START
    summary = " ".join(rng.choices(WORDS, k=70))
    rows: list[dict[str, Any]] = []
    documents: dict[str, dict[str, Any]] = {}
    stored: set[str] = set()
    emitted = 0

    def document(source: str, kind: str) -> str:
        if not mix.documents:
            return PLACEHOLDER_DOCUMENT
        sha = document_hash(source, moment)
        if sha not in stored:
            stored.add(sha)
            documents[sha] = _document_row(source, moment, kind)
        return sha

    def add(kind: str, source: str, data: dict[str, Any], stream: str | None = None) -> None:
        nonlocal emitted
        stream = stream or f"source:{source}"
        versions[stream] = versions.get(stream, 0) + 1
        counts[kind] = counts.get(kind, 0) + 1
        row = {
            "stream": stream,
            "version": versions[stream],
            "type": kind,
            "source": source,
            "recorded_at": moment,
            "data": data,
        }
        if mix.schema_version is not None:
            row["schema_version"] = mix.schema_version
        rows.append(row)
        emitted += 1

    with store.engine.begin() as conn:
        for source, size in zip(large, mix.large_lists, strict=True):  # their first polls
            where = {"jurisdiction": jurisdiction[source], "baseline": True,
                     "document": document(source, "list")}  # fmt: skip
            for i in range(min(size, count // 20)):  # a small log: smaller lists
                key = f"{source} entity {i}"
                entries[source].append(key)
                entry = {"key": key, "name": key, "decision": f"Listed {i}"}
                add(ENTRY_ADDED, source, {"entry": entry, **where})
        for n in range(count):
            if emitted >= count:
                break
            if n % EVENTS_PER_TICK == 0:
                moment += TICK
            roll = rng.random()
            if roll < 0.90:
                source = feeds[n % len(feeds)]
                reported = bool(mix.reports) and newsroom.rng.random() < mix.reports
                title, details = newsroom.headline() if reported else (f"Item {n} of {source}", {})
                item = {
                    "title": title,
                    "url": f"https://news.example/{source}/{n}",
                    "published": f"{moment:%Y-%m-%dT%H:%M:%SZ}"
                    if reported
                    else "2024-01-01T00:00:00Z",
                    "guid": f"{source}-{n}",
                    "item_id": f"guid:{source}-{n}",
                }
                add(
                    ITEM_PUBLISHED,
                    source,
                    {
                        **item,
                        "summary": summary,
                        "content": "",
                        "document": document(source, "feed"),
                    },
                )
                if reported and emitted < count:
                    kind, story, payload = newsroom.report(item, details, moment)
                    add(kind, source, payload, stream=f"story:{story}")
            elif roll < 0.99:
                source = lists[n % len(lists)]
                if large and newsroom.rng.random() < 0.01:  # 1 % of the changes: a large list
                    source = newsroom.rng.choice(large)
                keys = entries[source]
                where = {"jurisdiction": jurisdiction[source], "document": document(source, "list")}
                if len(keys) < 200 or rng.random() < 0.4:
                    key = f"{source} organisation {n}"
                    keys.append(key)
                    entry = {"key": key, "name": key, "decision": f"Decision {n}"}
                    add(ENTRY_ADDED, source, {"entry": entry, **where})
                elif rng.random() < 0.5:
                    key = keys.pop(rng.randrange(len(keys)))
                    entry = {"key": key, "name": key, "decision": "Decision"}
                    add(ENTRY_REMOVED, source, {"entry": entry, **where})
                else:
                    key = keys[rng.randrange(len(keys))]
                    entry = {"key": key, "name": key, "decision": f"Amended {n}"}
                    before = {"key": key, "name": key, "decision": "Decision"}
                    add(ENTRY_CHANGED, source, {"entry": entry, "before": before, **where})
            else:
                source = rng.choice(feeds)
                if source in failing:
                    failing.discard(source)
                    add(SOURCE_RECOVERED, source, {})
                else:
                    failing.add(source)
                    add(
                        SOURCE_FAILED,
                        source,
                        {"error": "HTTP 503", "kind": "http_status", "failures": 3},
                    )
            if len(rows) >= 20_000:
                conn.execute(insert(table), rows)
                rows.clear()
            if len(documents) >= 2_000:
                conn.execute(insert(documents_table), list(documents.values()))
                documents.clear()
        if rows:
            conn.execute(insert(table), rows)
        if documents:
            conn.execute(insert(documents_table), list(documents.values()))
    return counts

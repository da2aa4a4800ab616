"""Events for tests, with plausible values wherever a test does not care."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from typing import Any

from monitor.events import (
    PAYLOADS,
    DesignationCorroborated,
    DesignationReported,
    EntryAdded,
    EntryRemoved,
    ItemPublished,
    NewEvent,
    Payload,
    RecordedEvent,
    decode,
    source_stream,
)


def entry(key: str, **fields: Any) -> dict[str, Any]:
    return {"key": key, "name": fields.pop("name", key), **fields}


def added(key: str, source: str = "s1", *, baseline: bool = False, **fields: Any) -> NewEvent:
    payload = EntryAdded(entry(key, **fields), "XX", baseline=baseline, document="0" * 64)
    return NewEvent(source_stream(source), payload, source=source)


def removed(key: str, source: str = "s1") -> NewEvent:
    payload = EntryRemoved(entry(key), "XX", document="0" * 64)
    return NewEvent(source_stream(source), payload, source=source)


def item(item_id: str, source: str = "wire", *, title: str = "t") -> ItemPublished:
    return ItemPublished(
        title=title,
        url=f"https://news.example/{item_id}",
        published="2024-10-05T10:00:00Z",
        guid=item_id,
        item_id=item_id,
        summary="",
        content="",
        document="0" * 64,
    )


def report(
    story: str,
    *,
    url: str,
    corroborates: bool = False,
    entity: str = "Taliban",
    action: str = "announced_removal",
    published: str = "2024-10-05T10:00:00Z",
    title: str = "Moscow weighs delisting the Taliban, officials tell a wire (test headline)",
) -> DesignationReported | DesignationCorroborated:
    cls = DesignationCorroborated if corroborates else DesignationReported
    return cls(
        title=title,
        url=url,
        published=published,
        guid=url,
        item_id=url,
        actor="RU",
        entity=entity,
        action=action,  # type: ignore[arg-type]
        watched=True,
        evidence=title,
        lang="en",
        signals={},
        story=story,
        story_key=("RU", entity.lower(), action),
    )


# Every field of every payload, with a value for tests that do not care about it.
_DEFAULTS: dict[str, Any] = {
    "entry": {"key": "K1", "name": "K1"},
    "before": {},
    "jurisdiction": "XX",
    "document": "0" * 64,
    "expected": None,
    "found": 0,
    "problems": [],
    "title": "t",
    "url": "https://news.example/1",
    "published": "2024-10-05T10:00:00Z",
    "guid": "g1",
    "item_id": "i1",
    "summary": "",
    "content": "",
    "actor": "RU",
    "entity": "Taliban",
    "action": "announced_removal",
    "watched": True,
    "evidence": "",
    "lang": "en",
    "signals": {},
    "story": "designation:RU:taliban:announced_removal:1",
    "story_key": ["RU", "taliban", "announced_removal"],
    "topic": "Moscow Format",
    "error": "HTTP 503",
    "channel": "email",
    "events": [],
    "attempts": 1,
    "types": [],
    "notifications": 1,
    "event": 1,
    "source": "ru-fsb-terrorist-list",
}


def payload(kind: str, data: Mapping[str, Any] | None = None) -> Payload:
    """A payload of type ``kind`` with ``data``'s values and defaults for the rest."""
    fields = {f.name for f in dataclass_fields(PAYLOADS[kind])}
    return decode(kind, {**{k: v for k, v in _DEFAULTS.items() if k in fields}, **(data or {})})


def event(
    kind: str, stream: str, data: Mapping[str, Any] | None = None, *, source: str | None = None
) -> NewEvent:
    return NewEvent(stream, payload(kind, data), source=source)


def recorded(
    event_id: int,
    kind: str,
    data: Mapping[str, Any] | None = None,
    *,
    source: str | None = "src",
    at: datetime = datetime(2025, 4, 17, 9, 12, 3, tzinfo=UTC),
    stream: str = "s",
) -> RecordedEvent:
    return RecordedEvent(event_id, stream, event_id, at, source, payload(kind, data))

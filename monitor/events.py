"""Events: immutable facts, the only thing the monitor stores for good.

A :class:`NewEvent` is what the pipeline decides to record; the store gives it a position and a
time and hands it back as a :class:`RecordedEvent`. Serialisation to the JSON a user reads
(``monitor log --json``) happens here and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Final

ENTRY_ADDED: Final = "entry_added"
ENTRY_REMOVED: Final = "entry_removed"
ENTRY_CHANGED: Final = "entry_changed"
ITEM_PUBLISHED: Final = "item_published"
DESIGNATION_REPORTED: Final = "designation_reported"
DESIGNATION_CORROBORATED: Final = "designation_corroborated"
TOPIC_REPORTED: Final = "topic_reported"
TOPIC_CORROBORATED: Final = "topic_corroborated"
SOURCE_FAILED: Final = "source_failed"
SOURCE_RECOVERED: Final = "source_recovered"
PARSE_SUSPECT: Final = "parse_suspect"
NOTIFICATION_SENT: Final = "notification_sent"
NOTIFICATION_FAILED: Final = "notification_failed"

EVENT_TYPES: Final = (
    ENTRY_ADDED,
    ENTRY_REMOVED,
    ENTRY_CHANGED,
    ITEM_PUBLISHED,
    DESIGNATION_REPORTED,
    DESIGNATION_CORROBORATED,
    TOPIC_REPORTED,
    TOPIC_CORROBORATED,
    SOURCE_FAILED,
    SOURCE_RECOVERED,
    PARSE_SUSPECT,
    NOTIFICATION_SENT,
    NOTIFICATION_FAILED,
)

ENTRY_EVENTS: Final = frozenset({ENTRY_ADDED, ENTRY_REMOVED, ENTRY_CHANGED})

# Which alert class each alerting event type belongs to (SPEC "Alerts").
ALERT_CLASS: Final[Mapping[str, str]] = MappingProxyType(
    {
        ENTRY_ADDED: "designation",
        ENTRY_REMOVED: "designation",
        ENTRY_CHANGED: "designation",
        DESIGNATION_REPORTED: "designation",
        TOPIC_REPORTED: "topic",
        SOURCE_FAILED: "health",
        SOURCE_RECOVERED: "health",
        PARSE_SUSPECT: "health",
        NOTIFICATION_FAILED: "health",
    }
)


# Values that are immutable already: not worth a call each (every event is frozen on every read).
_ATOMS: Final = frozenset({str, int, float, bool, type(None)})


def _freeze(value: Any) -> Any:
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is dict or isinstance(value, Mapping):
        return MappingProxyType(
            {k: v if type(v) in _ATOMS else _freeze(v) for k, v in value.items()}
        )
    if kind is list or isinstance(value, list | tuple):
        return tuple([v if type(v) in _ATOMS else _freeze(v) for v in value])
    return value


def thaw(value: Any) -> Any:
    """A frozen event payload as plain dicts and lists, ready for JSON."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is MappingProxyType or isinstance(value, Mapping):
        return {k: v if type(v) in _ATOMS else thaw(v) for k, v in value.items()}
    if kind is tuple or isinstance(value, tuple | list):
        return [v if type(v) in _ATOMS else thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class NewEvent:
    """An event the pipeline wants recorded. ``stream`` scopes optimistic concurrency."""

    type: str
    stream: str
    data: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {self.type!r}")
        object.__setattr__(self, "data", _freeze(self.data))


@dataclass(frozen=True)
class RecordedEvent:
    """An event as stored: its position in the log (``id``) and when it was recorded."""

    id: int
    type: str
    stream: str
    version: int
    recorded_at: datetime
    source: str | None
    data: Mapping[str, Any]

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", _freeze(self.data))

    @property
    def alert_class(self) -> str | None:
        if self.data.get("baseline"):
            return None
        return ALERT_CLASS.get(self.type)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "recorded_at": format_time(self.recorded_at),
            "source": self.source,
            "data": thaw(self.data),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=False)


def format_time(moment: datetime) -> str:
    """UTC, ISO 8601, second precision, ``Z`` suffix: the one time format users see."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def source_stream(source_id: str) -> str:
    return f"source:{source_id}"


def story_stream(story_id: str) -> str:
    """A news story's reports are one stream: two workers cannot both open the same story."""
    return f"story:{story_id}"

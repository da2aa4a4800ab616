"""Events: immutable facts, the only thing the monitor stores for good.

Each type of event has one frozen dataclass, its payload; ``type`` is a closed set. A
:class:`NewEvent` is a payload the pipeline wants recorded on a stream; the store gives it a
position and a time and hands it back as a :class:`RecordedEvent`.

The log is kept for ever, so payloads are turned into stored JSON and back in one place,
:func:`encode` and :func:`decode`: each row carries the schema version it was written with, and
:func:`decode` upcasts what older releases wrote to today's payloads. ``encode``'s JSON is what
``monitor log --json`` prints as ``data`` (SPEC "The event log").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, ClassVar, Final, Literal, get_args

EventType = Literal[
    "entry_added",
    "entry_removed",
    "entry_changed",
    "item_published",
    "designation_reported",
    "designation_corroborated",
    "topic_reported",
    "topic_corroborated",
    "designation_confirmed",
    "source_failed",
    "source_recovered",
    "parse_suspect",
    "notification_sent",
    "notification_failed",
]
EVENT_TYPES: Final[tuple[EventType, ...]] = get_args(EventType)

ENTRY_ADDED: Final = "entry_added"
ENTRY_REMOVED: Final = "entry_removed"
ENTRY_CHANGED: Final = "entry_changed"
ITEM_PUBLISHED: Final = "item_published"
DESIGNATION_REPORTED: Final = "designation_reported"
DESIGNATION_CORROBORATED: Final = "designation_corroborated"
TOPIC_REPORTED: Final = "topic_reported"
TOPIC_CORROBORATED: Final = "topic_corroborated"
DESIGNATION_CONFIRMED: Final = "designation_confirmed"
SOURCE_FAILED: Final = "source_failed"
SOURCE_RECOVERED: Final = "source_recovered"
PARSE_SUSPECT: Final = "parse_suspect"
NOTIFICATION_SENT: Final = "notification_sent"
NOTIFICATION_FAILED: Final = "notification_failed"

ENTRY_EVENTS: Final = frozenset({ENTRY_ADDED, ENTRY_REMOVED, ENTRY_CHANGED})

AlertClass = Literal["designation", "topic", "health"]
# Which alert class each alerting event type belongs to (SPEC "Alerts").
ALERT_CLASS: Final[Mapping[str, AlertClass]] = MappingProxyType(
    {
        ENTRY_ADDED: "designation",
        ENTRY_REMOVED: "designation",
        ENTRY_CHANGED: "designation",
        DESIGNATION_REPORTED: "designation",
        TOPIC_REPORTED: "topic",
        DESIGNATION_CONFIRMED: "designation",
        SOURCE_FAILED: "health",
        SOURCE_RECOVERED: "health",
        PARSE_SUSPECT: "health",
        NOTIFICATION_FAILED: "health",
    }
)

Action = Literal[
    "added", "removed", "amended", "announced_addition", "announced_removal", "suspended"
]
ACTIONS: Final[tuple[Action, ...]] = get_args(Action)

# The version of the payloads this release writes; rows from before versions were kept are 1.
SCHEMA_VERSION: Final = 2

Entry = Mapping[str, Any]  # a list entry: ``key``, ``name`` and the fields its list gives


# Values that are immutable already: not worth a call each (every event is frozen on every read).
_ATOMS: Final = frozenset({str, int, float, bool, type(None)})


def freeze(value: Any) -> Any:
    """JSON-like data made immutable: mappings read-only, lists tuples."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is dict or isinstance(value, Mapping):
        return MappingProxyType(
            {k: v if type(v) in _ATOMS else freeze(v) for k, v in value.items()}
        )
    if kind is list or isinstance(value, list | tuple):
        return tuple([v if type(v) in _ATOMS else freeze(v) for v in value])
    return value


def thaw(value: Any) -> Any:
    """Frozen data as plain dicts and lists, ready for JSON."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is MappingProxyType or isinstance(value, Mapping):
        return {k: v if type(v) in _ATOMS else thaw(v) for k, v in value.items()}
    if kind is tuple or isinstance(value, tuple | list):
        return [v if type(v) in _ATOMS else thaw(v) for v in value]
    return value


def _optional(default: Any = None) -> Any:
    """A field left out of the JSON while it holds ``default`` (a flag that is off, a value
    that an older release never wrote)."""
    return field(default=default, metadata={"omit": True})


class _Payload:
    """What every payload has: its type, its immutable nested values, and its JSON's key order.

    ``json_order`` is left empty where the JSON's keys are the fields' order; a class whose shared
    fields live in a base names it, so that its JSON keeps the order the log has always had."""

    type: ClassVar[EventType]
    json_order: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if type(value) not in _ATOMS:
                object.__setattr__(self, f.name, freeze(value))


# --- lists --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ListChange(_Payload):
    """What every change to a list's entry carries."""

    entry: Entry
    jurisdiction: str | None
    baseline: bool = _optional(False)  # the list's first poll: recorded, never alerted
    accepted: bool = _optional(False)  # recorded by ``monitor accept``
    document: str | None = None


@dataclass(frozen=True)
class EntryAdded(_ListChange):
    type: ClassVar[EventType] = "entry_added"


@dataclass(frozen=True)
class EntryRemoved(_ListChange):
    type: ClassVar[EventType] = "entry_removed"


@dataclass(frozen=True)
class EntryChanged(_ListChange):
    type: ClassVar[EventType] = "entry_changed"
    json_order: ClassVar = ("entry", "before", "jurisdiction", "baseline", "accepted", "document")
    before: Entry = field(kw_only=True)


@dataclass(frozen=True)
class ParseSuspect(_Payload):
    type: ClassVar[EventType] = "parse_suspect"
    expected: int | None  # entries recorded before (None: no baseline yet)
    found: int
    problems: tuple[str, ...]
    document: str | None = None


# --- news ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item(_Payload):
    """A news item as its event and every report of it name it."""

    title: str
    url: str
    published: str | None
    guid: str
    item_id: str


@dataclass(frozen=True)
class ItemPublished(_Item):
    type: ClassVar[EventType] = "item_published"
    summary: str
    content: str
    document: str | None = None


@dataclass(frozen=True)
class _Report(_Item):
    """What every news report carries besides the item: the evidence, and its story."""

    evidence: str
    lang: str
    signals: Mapping[str, Any]
    story: str
    story_key: tuple[str, ...]


# A report's JSON has its own fields between the item's and the story's.
_ITEM: Final = ("title", "url", "published", "guid", "item_id")
_STORY: Final = ("evidence", "lang", "signals", "story", "story_key")


@dataclass(frozen=True)
class _DesignationReport(_Report):
    json_order: ClassVar = (*_ITEM, "actor", "entity", "action", "watched", *_STORY)
    actor: str
    entity: str
    action: Action
    watched: bool


@dataclass(frozen=True)
class DesignationReported(_DesignationReport):
    type: ClassVar[EventType] = "designation_reported"


@dataclass(frozen=True)
class DesignationCorroborated(_DesignationReport):
    type: ClassVar[EventType] = "designation_corroborated"


@dataclass(frozen=True)
class _TopicReport(_Report):
    json_order: ClassVar = (*_ITEM, "topic", *_STORY)
    topic: str


@dataclass(frozen=True)
class TopicReported(_TopicReport):
    type: ClassVar[EventType] = "topic_reported"


@dataclass(frozen=True)
class TopicCorroborated(_TopicReport):
    type: ClassVar[EventType] = "topic_corroborated"


@dataclass(frozen=True)
class DesignationConfirmed(_Payload):
    """A followed list recorded the change a news story reported: the story's confirmation.

    Recorded on the story's stream in the same transaction as the list event (``event``), so the
    list change's alert can name the story instead of alerting twice."""

    type: ClassVar[EventType] = "designation_confirmed"
    story: str
    event: int  # the list event's id
    source: str  # the list source that recorded it
    entity: str  # the entity both name, as resolution names it


# --- health and delivery ------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFailed(_Payload):
    type: ClassVar[EventType] = "source_failed"
    error: str
    kind: str | None = _optional()  # the FetchError's kind: timeout, http, too_large, ...
    failures: int | None = _optional()  # consecutive failed polls so far


@dataclass(frozen=True)
class SourceRecovered(_Payload):
    type: ClassVar[EventType] = "source_recovered"
    after: Literal["parse_suspect"] | None = _optional()  # None: after source_failed
    accepted: bool | None = _optional()  # the suspect parse was taken by ``monitor accept``
    document: str | None = _optional()


@dataclass(frozen=True)
class NotificationSent(_Payload):
    type: ClassVar[EventType] = "notification_sent"
    channel: str
    events: tuple[int, ...]
    attempts: int


@dataclass(frozen=True)
class NotificationFailed(_Payload):
    type: ClassVar[EventType] = "notification_failed"
    channel: str
    events: tuple[int, ...]
    error: str
    types: tuple[str, ...]
    notifications: int


Payload = (
    EntryAdded
    | EntryRemoved
    | EntryChanged
    | ParseSuspect
    | ItemPublished
    | DesignationReported
    | DesignationCorroborated
    | TopicReported
    | TopicCorroborated
    | DesignationConfirmed
    | SourceFailed
    | SourceRecovered
    | NotificationSent
    | NotificationFailed
)
EntryChange = EntryAdded | EntryRemoved | EntryChanged
DesignationReport = DesignationReported | DesignationCorroborated
TopicReport = TopicReported | TopicCorroborated
StoryReport = DesignationReport | TopicReport

PAYLOADS: Final[Mapping[str, type[Payload]]] = MappingProxyType(
    {
        cls.type: cls
        for cls in (
            EntryAdded,
            EntryRemoved,
            EntryChanged,
            ParseSuspect,
            ItemPublished,
            DesignationReported,
            DesignationCorroborated,
            TopicReported,
            TopicCorroborated,
            DesignationConfirmed,
            SourceFailed,
            SourceRecovered,
            NotificationSent,
            NotificationFailed,
        )
    }
)
assert set(PAYLOADS) == set(EVENT_TYPES), "one payload class per event type"


# --- the stored form ----------------------------------------------------------------------

_OMIT_NONE: Final = object()


def _layout(cls: type[Payload]) -> tuple[tuple[str, Any], ...]:
    """(name, left out while it holds this default) for each field, in the JSON's order."""
    by_name = {f.name: f for f in fields(cls)}
    order = cls.json_order or tuple(by_name)
    assert sorted(order) == sorted(by_name), f"{cls.__name__}.json_order names each field once"
    return tuple(
        (name, by_name[name].default if by_name[name].metadata.get("omit") else _OMIT_NONE)
        for name in order
    )


_LAYOUT: Final = {cls: _layout(cls) for cls in PAYLOADS.values()}


def encode(payload: Payload) -> dict[str, Any]:
    """A payload as the JSON the log stores and ``monitor log --json`` prints as ``data``."""
    data: dict[str, Any] = {}
    for name, omitted in _LAYOUT[type(payload)]:
        value = getattr(payload, name)
        if omitted is not _OMIT_NONE and value == omitted:
            continue
        data[name] = value if type(value) in _ATOMS else thaw(value)
    return data


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def _problems_of_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Releases before the lists' self-checks said only how many entries a suspect parse found;
    the reason is what those releases decided on."""
    if "problems" not in data:
        expected, found = data.get("expected"), data.get("found", 0)
        data["problems"] = [
            f"found {found} entries where {expected} were recorded"
            if expected
            else "found no entries"
        ]
    return data


def _reports_of_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Releases before multilingual detection wrote no language and no signals."""
    data.setdefault("lang", "")
    data.setdefault("signals", {})
    data.setdefault("evidence", "")
    return data


def _notifications_of_v1(data: dict[str, Any]) -> dict[str, Any]:
    data.setdefault("types", [])
    data.setdefault("notifications", 1)
    return data


# (type, version) → the function that brings such a payload to version + 1.
UPCASTERS: Final[Mapping[tuple[str, int], Upcaster]] = MappingProxyType(
    {
        (PARSE_SUSPECT, 1): _problems_of_v1,
        (DESIGNATION_REPORTED, 1): _reports_of_v1,
        (DESIGNATION_CORROBORATED, 1): _reports_of_v1,
        (TOPIC_REPORTED, 1): _reports_of_v1,
        (TOPIC_CORROBORATED, 1): _reports_of_v1,
        (NOTIFICATION_FAILED, 1): _notifications_of_v1,
        (NOTIFICATION_SENT, 1): lambda data: {"attempts": 1, **data},
    }
)
_FIELDS: Final = {cls: frozenset(f.name for f in fields(cls)) for cls in PAYLOADS.values()}


class PayloadError(ValueError):
    """A stored payload this release cannot read."""


def decode(event_type: str, data: Mapping[str, Any], version: int = SCHEMA_VERSION) -> Payload:
    """A stored payload (written with schema ``version``) as today's payload class."""
    type = event_type
    cls = PAYLOADS.get(type)
    if cls is None:
        raise PayloadError(f"unknown event type {type!r}")
    if version > SCHEMA_VERSION:
        raise PayloadError(
            f"a {type} event of schema version {version}: written by a newer monitor "
            f"(this one reads up to {SCHEMA_VERSION})"
        )
    values = dict(data)
    for step in range(version, SCHEMA_VERSION):
        upcast = UPCASTERS.get((type, step))
        if upcast is not None:
            values = upcast(values)
    known = _FIELDS[cls]
    try:
        return cls(**{k: v for k, v in values.items() if k in known})
    except TypeError as exc:
        raise PayloadError(f"a {type} event the log cannot read: {exc}") from exc


# --- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewEvent:
    """An event the pipeline wants recorded. ``stream`` scopes optimistic concurrency."""

    stream: str
    payload: Payload
    source: str | None = None

    @property
    def type(self) -> EventType:
        return self.payload.type


@dataclass(frozen=True)
class RecordedEvent:
    """An event as stored: its position in the log (``id``) and when it was recorded."""

    id: int
    stream: str
    version: int
    recorded_at: datetime
    source: str | None
    payload: Payload

    @property
    def type(self) -> EventType:
        return self.payload.type

    @property
    def alert_class(self) -> AlertClass | None:
        if getattr(self.payload, "baseline", False):
            return None
        return ALERT_CLASS.get(self.type)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "recorded_at": format_time(self.recorded_at),
            "source": self.source,
            "data": encode(self.payload),
        }


def document_of(payload: Payload) -> str | None:
    """The sha256 of the fetched document an event cites (None: it cites none)."""
    document = getattr(payload, "document", None)
    return document if isinstance(document, str) else None


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

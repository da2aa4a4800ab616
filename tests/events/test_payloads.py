"""Typed events: one payload class per type, stored as JSON with a schema version, upcast when read."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields

import pytest

from monitor.events import (
    EVENT_TYPES,
    PAYLOADS,
    SCHEMA_VERSION,
    EntryAdded,
    ParseSuspect,
    PayloadError,
    SourceRecovered,
    decode,
    encode,
)
from tests.factories import payload

# SPEC "The event log": the keys of ``data`` a user can rely on, per type.
SPEC_KEYS = {
    "entry_added": {"entry", "jurisdiction"},
    "entry_removed": {"entry", "jurisdiction"},
    "entry_changed": {"entry", "before", "jurisdiction"},
    "item_published": {"title", "url", "published", "guid"},
    "designation_reported": {
        "actor", "entity", "action", "title", "url", "published", "story", "evidence", "lang",
        "signals",
    },
    "designation_corroborated": {"story", "title", "url", "published"},
    "topic_reported": {"topic", "title", "url", "published", "story", "evidence", "lang", "signals"},
    "topic_corroborated": {"story", "title", "url", "published"},
    "designation_confirmed": {"story", "event", "source", "entity"},
    "source_failed": {"error"},
    "source_recovered": set(),
    "parse_suspect": {"expected", "found"},
    "notification_sent": {"channel", "events"},
    "notification_failed": {"channel", "events", "error"},
}  # fmt: skip


def test_every_type_has_one_payload_class_and_the_spec_keys() -> None:
    assert set(PAYLOADS) == set(EVENT_TYPES) == set(SPEC_KEYS)
    for kind, cls in PAYLOADS.items():
        assert cls.type == kind
        data = encode(payload(kind))
        assert SPEC_KEYS[kind] <= set(data), kind
        assert decode(kind, data) == payload(kind), kind  # encode and decode are inverses


def test_flags_are_written_only_when_set_so_the_json_stays_as_it_was() -> None:
    entry = {"key": "K", "name": "Taliban"}
    assert encode(EntryAdded(entry, "RU", document="d")) == {
        "entry": entry,
        "jurisdiction": "RU",
        "document": "d",
    }
    assert list(encode(EntryAdded(entry, "RU", baseline=True, document="d"))) == [
        "entry", "jurisdiction", "baseline", "document",
    ]  # fmt: skip
    assert encode(SourceRecovered()) == {}  # a fetch works again: nothing more to say
    assert encode(SourceRecovered("parse_suspect", False, "d")) == {
        "after": "parse_suspect",
        "accepted": False,
        "document": "d",
    }


def test_payloads_and_their_nested_values_are_immutable() -> None:
    added = EntryAdded({"key": "K", "aliases": ["a"]}, "RU")
    with pytest.raises(FrozenInstanceError):
        added.jurisdiction = "KZ"  # type: ignore[misc]
    with pytest.raises(TypeError):
        added.entry["key"] = "other"  # type: ignore[index]
    assert added.entry["aliases"] == ("a",)
    assert encode(added)["entry"] == {"key": "K", "aliases": ["a"]}  # plain JSON again


def test_older_payloads_are_upcast_when_read() -> None:
    """What releases before schema versions wrote (version 1) reads as today's payloads."""
    suspect = decode("parse_suspect", {"expected": 120, "found": 3, "document": "d"}, version=1)
    assert suspect == ParseSuspect(120, 3, ("found 3 entries where 120 were recorded",), "d")
    first = decode("parse_suspect", {"expected": None, "found": 0, "document": "d"}, version=1)
    assert isinstance(first, ParseSuspect) and first.problems == ("found no entries",)
    old_report = encode(payload("designation_reported"))
    for key in ("lang", "signals"):
        del old_report[key]
    report = decode("designation_reported", old_report, version=1)
    assert (report.lang, report.signals) == ("", {})  # type: ignore[union-attr]
    sent = decode("notification_sent", {"channel": "email", "events": [4, 5]}, version=1)
    assert sent == payload("notification_sent", {"events": [4, 5], "attempts": 1})
    # A version-1 payload that already has the newer keys keeps them.
    kept = decode("parse_suspect", encode(payload("parse_suspect", {"problems": ["x"]})), 1)
    assert isinstance(kept, ParseSuspect) and kept.problems == ("x",)


def test_what_cannot_be_read_says_why() -> None:
    with pytest.raises(PayloadError, match="newer monitor"):
        decode("entry_added", encode(payload("entry_added")), version=SCHEMA_VERSION + 1)
    with pytest.raises(PayloadError, match="unknown event type"):
        decode("entry_renamed", {})
    with pytest.raises(PayloadError, match="entry_added"):
        decode("entry_added", {"jurisdiction": "RU"})  # no entry


_ITEM = "title url published guid item_id "
_STORY = " evidence lang signals story story_key"
# The order of ``data``'s keys the log has always had: pinned, not derived from the classes
# (whose shared fields live in base classes).
JSON_ORDER = {
    "entry_added": "entry jurisdiction baseline accepted document",
    "entry_removed": "entry jurisdiction baseline accepted document",
    "entry_changed": "entry before jurisdiction baseline accepted document",
    "parse_suspect": "expected found problems document",
    "item_published": _ITEM + "summary content document",
    "designation_reported": _ITEM + "actor entity action watched" + _STORY,
    "designation_corroborated": _ITEM + "actor entity action watched" + _STORY,
    "topic_reported": _ITEM + "topic" + _STORY,
    "topic_corroborated": _ITEM + "topic" + _STORY,
    "designation_confirmed": "story event source entity",
    "source_failed": "error kind failures",
    "source_recovered": "after accepted document",
    "notification_sent": "channel events attempts",
    "notification_failed": "channel events error types notifications",
}


def test_json_order_is_the_order_the_log_has_always_had() -> None:
    """``monitor log --json`` prints keys in the order it printed them before types."""
    flags = dict(baseline=True, accepted=True, after="parse_suspect", kind="http", failures=3)
    for cls in PAYLOADS.values():
        names = {f.name for f in fields(cls)}
        data = encode(payload(cls.type, {k: v for k, v in flags.items() if k in names}))
        assert list(data) == JSON_ORDER[cls.type].split(), cls.type

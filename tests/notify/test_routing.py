"""Which events alert, and to which channels: pure routing rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from monitor.events import (
    DESIGNATION_CORROBORATED,
    DESIGNATION_REPORTED,
    ENTRY_ADDED,
    ENTRY_CHANGED,
    ENTRY_REMOVED,
    ITEM_PUBLISHED,
    NOTIFICATION_FAILED,
    NOTIFICATION_SENT,
    PARSE_SUSPECT,
    SOURCE_FAILED,
    SOURCE_RECOVERED,
    TOPIC_CORROBORATED,
    TOPIC_REPORTED,
    RecordedEvent,
)
from monitor.notify.routing import RoutingRules, alert_class, route
from tests.factories import recorded

NOW = datetime(2025, 4, 17, 9, 12, 3, tzinfo=UTC)
ALL = frozenset({"designation", "topic", "health"})
RULES = RoutingRules(channels=(("email", ALL), ("slack", frozenset({"designation", "topic"}))))
OPEN = {("email", k): 0 for k in ALL} | {("slack", k): 0 for k in ("designation", "topic")}
_ids = count(1)


def ev(
    kind: str, data: dict[str, Any] | None = None, *, source: str | None = "src", at: datetime = NOW
) -> RecordedEvent:
    return recorded(next(_ids), kind, data, source=source, at=at, stream=f"s:{source}")


def entry(kind: str, name: str, **extra: Any) -> RecordedEvent:
    return ev(kind, {"entry": {"key": name, "name": name}, "jurisdiction": "RU", **extra})


@pytest.mark.parametrize(
    "kind", [ITEM_PUBLISHED, DESIGNATION_CORROBORATED, TOPIC_CORROBORATED, NOTIFICATION_SENT]
)
def test_corroborations_items_and_receipts_never_alert(kind: str) -> None:
    event = ev(kind, {"story": "s", "title": "t", "url": "u", "channel": "email", "events": [1]})
    assert alert_class(event, RULES) is None
    assert route([event], RULES, OPEN) == []


def test_baselines_never_alert_and_list_changes_always_do() -> None:
    watching = RoutingRules(channels=RULES.channels, watched_only=True)
    assert alert_class(entry(ENTRY_ADDED, "A", baseline=True), watching) is None
    for kind in (ENTRY_ADDED, ENTRY_REMOVED, ENTRY_CHANGED):
        assert alert_class(entry(kind, "Not watched at all"), watching) == "designation"


def test_watches_narrow_news_reports_only() -> None:
    watched = ev(DESIGNATION_REPORTED, {"entity": "Taliban", "watched": True})
    other = ev(DESIGNATION_REPORTED, {"entity": "Someone", "watched": False})
    assert alert_class(other, RULES) == "designation"  # no [[watch]]: every entity
    narrowed = RoutingRules(channels=RULES.channels, watched_only=True)
    assert alert_class(watched, narrowed) == "designation"
    assert alert_class(other, narrowed) is None


def test_max_age_at_recording_time_global_and_per_source() -> None:
    old = (NOW - timedelta(days=4)).isoformat()
    fresh = (NOW - timedelta(days=1)).isoformat()
    rules = RoutingRules(
        channels=RULES.channels,
        default_max_age=3 * 86400,
        max_age={"patient": None, "strict": 3600.0},
    )
    for kind in (DESIGNATION_REPORTED, TOPIC_REPORTED):
        assert alert_class(ev(kind, {"published": old}), rules) is None
        assert alert_class(ev(kind, {"published": fresh}), rules) is not None
        assert alert_class(ev(kind, {"published": old}, source="patient"), rules) is not None
        assert alert_class(ev(kind, {"published": fresh}, source="strict"), rules) is None
        assert alert_class(ev(kind, {"published": ""}), rules) is not None  # undated: alert
    # Without max_age, publication dates do not matter.
    assert (
        alert_class(ev(DESIGNATION_REPORTED, {"published": "1999-01-01"}), RULES) == "designation"
    )


def test_one_poll_of_one_list_is_one_notification_per_channel() -> None:
    changes = [entry(ENTRY_ADDED, f"E{i}") for i in range(300)] + [entry(ENTRY_REMOVED, "Gone")]
    later = ev(
        ENTRY_CHANGED,
        {"entry": {"key": "X", "name": "X"}, "before": {}},
        at=NOW + timedelta(hours=6),
    )
    other_list = ev(ENTRY_ADDED, {"entry": {"key": "Y", "name": "Y"}}, source="other")
    stories = [
        ev(DESIGNATION_REPORTED, {"entity": "T"}),
        ev(TOPIC_REPORTED, {"topic": "Moscow Format"}),
    ]
    owed = route([*changes, later, other_list, *stories], RULES, OPEN)
    by_channel: dict[str, list[list[int]]] = {}
    for o in owed:
        by_channel.setdefault(o.channel, []).append(o.events)
    assert by_channel["email"] == by_channel["slack"]
    groups = by_channel["email"]
    assert groups[0] == [e.id for e in changes]  # 301 changes, one message
    assert groups[1:] == [[later.id], [other_list.id], [stories[0].id], [stories[1].id]]
    assert [o.kind for o in owed if o.channel == "email"] == [
        "entries",
        "entries",
        "entries",
        "report",
        "topic",
    ]


def test_health_goes_to_health_channels_and_a_failed_channel_is_never_told() -> None:
    rules = RoutingRules(
        channels=(("email", ALL), ("slack", ALL), ("chat", frozenset({"designation"})))
    )
    horizon = {(c, k): 0 for c, ks in rules.channels for k in ks}
    for kind in (SOURCE_FAILED, SOURCE_RECOVERED, PARSE_SUSPECT):
        assert sorted(o.channel for o in route([ev(kind)], rules, horizon)) == ["email", "slack"]
    failed = ev(
        NOTIFICATION_FAILED,
        {"channel": "slack", "events": [1, 2], "types": [ENTRY_ADDED]},
        source=None,
    )
    assert [o.channel for o in route([failed], rules, horizon)] == ["email"]
    # A failed health alert about a failed delivery stops there: no ping-pong between channels.
    echo = ev(
        NOTIFICATION_FAILED,
        {"channel": "email", "events": [failed.id], "types": [NOTIFICATION_FAILED]},
        source=None,
    )
    assert route([echo], rules, horizon) == []


def test_a_channel_owes_nothing_before_its_horizon() -> None:
    first, second = entry(ENTRY_ADDED, "A"), ev(DESIGNATION_REPORTED, {"entity": "T"})
    horizon = {("email", "designation"): first.id, ("slack", "designation"): 0}
    owed = route([first, second], RULES, horizon)
    assert sorted((o.channel, o.first_event) for o in owed) == sorted(
        [("slack", first.id), ("email", second.id), ("slack", second.id)]
    )
    assert route([first], RULES, {}) == []  # a channel never seen enabled owes nothing

"""What messages say, for every kind of alert (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from monitor.events import (
    ENTRY_ADDED,
    ENTRY_CHANGED,
    NOTIFICATION_FAILED,
    PARSE_SUSPECT,
    SOURCE_FAILED,
    SOURCE_RECOVERED,
    TOPIC_REPORTED,
    RecordedEvent,
)
from monitor.notify.render import MessageContext, SourceInfo, render
from monitor.store.deliveries import StoryReach
from tests.factories import recorded

AT = datetime(2025, 4, 17, 9, 12, 3, 123456, tzinfo=UTC)
FSB = SourceInfo(
    id="ru-fsb", label="FSB terrorist list", url="http://www.fsb.ru/terror.htm", jurisdiction="RU"
)


def ev(i: int, kind: str, data: dict[str, Any], source: str | None = "ru-fsb") -> RecordedEvent:
    return recorded(i, kind, data, source=source, at=AT)


def test_health_messages() -> None:
    sources = {"ru-fsb": FSB}
    failed = render(
        MessageContext(
            "health", [ev(7, SOURCE_FAILED, {"error": "HTTP 503", "failures": 3})], sources
        )
    )
    assert failed.title == "Source failing: FSB terrorist list" and failed.notify_type == "failure"
    assert "Error: HTTP 503" in failed.text and "2025-04-17T09:12:03Z" in failed.text
    assert "monitor show 7" in failed.text
    back = render(
        MessageContext("health", [ev(8, SOURCE_RECOVERED, {"after": PARSE_SUSPECT})], sources)
    )
    assert (
        back.title == "Source recovered: FSB terrorist list"
        and "parses normally again" in back.text
    )
    suspect = render(
        MessageContext("health", [ev(9, PARSE_SUSPECT, {"expected": 120, "found": 3})], sources)
    )
    assert "parsed to 3 entries" in suspect.title and "monitor accept ru-fsb" in suspect.text


def test_delivery_failure_lists_what_was_missed() -> None:
    lost = ev(3, ENTRY_ADDED, {"entry": {"key": "Delta", "name": "Delta"}, "jurisdiction": "RU"})
    failure = ev(
        10,
        NOTIFICATION_FAILED,
        {"channel": "slack", "events": [3], "error": "HTTP 500", "notifications": 1},
        None,
    )
    message = render(MessageContext("health", [failure], reported={3: lost}))
    assert message.title == "Delivery failed: slack could not deliver 1 alert"
    assert "#3 entry_added: added Delta" in message.text and "HTTP 500" in message.text


def test_topic_message_and_resend_note() -> None:
    item = ev(
        11,
        TOPIC_REPORTED,
        {
            "topic": "Moscow Format",
            "title": "Moscow Format consultations on Afghanistan open in Kazan",
            "url": "https://news.example.org/mf",
            "published": "2025-09-29T08:00:00+03:00",
            "story": "topic:mf:1",
            "evidence": "The Moscow Format meeting opened on Monday.",
        },
        source="wire",
    )
    ctx = MessageContext(
        "topic", [item], stories={"topic:mf:1": StoryReach("topic:mf:1", 1, ())}, unconfirmed=True
    )
    message = render(ctx)
    assert (
        message.title == "Moscow Format: Moscow Format consultations on Afghanistan open in Kazan"
    )
    assert "Published: 2025-09-29T05:00:00Z" in message.text  # UTC
    assert "Corroboration: no other outlet yet" in message.text
    assert '"The Moscow Format meeting opened on Monday."' in message.text
    assert "may have arrived already" in message.text and "may have arrived already" in message.html
    assert "[https://news.example.org/mf](<https://news.example.org/mf>)" in message.markdown


def test_a_huge_list_change_is_one_short_message() -> None:
    events = [
        ev(i, ENTRY_ADDED, {"entry": {"key": f"E{i}", "name": f"E{i}"}, "jurisdiction": "RU"})
        for i in range(1, 501)
    ]
    message = render(MessageContext("entries", events, {"ru-fsb": FSB}))
    assert message.title == "Russia: 500 changes on FSB terrorist list — 500 added"
    assert "… and 400 more (see monitor log --source ru-fsb)" in message.text
    assert "… and 485 more" in message.markdown
    assert len(message.markdown) < 3000  # fits one Slack message


def test_an_added_entry_lists_its_fields_and_a_changed_one_what_changed() -> None:
    """Only an amendment shows before → after; a new or removed entry shows its fields."""
    added = ev(
        1,
        ENTRY_ADDED,
        {"entry": {"key": "QDe.160", "name": "Tariq Gidar Group", "listed_on": "2019-03-22"}},
    )
    changed = ev(
        2,
        ENTRY_CHANGED,
        {
            "entry": {"key": "K", "name": "Taliban", "decision": "Court A; suspended 2025"},
            "before": {"key": "K", "name": "Taliban", "decision": "Court A"},
        },
    )
    text = render(MessageContext("entries", [added, changed], {"ru-fsb": FSB})).text
    assert "listed_on: 2019-03-22" in text and "(empty)" not in text
    assert "decision: “Court A” → “Court A; suspended 2025”" in text

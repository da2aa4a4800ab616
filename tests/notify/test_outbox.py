"""The outbox on SQLite and PostgreSQL: written with the event, settled by the log, rebuilt by
replay, claimed by one worker at a time, and fair to channels added or removed later."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.app import App
from monitor.clock import utcnow
from monitor.config import load_settings
from monitor.events import (
    ENTRY_ADDED,
    ENTRY_CHANGED,
    ENTRY_REMOVED,
    ITEM_PUBLISHED,
    SOURCE_FAILED,
    NewEvent,
)
from monitor.store.projections import replay as replay_module
from monitor.store.projections.replay import replay
from tests.factories import event
from tests.notify.conftest import append, channel, report_events, write

EMAIL = channel("email", "json://127.0.0.1:9/email")
SLACK = channel("slack", "json://127.0.0.1:9/slack", '["designation", "topic"]')


def list_changes(source: str = "fsb", n: int = 3) -> list[NewEvent]:
    kinds = [ENTRY_ADDED, ENTRY_REMOVED, ENTRY_CHANGED]
    return [
        event(
            kinds[i % 3],
            f"source:{source}",
            {"entry": {"key": f"E{i}", "name": f"E{i}"}, "before": {}, "jurisdiction": "RU"},
            source=source,
        )
        for i in range(n)
    ]


def rows(app: App) -> list[tuple[str, str, list[int]]]:
    return [(r.channel, r.kind, list(r.events)) for r in app.store.deliveries.owed()]


def make_app(tmp_path: Path, store_url: str, body: str) -> App:
    return App(load_settings(write(tmp_path, body, store=store_url)))


def test_owed_rows_settle_and_replay_rebuilds_them(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path, store_url, EMAIL + SLACK)
    try:
        group = append(app.store, list_changes())
        story = append(app.store, report_events())
        append(
            app.store,
            [event(ITEM_PUBLISHED, "source:wire", {"title": "t", "item_id": "i1"}, source="wire")],
        )
        append(app.store, [event(SOURCE_FAILED, "source:fsb", {"error": "timeout"}, source="fsb")])
        failure = app.store.last_position()
        assert sorted(rows(app)) == sorted(
            [
                ("email", "entries", group),
                ("email", "report", story[:1]),
                ("email", "health", [failure]),
                ("slack", "entries", group),
                ("slack", "report", story[:1]),
            ]
        )
        now = utcnow()
        deliveries = app.store.deliveries
        deliveries.reconcile()
        sent = deliveries.claim(channel="email", worker="w:1", now=now, lease=60)
        assert sent is not None and list(sent.events) == group
        deliveries.record_sent(sent, now=now)
        doomed = deliveries.claim(channel="slack", worker="w:1", now=now, lease=60)
        assert doomed is not None
        failed = deliveries.record_failure(
            doomed,
            now=now,
            outcome="failed",
            may_have_arrived=False,
            error="HTTP 500",
            retry_at=now,
            give_up_after=0,
        )
        assert failed is not None and failed.stream == "channel:slack" and failed.source is None
        assert sorted(failed.payload.events) == sorted(group + story[:1])  # both given up at once
        assert failed.payload.notifications == 2
        assert sorted(rows(app)) == sorted(
            [
                ("email", "report", story[:1]),
                ("email", "health", [failure]),
                ("email", "health", [failed.id]),  # told about slack; slack itself is not
            ]
        )
        assert replay(app.store).matches
        monkeypatch.setattr(replay_module, "BATCH", 2)  # a replay batch splits the poll group
        assert replay(app.store).matches
        assert replay(app.store, write=True).matches
        assert sorted(rows(app))[0][0] == "email" and len(rows(app)) == 3
    finally:
        app.close()


def test_claims_are_exclusive(tmp_path: Path, store_url: str) -> None:
    app = make_app(tmp_path, store_url, EMAIL)
    try:
        for i in range(20):
            append(app.store, list_changes(source=f"list-{i}", n=1))
        deliveries = app.store.deliveries
        deliveries.reconcile()
        claimed: dict[str, list[int]] = {"w:1": [], "w:2": []}
        start = threading.Barrier(2)

        def work(worker: str) -> None:
            start.wait()
            while item := deliveries.claim(channel="email", worker=worker, now=utcnow(), lease=60):
                claimed[worker].append(item.first_event)

        threads = [threading.Thread(target=work, args=(w,)) for w in claimed]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        both = claimed["w:1"] + claimed["w:2"]
        assert len(both) == 20 and len(set(both)) == 20
        # A live lease keeps the row from everyone else until it expires.
        later = utcnow() + timedelta(seconds=30)
        assert deliveries.claim(channel="email", worker="w:3", now=later, lease=60) is None
        item = deliveries.claim(
            channel="email", worker="w:3", now=later + timedelta(minutes=2), lease=60
        )
        assert item is not None
    finally:
        app.close()


def test_a_new_channel_owes_no_history_and_a_removed_one_nothing(
    tmp_path: Path, store_url: str
) -> None:
    app = make_app(tmp_path, store_url, EMAIL)
    try:
        old = append(app.store, list_changes())
    finally:
        app.close()
    app = make_app(tmp_path, store_url, EMAIL + SLACK)  # slack added later
    try:
        new = append(app.store, report_events())[:1]
        assert sorted(rows(app)) == sorted(
            [("email", "entries", old), ("email", "report", new), ("slack", "report", new)]
        )
        assert replay(app.store).matches, "replay does not make the new channel owe the history"
    finally:
        app.close()
    app = make_app(tmp_path, store_url, SLACK)  # email removed
    try:
        app.deliver_now()  # the delivering process forgets what the removed channel was owed
        left = Counter(n.channel for n in app.store.deliveries.owed())
        assert left == {"slack": 1}
        assert replay(app.store).matches
    finally:
        app.close()

"""Email through a real SMTP server on 127.0.0.1: a list change and a news story, HTML + text."""

from __future__ import annotations

import json
import re
from pathlib import Path

from monitor.app import App
from monitor.config import load_settings
from tests.notify.conftest import (
    AFTER,
    ListServer,
    Mailbox,
    append,
    channel,
    parts,
    report_events,
    write,
)


def test_list_change_mail(tmp_path: Path, smtp: Mailbox, list_server: ListServer, invoke) -> None:
    config = write(tmp_path, list_server.source + channel("email", smtp.url))
    assert invoke(config, "poll", "ru-test-list").code == 0
    assert smtp.wait_for(1, timeout=0.5) == [], "a baseline never alerts"

    list_server.rows = list(AFTER)
    result = invoke(config, "poll", "ru-test-list")
    assert result.code == 0, result
    [message] = smtp.wait_for(1)
    events = [json.loads(x) for x in invoke(config, "log", "--json").out.splitlines()]
    changes = {
        e["type"]: e
        for e in events
        if not e["data"].get("baseline") and e["type"].startswith("entry_")
    }
    assert set(changes) == {"entry_added", "entry_removed", "entry_changed"}
    first = min(e["id"] for e in changes.values())

    assert (
        message["Subject"]
        == "Russia: 3 changes on FSB terrorist list — 1 added, 1 removed, 1 amended"
    )
    text, html = parts(message)
    for body in (text, html.replace("&amp;", "&")):
        assert "What changed:" in body
        assert "Russia (RU)" in body
        assert "FSB terrorist list (ru-test-list)" in body
        assert list_server.url in body
        assert re.search(r"First seen:\S*\s*\S*\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body)
        assert "added: Delta Network" in body
        assert "removed: Taliban" in body
        assert "amended: Alpha Front" in body
        assert "decision: “Court A, 2003” → “Court A, 2003; appeal 2024”" in body  # before → after
        assert "Supreme Court, 14.02.2003" in body  # the removed entry's fields
        assert f"monitor show {first}" in body
        for e in changes.values():
            assert f"#{e['id']}" in body
    assert "<b>Actor:</b>" in html and "<a href=" in html

    # Delivered once, recorded in the log; another poll of the same page sends nothing.
    assert invoke(config, "poll", "ru-test-list").code == 0
    assert len(smtp.wait_for(2, timeout=0.5)) == 1
    sent = [e for e in events if e["type"] == "notification_sent"]
    assert [(s["data"]["channel"], sorted(s["data"]["events"])) for s in sent] == [
        ("email", sorted(e["id"] for e in changes.values()))
    ]


def test_news_story_mail(tmp_path: Path, smtp: Mailbox) -> None:
    config = write(tmp_path, channel("email", smtp.url))
    app = App(load_settings(config))
    try:
        ids = append(app.store, report_events())
        report = app.deliver_now()
    finally:
        app.close()
    assert report.sent == 1
    [message] = smtp.wait_for(1)
    assert message["Subject"] == "Russia: Taliban — removal from terrorist list announced"
    text, html = parts(message)
    for body in (text, html.replace("&amp;", "&")):
        assert (
            "A news report says Russia announced it will remove Taliban from its terrorist list."
            in body
        )
        assert "Actor:" in body and "Russia (RU)" in body
        assert "Entity:" in body and "Taliban (watched)" in body
        assert "announced_removal" in body
        assert "tass-en" in body
        assert "https://tass.example.org/politics/1" in body
        assert "2025-04-17T08:55:00Z" in body  # published
        assert re.search(r"First seen:\S*\s*\S*\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body)
        assert "2 other reports (reuters-world, rferl)" in body
        assert "principal decision has been made to remove the Taliban" in body
        assert f"monitor show {ids[0]}" in body

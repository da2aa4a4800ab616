"""Slack (apprise's plugin, captured with ``responses``) and a generic webhook on a real server."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import responses
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.app import App
from monitor.config import load_settings
from tests.notify.conftest import AFTER, ListServer, append, channel, report_events, write

SLACK = "https://hooks.slack.com/services/T0TEST001/B0TEST002/s3cretW3bhookT0ken42xyz"


def _deliver_story_and_list(tmp_path: Path, list_server: ListServer, channels: str) -> App:
    app = App(load_settings(write(tmp_path, list_server.source + channels)))
    app.poll_now(app.sources())  # baseline
    list_server.rows = list(AFTER)
    app.poll_now(app.sources())
    append(app.store, report_events())
    return app


def test_slack_payload_carries_the_facts(tmp_path: Path, list_server: ListServer) -> None:
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, SLACK, body="ok", status=200)
        app = _deliver_story_and_list(tmp_path, list_server, channel("slack", SLACK))
        try:
            report = app.deliver_now()
        finally:
            app.close()
        payloads = [json.loads(call.request.body) for call in mock.calls]
    assert report.sent == 2 and len(payloads) == 2
    by_title = {p["attachments"][0]["title"]: p for p in payloads}
    assert set(by_title) == {
        "Russia: 3 changes on FSB terrorist list — 1 added, 1 removed, 1 amended",
        "Russia: Taliban — removal from terrorist list announced",
    }
    story = by_title["Russia: Taliban — removal from terrorist list announced"]
    assert story["mrkdwn"] is True
    text = story["attachments"][0]["text"]
    assert "*What changed:* A news report says Russia announced it will remove Taliban" in text
    assert "*Actor:* Russia (RU)" in text
    assert "*Entity:* Taliban (watched)" in text
    assert "(announced_removal)" in text
    assert "*Source:* tass-en" in text
    assert "<https://tass.example.org/politics/1|https://tass.example.org/politics/1>" in text
    assert "*Published:* 2025-04-17T08:55:00Z" in text
    assert "*First seen:* 20" in text
    assert "2 other reports (reuters-world, rferl)" in text
    assert "> A principal decision has been made to remove the Taliban" in text
    assert "monitor show " in text

    changes = by_title["Russia: 3 changes on FSB terrorist list — 1 added, 1 removed, 1 amended"]
    text = changes["attachments"][0]["text"]
    assert "*Actor:* Russia (RU)" in text
    assert "- removed: Taliban" in text and "- added: Delta Network" in text
    assert "decision: “Court A, 2003” → “Court A, 2003; appeal 2024”" in text


def test_slack_text_cannot_mention_everyone(tmp_path: Path) -> None:
    """Headlines come from the outside: ``<!channel>`` in one must not ping a Slack channel."""
    config = write(tmp_path, channel("slack", SLACK))
    events = report_events()
    hostile = "Breaking <!channel> & <@U123> <https://evil.example|click>"
    events[0] = replace(events[0], payload=replace(events[0].payload, title=hostile))
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, SLACK, body="ok", status=200)
        app = App(load_settings(config))
        try:
            append(app.store, events[:1])
            app.deliver_now()
        finally:
            app.close()
        text = json.loads(mock.calls[0].request.body)["attachments"][0]["text"]
    assert "<!channel>" not in text and "<@U123>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in text


def test_generic_webhook_on_a_real_server(
    tmp_path: Path, list_server: ListServer, httpserver: HTTPServer
) -> None:
    received: list[dict[str, Any]] = []

    def hook(request: Request) -> Response:
        received.append(json.loads(request.data))
        return Response("ok")

    httpserver.expect_request("/hooks/monitor", method="POST").respond_with_handler(hook)
    url = f"json://127.0.0.1:{httpserver.port}/hooks/monitor"
    app = _deliver_story_and_list(tmp_path, list_server, channel("webhook", url))
    try:
        report = app.deliver_now()
    finally:
        app.close()
    assert report.sent == 2
    titles = sorted(r["title"] for r in received)
    assert titles == [
        "Russia: 3 changes on FSB terrorist list — 1 added, 1 removed, 1 amended",
        "Russia: Taliban — removal from terrorist list announced",
    ]
    story = next(r for r in received if "Taliban —" in r["title"])
    assert story["type"] == "warning"
    for fact in (
        "Actor: Russia (RU)",
        "Entity: Taliban (watched)",
        "Link: https://tass.example.org/politics/1",
        "Corroboration: 2 other reports (reuters-world, rferl)",
        '"A principal decision has been made',
        "monitor show ",
    ):
        assert fact in story["message"], fact

"""A channel that is down: retried with backoff, delivered once when it is back; others on time."""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.app import App
from monitor.config import load_settings
from monitor.notify.dispatch import DeliveryReport
from tests.notify.conftest import (
    AFTER,
    FAST_RETRIES,
    ListServer,
    Mailbox,
    append,
    channel,
    report_events,
    write,
)


def test_webhook_down_five_times_gets_the_alert_once(
    tmp_path: Path, smtp: Mailbox, list_server: ListServer, httpserver: HTTPServer, invoke
) -> None:
    attempts: list[float] = []
    accepted: list[dict] = []

    def hook(request: Request) -> Response:
        attempts.append(time.monotonic())
        if len(attempts) <= 5:
            return Response("down for maintenance", status=500)
        accepted.append(json.loads(request.data))
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(hook)
    webhook = f"json://127.0.0.1:{httpserver.port}/hook"
    config = write(
        tmp_path,
        FAST_RETRIES + list_server.source + channel("email", smtp.url) + channel("hook", webhook),
    )
    app = App(load_settings(config))
    try:
        app.poll_now(app.sources())
        list_server.rows = list(AFTER)
        app.poll_now(app.sources())

        first = app.deliver_now()
        assert first.channels["email"].sent == 1, "email does not wait for the webhook"
        assert first.channels["hook"].retrying == 1 and len(attempts) == 1
        assert len(smtp.wait_for(1)) == 1
        status = {
            r["channel"]: r
            for r in map(json.loads, invoke(config, "deliveries", "--json").out.splitlines())
        }
        assert status["hook"]["state"] == "failing" and status["hook"]["pending"] == 1
        assert "500" in (status["hook"]["last_error"] or "")
        assert status["email"]["sent"] == 1 and status["email"]["pending"] == 0

        deadline = time.monotonic() + 20
        while not accepted and time.monotonic() < deadline:
            time.sleep(0.02)
            app.deliver_now()
        for _ in range(5):  # later passes send nothing more
            time.sleep(0.05)
            app.deliver_now()
    finally:
        app.close()

    assert len(attempts) == 6 and len(accepted) == 1
    assert accepted[0]["title"].startswith("Russia: 3 changes on FSB terrorist list")
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert all(g >= 0.02 for g in gaps), gaps  # backoff, not a tight loop
    assert len(smtp.messages) == 1
    log = [
        json.loads(x)
        for x in invoke(config, "log", "--json", "--type", "notification_sent").out.splitlines()
    ]
    assert sorted((e["data"]["channel"], e["data"]["attempts"]) for e in log) == [
        ("email", 1),
        ("hook", 6),
    ]
    assert all(e["source"] is None for e in log)
    assert invoke(config, "replay").code == 0


def test_a_hanging_channel_does_not_delay_new_alerts_elsewhere(
    tmp_path: Path, smtp: Mailbox, httpserver: HTTPServer
) -> None:
    release = threading.Event()

    def hang(_request: Request) -> Response:
        release.wait(20)
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(hang)
    webhook = f"json://127.0.0.1:{httpserver.port}/hook?rto=20"
    config = write(
        tmp_path,
        '[delivery]\ntimeout = "20s"\n' + channel("email", smtp.url) + channel("hook", webhook),
    )
    app = App(load_settings(config))
    try:
        append(app.store, report_events()[:1])
        reports: list[DeliveryReport] = []
        delivering = threading.Thread(target=lambda: reports.append(app.deliver_now()))
        delivering.start()
        assert len(smtp.wait_for(1)) == 1  # the first alert by email, while the hook hangs
        second = report_events(story="designation:RU:Taliban:removed:2")[:1]
        append(app.store, second)
        # (apprise spaces emails to one channel 5.5 s apart: its own SMTP rate limit)
        assert len(smtp.wait_for(2, timeout=15)) == 2
        assert delivering.is_alive(), "the new alert went out while the hook still hung"
        release.set()
        delivering.join(30)
    finally:
        release.set()
        app.close()
    assert reports[0].channels["email"].sent == 2
    assert reports[0].channels["hook"].sent >= 1

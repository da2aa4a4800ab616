"""How soon an owed alert goes out once its channel is back: the SPEC's ``[delivery] retry_max``
(5 minutes by default) bounds every wait between two attempts, and a send that hangs past the
delivery timeout is *unknown* (it may have arrived), not failed.

The dispatcher runs on an injected clock and random source: each pass happens at the moment the
previous one said the outbox is next due, so no test waits for a backoff.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.app import App
from monitor.clock import utcnow
from monitor.config import load_settings
from monitor.notify.dispatch import Dispatcher
from monitor.notify.render import RESEND_NOTE
from tests.notify.conftest import append, channel, report_events, write

RETRY_BASE = 30.0  # the default [delivery] retry_base
RETRY_MAX = 300.0  # the SPEC's default [delivery] retry_max


class Hook:
    """A webhook on the test server that answers with the status ``answer`` gives, and notes
    the injected clock's time of every request."""

    def __init__(self, httpserver: HTTPServer, clock: Callable[[], datetime]) -> None:
        self.answer: Callable[[], int] = lambda: 200
        self.requests: list[datetime] = []
        self.accepted: list[dict] = []

        def handle(request: Request) -> Response:
            self.requests.append(clock())
            status = self.answer()
            if status == 200:
                self.accepted.append(json.loads(request.data))
            return Response("ok" if status == 200 else "down", status=status)

        httpserver.expect_request("/hook", method="POST").respond_with_handler(handle)
        self.url = f"json://127.0.0.1:{httpserver.port}/hook"


def deliver_until_accepted(
    app: App, hook: Hook, now: list[datetime], rand: Callable[[], float], passes: int = 200
) -> None:
    """Delivery passes, each at the time the previous one set as next due, until the hook
    accepts the alert."""
    dispatcher = Dispatcher(
        app.settings, app.store, worker=app.worker, clock=lambda: now[0], rand=rand
    )
    for _ in range(passes):
        report = asyncio.run(dispatcher.run())
        if hook.accepted:
            return
        assert report.next_due is not None, "the alert is still owed"
        now[0] = max(now[0], report.next_due)
    raise AssertionError(f"not delivered after {passes} passes: {hook.requests}")


def seconds_after(start: datetime, moments: list[datetime]) -> list[float]:
    return [(m - start).total_seconds() for m in moments]


def test_retry_max_defaults_to_five_minutes(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, channel("hook", "json://127.0.0.1:9/hook")))
    assert settings.delivery.retry_max == RETRY_MAX
    assert settings.delivery.retry_base == RETRY_BASE


def test_a_webhook_down_five_times_gets_its_alert_on_the_specs_schedule(
    tmp_path: Path, httpserver: HTTPServer, invoke
) -> None:
    now: list[datetime] = []
    hook = Hook(httpserver, lambda: now[0])
    hook.answer = lambda: 500 if len(hook.requests) <= 5 else 200
    config = write(tmp_path, channel("hook", hook.url))
    app = App(load_settings(config))
    try:
        append(app.store, report_events()[:1])
        now.append(utcnow())  # the alert is owed from now on
        start = now[0]
        # The longest waits equal jitter allows: base doubling per attempt, capped at retry_max.
        deliver_until_accepted(app, hook, now, rand=lambda: 1.0)
    finally:
        app.close()
    waits = [min(RETRY_MAX, RETRY_BASE * 2**n) for n in range(5)]  # 30, 60, 120, 240, 300
    assert waits[-1] == RETRY_MAX
    expected = [0.0, *itertools.accumulate(waits)]  # 0, 30, 90, 210, 450, 750
    assert seconds_after(start, hook.requests) == expected
    assert len(hook.accepted) == 1
    sent = [
        json.loads(x)
        for x in invoke(config, "log", "--json", "--type", "notification_sent").out.splitlines()
    ]
    assert [e["data"]["attempts"] for e in sent] == [6]


def test_after_a_long_outage_no_wait_exceeds_retry_max(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    now: list[datetime] = []
    hook = Hook(httpserver, lambda: now[0])
    hook.answer = lambda: 200 if now[0] >= back_at else 503
    app = App(load_settings(write(tmp_path, channel("hook", hook.url))))
    try:
        append(app.store, report_events()[:1])
        now.append(utcnow())
        back_at = now[0] + timedelta(hours=3)
        deliver_until_accepted(app, hook, now, rand=random.Random(7).random)
    finally:
        app.close()
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(hook.requests)]
    assert max(gaps) <= RETRY_MAX, gaps
    assert hook.requests[-1] - back_at <= timedelta(seconds=RETRY_MAX)
    assert len(hook.accepted) == 1


def test_a_webhook_that_hangs_past_the_timeout_is_unknown_and_its_retry_may_repeat(
    tmp_path: Path, httpserver: HTTPServer, invoke
) -> None:
    """apprise's own read timeout (4 s) must not turn a hang inside ``[delivery] timeout``
    into a definite failure: the receiver may still take the message."""
    release = threading.Event()
    received: list[dict] = []

    def hang_then_accept(request: Request) -> Response:
        release.wait(30)
        received.append(json.loads(request.data))
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(hang_then_accept)
    url = f"json://127.0.0.1:{httpserver.port}/hook"
    config = write(tmp_path, '[delivery]\ntimeout = "6s"\n' + channel("hook", url))
    app = App(load_settings(config))
    try:
        append(app.store, report_events()[:1])
        now = [utcnow()]
        dispatcher = Dispatcher(
            app.settings, app.store, worker=app.worker, clock=lambda: now[0], rand=lambda: 1.0
        )
        first = asyncio.run(dispatcher.run())
        assert first.channels["hook"].retrying == 1 and first.sent == 0
        [status] = [json.loads(x) for x in invoke(config, "deliveries", "--json").out.splitlines()]
        [owed] = status["notifications"]
        assert owed["unconfirmed"] is True, owed
        assert "may have arrived" in owed["last_error"] and "may repeat" in owed["last_error"]
        release.set()  # the receiver answers the abandoned send after all: it did arrive
        deadline = time.monotonic() + 15
        while not received:
            assert time.monotonic() < deadline, "the abandoned send never arrived"
            time.sleep(0.05)
        assert first.next_due is not None
        now[0] = first.next_due
        second = asyncio.run(dispatcher.run())
        assert second.sent == 1
    finally:
        release.set()
        app.close()
    assert len(received) == 2
    assert RESEND_NOTE not in received[0]["message"] and RESEND_NOTE in received[1]["message"]

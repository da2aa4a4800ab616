"""Delivery outcomes: unconfirmed sends, giving up, channels that are off, ``notify-test``."""

from __future__ import annotations

import json
import time
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.app import App
from monitor.config import load_settings
from monitor.notify.attempts import backoff
from monitor.notify.render import RESEND_NOTE
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

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Russia to remove Taliban from terrorist list</title><link>https://n.example.org/1</link>
<guid>n1</guid><pubDate>Thu, 17 Apr 2025 08:00:00 GMT</pubDate></item>
</channel></rss>"""


def events(invoke, config: Path, kind: str) -> list[dict]:
    return [json.loads(x) for x in invoke(config, "log", "--json", "--type", kind).out.splitlines()]


def test_backoff_is_exponential_capped_and_jittered() -> None:
    assert [backoff(n, 30, 3600, rand=lambda: 1.0) for n in (1, 2, 3, 8, 20)] == [
        30,
        60,
        120,
        3600,
        3600,
    ]
    assert backoff(1, 30, 3600, rand=lambda: 0.0) == 15  # equal jitter: at least half


def test_a_timed_out_send_is_unknown_and_its_retry_says_so(
    tmp_path: Path, httpserver: HTTPServer, invoke
) -> None:
    received: list[dict] = []
    slow = {"seconds": 1.5}

    def hook(request: Request) -> Response:
        time.sleep(slow["seconds"])
        received.append(json.loads(request.data))
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(hook)
    url = f"json://127.0.0.1:{httpserver.port}/hook"
    config = write(tmp_path, FAST_RETRIES.replace('"5s"', '"0.3s"') + channel("hook", url))
    app = App(load_settings(config))
    try:
        append(app.store, report_events()[:1])
        first = app.deliver_now()
        assert first.channels["hook"].retrying == 1 and first.sent == 0
        status = json.loads(invoke(config, "deliveries", "--json").out)
        [owed] = status["notifications"]
        assert owed["unconfirmed"] is True and "unconfirmed" in owed["last_error"]
        time.sleep(1.5)  # the send apprise stopped waiting for does arrive
        slow["seconds"] = 0
        deadline = time.monotonic() + 10
        while app.deliver_now().sent == 0:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        app.close()
    # Retried rather than risk losing it: the receiver may see it twice, told so the second time.
    assert len(received) == 2
    assert RESEND_NOTE not in received[0]["message"] and RESEND_NOTE in received[1]["message"]
    [sent] = events(invoke, config, "notification_sent")
    assert sent["data"]["attempts"] == 2


def test_giving_up_tells_the_other_channels_once(
    tmp_path: Path, httpserver: HTTPServer, smtp: Mailbox, list_server: ListServer, invoke
) -> None:
    hits: list[float] = []
    httpserver.expect_request("/hook", method="POST").respond_with_handler(
        lambda _r: hits.append(time.monotonic()) or Response("no", status=503)  # type: ignore[func-returns-value]
    )
    url = f"json://127.0.0.1:{httpserver.port}/hook"
    config = write(
        tmp_path,
        FAST_RETRIES
        + 'give_up_after = "1s"\n'
        + list_server.source
        + channel("email", smtp.url)
        + channel("hook", url),
    )
    app = App(load_settings(config))
    try:
        app.poll_now(app.sources())
        list_server.rows = list(AFTER)
        app.poll_now(app.sources())
        deadline = time.monotonic() + 15
        while not events(invoke, config, "notification_failed"):
            assert time.monotonic() < deadline
            app.deliver_now()
            time.sleep(0.05)
        tries = len(hits)
        for _ in range(5):
            app.deliver_now()
            time.sleep(0.05)
    finally:
        app.close()
    assert tries >= 3 and len(hits) == tries, "retried until the deadline, then never again"
    [failed] = events(invoke, config, "notification_failed")
    assert failed["data"]["channel"] == "hook" and len(failed["data"]["events"]) == 3
    assert "503" in failed["data"]["error"]
    mails = smtp.wait_for(2)
    assert [m["Subject"] for m in mails] == [
        "Russia: 3 changes on FSB terrorist list — 1 added, 1 removed, 1 amended",
        "Delivery failed: hook could not deliver 1 alert",
    ]
    body = mails[1].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "removed Taliban" in body and "added Delta Network" in body and "503" in body
    sent = events(invoke, config, "notification_sent")
    assert sorted(e["data"]["channel"] for e in sent) == ["email", "email"]
    assert invoke(config, "replay").code == 0


def test_a_channel_without_url_is_off(
    tmp_path: Path, smtp: Mailbox, list_server: ListServer, invoke
) -> None:
    config = write(
        tmp_path,
        list_server.source + channel("email", smtp.url) + channel("slack", "${NO_SUCH_URL:-}"),
    )
    assert invoke(config, "poll", "ru-test-list").code == 0
    list_server.rows = list(AFTER)
    result = invoke(config, "poll", "ru-test-list")
    assert result.code == 0 and result.err.count("channel slack has an empty URL") <= 1
    assert len(smtp.wait_for(1)) == 1
    status = {
        r["channel"]: r
        for r in map(json.loads, invoke(config, "deliveries", "--json").out.splitlines())
    }
    assert status["slack"]["state"] == "off (empty URL)" and status["slack"]["pending"] == 0
    assert status["email"]["sent"] == 1
    table = invoke(config, "deliveries")
    assert table.code == 0 and "off (empty URL)" in table.out and "email" in table.out


def test_notify_test(tmp_path: Path, smtp: Mailbox, httpserver: HTTPServer, invoke) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("no", status=500)
    url = f"json://127.0.0.1:{httpserver.port}/hook"
    config = write(tmp_path, channel("email", smtp.url) + channel("hook", url) + channel("off", ""))
    result = invoke(config, "notify-test", "email")
    assert result.code == 0 and "email: sent (mailto://127.0.0.1:" in result.out
    [mail] = smtp.wait_for(1)
    assert mail["Subject"] == "monitor: test message"
    result = invoke(config, "notify-test", "--json")
    assert result.code == 1
    outcomes = {r["channel"]: r["outcome"] for r in map(json.loads, result.out.splitlines())}
    assert outcomes == {"email": "sent", "hook": "failed", "off": "off"}
    assert invoke(config, "notify-test", "nope").code == 2
    assert invoke(config, "log", "--json").out == ""  # tests are not recorded


def test_news_items_corroborations_and_unwatched_reports_never_alert(
    tmp_path: Path, smtp: Mailbox, httpserver: HTTPServer, invoke
) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        FEED, content_type="application/rss+xml"
    )
    feed = f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{httpserver.url_for("/feed.xml")}"\n'
    watch = '[[watch]]\nentity = "Islamic State"\n'  # the story below is about someone else
    config = write(tmp_path, watch + feed + channel("email", smtp.url))
    assert invoke(config, "poll", "wire").code == 0
    app = App(load_settings(config))
    try:
        append(app.store, report_events(watched=False))  # an unwatched story, corroborated
        assert app.deliver_now().sent == 0
    finally:
        app.close()
    kinds = {e["type"] for e in map(json.loads, invoke(config, "log", "--json").out.splitlines())}
    assert "item_published" in kinds and "designation_corroborated" in kinds
    assert not kinds & {"notification_sent", "notification_failed"}
    assert smtp.wait_for(1, timeout=0.5) == []
    assert json.loads(invoke(config, "deliveries", "--json").out)["pending"] == 0

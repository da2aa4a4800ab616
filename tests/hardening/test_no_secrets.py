"""No secret of any URL (source or channel) in any output, log line, error or database row.

A source URL carries a password and an API key, a channel URL a password and a webhook token;
every command runs at the most verbose log level, and its stdout, its stderr (the log) and every
row of the SQLite database are searched for them.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.redact import link_base, mask_url, redact, secrets_of
from tests.conftest import write_config

PASSWORD = "Feed-Passw0rd-4242"
KEY = "ApiKey0fTheFeed9999"
CHANNEL_PASSWORD = "Hook-Passw0rd-7777"
CHANNEL_TOKEN = "ChannelT0ken1234567xyz"
SECRETS = (PASSWORD, KEY, CHANNEL_PASSWORD, CHANNEL_TOKEN)

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<link>/</link>
<item><title>Alpha Front delisted</title><link>/articles/1</link><guid>a1</guid></item>
<item><title>Beta Brigade named</title><link>https://n.example.org/2</link></item>
</channel></rss>"""
LIST_PAGE = "<table><tr><td>Alpha Front</td></tr><tr><td>Beta Brigade</td></tr>{more}</table>"
CHANGE = {"row": ""}  # a row the list gains after its baseline: an alert that names the list

CONFIG = """
[[source]]
id = "private-feed"
kind = "feed"
url = "http://reader:${{FEED_PASSWORD}}@127.0.0.1:{port}/feed?apikey=${{FEED_KEY}}&lang=en"

[[source]]
id = "private-list"
kind = "list"
format = "html"
url = "http://reader:${{FEED_PASSWORD}}@127.0.0.1:{port}/list.html?apikey=${{FEED_KEY}}"
entries = "table tr"
key = "name"
[source.fields]
name = "td"

[[source]]
id = "private-list-feed"
kind = "list"
format = "feed"
url = "http://reader:${{FEED_PASSWORD}}@127.0.0.1:{port}/feed?apikey=${{FEED_KEY}}&lang=en"

[[source]]
id = "private-down"
kind = "feed"
url = "http://reader:${{FEED_PASSWORD}}@127.0.0.1:{port}/down?token=${{FEED_KEY}}"
fail_after = 1

[[channel]]
name = "hook"
url = "json://hookuser:${{HOOK_PASSWORD}}@127.0.0.1:{port}/hooks/${{HOOK_TOKEN}}"
"""


def test_mask_url_hides_every_kind_of_secret() -> None:
    assert mask_url(f"http://reader:{PASSWORD}@h.example/feed?apikey={KEY}&lang=en") == (
        "http://reader:****@h.example/feed?apikey=****&lang=en"
    )
    assert mask_url(f"https://h.example/rss;key={KEY}?access_token={KEY}&x-api-key={KEY}") == (
        "https://h.example/rss;key=****?access_token=****&x-api-key=****"
    )
    assert mask_url(f"https://h.example/token/{KEY}/feed") == "https://h.example/token/****/feed"
    assert mask_url(f"https://discord.com/api/webhooks/123456/{CHANNEL_TOKEN}") == (
        "https://discord.com/api/webhooks/…"
    )
    assert mask_url(f"postgresql+psycopg://monitor:{PASSWORD}@db/monitor") == (
        "postgresql+psycopg://monitor:****@db/monitor"
    )
    assert mask_url("https://h.example/news/2024-10-05-world/rss?lang=ru") == (
        "https://h.example/news/2024-10-05-world/rss?lang=ru"
    )
    assert {PASSWORD, KEY} <= secrets_of(f"http://u:{PASSWORD}@h/f?sig={KEY}")


def test_text_and_links_are_redacted() -> None:
    url = f"ftp://reader:{PASSWORD}@127.0.0.1/feed?apikey={KEY}"
    said = redact(f"source a.url: expected an http:// URL, got '{url}'. See http://e.org/a.")
    assert PASSWORD not in said and KEY not in said
    assert said.endswith("got 'ftp://reader:****@127.0.0.1/…'. See http://e.org/a.")
    assert link_base(f"http://reader:{PASSWORD}@h.example:8080/feed?apikey={KEY}&lang=en") == (
        "http://h.example:8080/feed?apikey=****&lang=en"
    )


@pytest.fixture
def private(httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    CHANGE["row"] = ""
    auth = "Basic " + base64.b64encode(f"reader:{PASSWORD}".encode()).decode()
    httpserver.expect_request(
        "/feed", headers={"Authorization": auth}, query_string={"apikey": KEY, "lang": "en"}
    ).respond_with_data(FEED, content_type="application/rss+xml")
    httpserver.expect_request(
        "/list.html", headers={"Authorization": auth}, query_string={"apikey": KEY}
    ).respond_with_handler(
        lambda _r: Response(LIST_PAGE.format(more=CHANGE["row"]), content_type="text/html")
    )
    httpserver.expect_request("/down").respond_with_data(f"no {KEY} here", status=403)
    httpserver.expect_request(f"/hooks/{CHANNEL_TOKEN}").respond_with_data("ok")
    monkeypatch.setenv("FEED_PASSWORD", PASSWORD)
    monkeypatch.setenv("FEED_KEY", KEY)
    monkeypatch.setenv("HOOK_PASSWORD", CHANNEL_PASSWORD)
    monkeypatch.setenv("HOOK_TOKEN", CHANNEL_TOKEN)
    monkeypatch.setenv("MONITOR_LOG_LEVEL", "NOTSET")  # everything, from every logger
    return write_config(tmp_path, CONFIG.format(port=httpserver.port))


def test_no_secret_in_any_output_log_or_row(
    private: Path, httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    polled = ("private-feed", "private-list", "private-list-feed", "private-down")
    outputs = [invoke(private, "-vv", "poll", *polled)]
    assert outputs[0].code == 1, outputs[0]  # private-down failed, the others recorded
    CHANGE["row"] = "<tr><td>Gamma Group</td></tr>"
    outputs.append(invoke(private, "-vv", "run", "--once"))
    assert any(f"/hooks/{CHANNEL_TOKEN}" in str(r) for r, _ in httpserver.log), "it delivered"
    outputs += [invoke(private, "-vv", *args) for args in (("log",), ("log", "--json"))]
    events = [json.loads(line) for line in outputs[-1].out.splitlines()]
    assert {e["source"] for e in events} >= set(polled)
    for event in events:
        outputs.append(invoke(private, "-vv", "show", str(event["id"])))
        outputs.append(invoke(private, "-vv", "show", str(event["id"]), "--json"))
    for args in (
        ("sources",),
        ("sources", "--json"),
        ("sources", "--check"),
        ("state", "private-list"),
        ("state", "private-list", "--json"),
        ("deliveries",),
        ("deliveries", "--json"),
        ("notify-test",),
        ("replay",),
    ):
        outputs.append(invoke(private, "-vv", *args))
    broken = private.read_text().replace(
        'kind = "feed"\nurl = "http://', 'kind = "feed"\nurl = "ftp://', 1
    )
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text(broken, encoding="utf-8")
    refused = invoke(bad_config, "-vv", "sources")
    assert refused.code == 2 and "url" in refused.err, refused
    outputs.append(refused)
    assert all("Traceback" not in r.err for r in outputs), [
        r for r in outputs if "Traceback" in r.err
    ]

    text = "\n".join(r.out + r.err for r in outputs)
    assert "DEBUG" in text  # the most verbose log output is in the text searched
    assert "reader:****@127.0.0.1" in text and "apikey=****" in text  # shown, masked
    assert "json://hookuser:****@127.0.0.1" in text
    for secret in SECRETS:
        assert secret not in text, secret
    with sqlite3.connect(tmp_path / "state" / "monitor.db") as db:
        rows = "\n".join(db.iterdump())
    assert "apikey=****" in rows  # documents.url: the masked URL
    for secret in SECRETS:
        assert secret not in rows, secret


def test_no_secret_in_the_alerts_a_channel_receives(
    private: Path, httpserver: HTTPServer, invoke
) -> None:
    invoke(private, "poll", "private-list", "private-down")
    CHANGE["row"] = "<tr><td>Gamma Group</td></tr>"
    invoke(private, "run", "--once")
    sent = "\n".join(request.get_data(as_text=True) for request, _ in httpserver.log)
    assert "Gamma Group" in sent and "private-down" in sent  # a list change and a health alert
    for secret in SECRETS:
        assert secret not in sent, secret

"""No secret (SMTP password, webhook token) in any output or log line, at the most verbose level."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.redact import mask_url, secrets_of
from tests.notify.conftest import (
    AFTER,
    FAST_RETRIES,
    ListServer,
    Mailbox,
    channel,
    free_port,
    write,
)

PASSWORD = "Sup3r-S3cret-Passw0rd"
SLACK_TOKEN = "s3cretSlackT0ken9876xyz"
HOOK_TOKEN = "hookT0ken0123456789abc"
HOOK_PASSWORD = "H00kPassw0rdZZ"
SECRETS = (PASSWORD, SLACK_TOKEN, HOOK_TOKEN, HOOK_PASSWORD)
SLACK = f"https://hooks.slack.com/services/T0SECRET1/B0SECRET2/{SLACK_TOKEN}"


@pytest.fixture
def smtp_auth() -> Iterator[Mailbox]:
    port = free_port()
    box = Mailbox(port)

    def authenticate(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        box.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password.decode() == PASSWORD)

    controller = Controller(
        box, hostname="127.0.0.1", port=port, authenticator=authenticate, auth_require_tls=False
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def test_masks() -> None:
    assert mask_url(f"mailtos://alerts:{PASSWORD}@smtp.example.org:587?to=b@example.org") == (
        "mailtos://alerts:****@smtp.example.org:587/…"
    )
    assert mask_url(SLACK) == "https://hooks.slack.com/…"
    assert mask_url(f"slack://T0SECRET1/B0SECRET2/{SLACK_TOKEN}") == "slack://T0…/…"
    assert mask_url("json://127.0.0.1:8080") == "json://127.0.0.1:8080"
    assert mask_url("not a url") == "<invalid URL>"
    found = secrets_of(f"json://u:{HOOK_PASSWORD}@h.example.org/hooks/{HOOK_TOKEN}?token=abcdefgh")
    assert {HOOK_PASSWORD, HOOK_TOKEN, "abcdefgh"} <= found and "hooks" not in found


def test_full_run_leaks_nothing(
    tmp_path: Path,
    smtp_auth: Mailbox,
    list_server: ListServer,
    httpserver: HTTPServer,
    invoke,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = {"n": 0}

    def hook(_request: object) -> Response:
        calls["n"] += 1
        return Response(f"nope, {HOOK_TOKEN} refused", status=500)

    httpserver.expect_request(f"/hooks/{HOOK_TOKEN}").respond_with_handler(hook)
    monkeypatch.setenv(
        "MONITOR_EMAIL_URL", smtp_auth.url.replace("mailto://", f"mailto://alerts:{PASSWORD}@")
    )
    monkeypatch.setenv("MONITOR_SLACK_URL", SLACK)
    monkeypatch.setenv(
        "MONITOR_HOOK_URL",
        f"json://hookuser:{HOOK_PASSWORD}@127.0.0.1:{httpserver.port}/hooks/{HOOK_TOKEN}",
    )
    monkeypatch.setenv("MONITOR_LOG_LEVEL", "NOTSET")  # everything, from every logger
    config = write(
        tmp_path,
        FAST_RETRIES
        + list_server.source
        + channel("email", "${MONITOR_EMAIL_URL}")
        + channel("slack", "${MONITOR_SLACK_URL}")
        + channel("hook", "${MONITOR_HOOK_URL}"),
    )
    outputs = []
    with responses.RequestsMock() as mock:
        mock.add_passthru("http://127.0.0.1")
        mock.add(responses.POST, SLACK, body="invalid_token", status=500)
        mock.add(responses.POST, SLACK, body="ok", status=200)
        for args in (
            ("-vv", "poll", "ru-test-list"),
            ("-vv", "run", "--once"),
            ("-vv", "notify-test"),
            ("-vv", "deliveries"),
            ("-vv", "deliveries", "--json"),
        ):
            if args[1] == "run":
                list_server.rows = list(AFTER)
            outputs.append(invoke(config, *args))
        for _ in range(3):
            outputs.append(invoke(config, "-vv", "poll", "ru-test-list"))
        outputs.append(invoke(config, "-vv", "log", "--json"))
        outputs.append(invoke(config, "-vv", "replay"))
        for line in outputs[-2].out.splitlines():  # `monitor show` of every event, both forms
            event_id = str(json.loads(line)["id"])
            outputs.append(invoke(config, "show", event_id))
            outputs.append(invoke(config, "show", event_id, "--json"))
        outputs.append(invoke(config, "sources", "--json"))
    assert smtp_auth.logins and smtp_auth.logins[0] == ("alerts", PASSWORD)  # it really logged in
    assert len(smtp_auth.messages) == 2  # the alert and the test message
    assert calls["n"] >= 2  # the webhook failed (logged, recorded) more than once
    text = "\n".join(r.out + r.err for r in outputs)
    assert "DEBUG" in text and "delivered channel=" in text  # the most verbose output
    assert "hooks.slack.com/…" in text and "mailto://alerts:****@127.0.0.1" in text
    for secret in SECRETS:
        assert secret not in text, secret
    with sqlite3.connect(tmp_path / "state" / "monitor.db") as db:
        stored = "\n".join(
            str(row)
            for table in ("events", "delivery_attempts", "outbox", "delivery_channels")
            for row in db.execute(f"SELECT * FROM {table}")
        )
    assert "500" in stored  # the webhook's error is recorded…
    for secret in SECRETS:
        assert secret not in stored, secret  # …without its token

"""The web app's two actions (accept a suspect list, send a test message) against `monitor serve`
as a real process: refused by a read-only server, by a config without a token, without the
page's CSRF value or from another origin; carried out as `monitor accept` and `monitor
notify-test` carry them out otherwise, with a real webhook on 127.0.0.1 that receives them, and
never a channel's URL or secret in the answer."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.config import load_settings
from monitor.errors import ConfigError
from monitor.redact import mask_url, secrets_of
from tests.conftest import RU_HTML_LIST, write_config
from tests.web.conftest import screenshot
from tests.web.server import Server

TOKEN = "actions-token-0123456789abcdef"
HOOK_PASSWORD = "H00kPa55word"
HOOK_TOKEN = "H00kT0kenSecret"
NAMES = ["Alpha Front", "Beta Brigade", "Gamma Group", "Delta Network", "Epsilon Cell", "Zeta Wing"]
KEPT = NAMES[:2]  # what the suspect documents hold: a third of the list, below suspect_ratio
# list-a: accepted over HTTP; list-b: accepted in the browser; list-c: only ever forged at.
LISTS = ("list-a", "list-b", "list-c")
REST = """
[[source]]
id = "wire"
kind = "feed"
url = "{feed}"
enabled = false

[[channel]]
name = "hook"
url = "{hook}"

[[channel]]
name = "quiet"
url = ""

[delivery]
timeout = "5s"

[web]
token = "${{MONITOR_WEB_TOKEN}}"
actions = true
"""


def page(names: list[str]) -> str:
    rows = "".join(f"<tr><td>{i}</td><td>{n}</td></tr>" for i, n in enumerate(names, 1))
    return f"<html><body><table><tr><th>No</th><th>Name</th></tr>{rows}</table></body></html>"


@dataclass
class Acting:
    server: Server
    hook_url: str
    received: list[dict[str, Any]] = field(default_factory=list)

    def client(self, **options: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {TOKEN}", **options.pop("headers", {})}
        return httpx.Client(base_url=self.server.url, timeout=30, headers=headers, **options)

    @property
    def secrets(self) -> list[str]:
        """What no answer may hold: the hook's secrets, its URL and even its masked URL."""
        return sorted(
            {HOOK_PASSWORD, HOOK_TOKEN, mask_url(self.hook_url)} | secrets_of(self.hook_url)
        )


def poll(config: Path, folder: Path) -> None:
    command = [sys.executable, "-m", "monitor", "--config", str(config), "poll", *LISTS]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=120, cwd=folder,
        env={**os.environ, "MONITOR_WEB_TOKEN": TOKEN},
    )  # fmt: skip
    assert result.returncode == 0, result


@pytest.fixture(scope="module")
def acting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Acting]:
    """`monitor serve` with `[web] actions = true` (and a token) over a store whose three lists
    are in parse_suspect (a full poll, then a poll that finds a third of each), and a webhook
    channel on a local HTTP server whose URL holds a password and a token."""
    folder = tmp_path_factory.mktemp("actions")
    http = HTTPServer(host="127.0.0.1", port=0)
    http.start()
    shown = {"names": NAMES}
    received: list[dict[str, Any]] = []

    def hook(request: Request) -> Response:
        received.append(json.loads(request.data))
        return Response("ok")

    for name in LISTS:
        http.expect_request(f"/{name}.html").respond_with_handler(
            lambda _r: Response(page(shown["names"]), content_type="text/html; charset=utf-8")
        )
    http.expect_request("/hook", method="POST").respond_with_handler(hook)
    hook_url = f"json://monitor:{HOOK_PASSWORD}@127.0.0.1:{http.port}/hook?token={HOOK_TOKEN}"
    body = "".join(RU_HTML_LIST.format(id=n, url=http.url_for(f"/{n}.html")) for n in LISTS)
    body += REST.format(feed=http.url_for("/feed.xml"), hook=hook_url)
    config = write_config(folder, body)
    try:
        poll(config, folder)
        shown["names"] = KEPT
        poll(config, folder)
        server = Server(config, folder, env={"MONITOR_WEB_TOKEN": TOKEN})
        yield Acting(server, hook_url, received)
        assert server.stop() == 0, server.output()
        log = server.output()
        assert "Traceback" not in log, log
        assert TOKEN not in log and not [s for s in Acting(server, hook_url).secrets if s in log]
    finally:
        http.clear()
        http.stop()


def csrf_of(client: httpx.Client, path: str) -> str:
    """The CSRF value of a page's forms (and the cookie it goes with, now in ``client``)."""
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found[1]


def health(acting: Acting, source: str) -> str:
    with acting.client() as client:
        rows = client.get("/api/sources").json()
    return next(r["health"] for r in rows if r["id"] == source)


# --- the setting ---------------------------------------------------------------------------------


def test_actions_need_a_token_even_on_loopback(tmp_path: Path) -> None:
    config = write_config(tmp_path, "[web]\nactions = true\n")
    with pytest.raises(ConfigError, match=r"web\.actions: true needs \[web\] token, even on"):
        load_settings(config, env={})
    config = write_config(tmp_path, f'[web]\nactions = true\ntoken = "{TOKEN}"\n')
    assert load_settings(config, env={}).web.actions
    assert not load_settings(write_config(tmp_path, ""), env={}).web.actions  # the default


# --- a read-only server --------------------------------------------------------------------------


@pytest.mark.slow
def test_a_read_only_server_refuses_both(web: Server) -> None:
    """The demo's server (no `[web] actions`): 403 with the reason, even with the CSRF value;
    a GET is 405; no page offers them."""
    with httpx.Client(base_url=web.url, timeout=30) as client:
        client.get("/sources")  # no form to read it from: the cookie holds it
        csrf = client.cookies["monitor_csrf"]
        for path in ("/sources/ru-fsb-terrorist-list/accept", "/deliveries/test"):
            refused = client.post(path, data={"csrf": csrf})
            assert refused.status_code == 403, path
            assert (
                "this server is read-only" in refused.text
                and "[web] actions = true" in refused.text
            )
            assert client.get(path).status_code == 405, path
        for path in ("/sources", "/deliveries"):
            shown = client.get(path).text
            assert "/accept" not in shown and "/deliveries/test" not in shown, path


# --- with actions on -------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_forged_or_anonymous_action_is_refused(acting: Acting) -> None:
    with acting.client() as client:
        csrf = csrf_of(client, "/sources")
        path = "/sources/list-c/accept"
        for data, headers in [
            ({}, {}),  # no CSRF value
            ({"csrf": "forged"}, {}),  # not this browser's
            ({"csrf": csrf}, {"Origin": "http://evil.example"}),  # another site's form
            ({"csrf": csrf}, {"Origin": acting.server.url.replace("127.0.0.1", "localhost")}),
        ]:
            refused = client.post(path, data=data, headers=headers)
            assert refused.status_code == 403, (data, headers)
            assert "reload the page and try again" in refused.text
        assert client.post("/deliveries/test", data={}).status_code == 403
    # Without the token (and so without the session a browser signs in for): 401, whatever else.
    with httpx.Client(base_url=acting.server.url, timeout=30) as anonymous:
        csrf = csrf_of(anonymous, "/login")
        assert anonymous.post(path, data={"csrf": csrf}).status_code == 401
        assert anonymous.post("/deliveries/test", data={"csrf": csrf}).status_code == 401
    assert health(acting, "list-c").startswith("parse suspect")  # nothing was accepted


@pytest.mark.slow
def test_accepting_a_suspect_list_records_its_removals_and_alerts(acting: Acting) -> None:
    with acting.client() as client:
        csrf = csrf_of(client, "/sources")
        sources = client.get("/sources").text
        assert sources.count("Accept this list as it is now") == len(LISTS)
        before = len(acting.received)
        done = client.post(
            "/sources/list-a/accept", data={"csrf": csrf}, headers={"Origin": acting.server.url}
        )
        assert done.status_code == 200, done.text
        text = done.text
        assert "Accepted list-a" in text
        assert "5 events recorded (4 entry_removed, 1 source_recovered)" in text
        for name in NAMES[2:]:
            assert name in text
        assert "hook: 2 sent" in text
        removed = client.get("/api/events", params={"source": "list-a", "type": "entry_removed"})
        events = removed.json()["events"]
        assert sorted(e["data"]["entry"]["name"] for e in events) == sorted(NAMES[2:])
        assert all(e["data"]["accepted"] for e in events)
        entries = client.get("/api/lists/list-a").json()["entries"]
        assert sorted(e["name"] for e in entries) == sorted(KEPT)
        assert not health(acting, "list-a").startswith("parse suspect")
        # The delivery pass that followed sent the removals, and the recovery, to the webhook.
        alerts = [r["title"] for r in acting.received[before:]]
        assert sorted(alerts) == [
            "Russia: 4 changes on list-a — 4 removed",
            "Source recovered: list-a",
        ]

        # Again: nothing to accept; a feed, or no such source: refused, with the reason.
        again = client.post("/sources/list-a/accept", data={"csrf": csrf})
        assert again.status_code == 409 and "not in parse_suspect" in again.text
        feed = client.post("/sources/wire/accept", data={"csrf": csrf})
        assert feed.status_code == 400 and "wire is a feed" in feed.text
        unknown = client.post("/sources/no-such-list/accept", data={"csrf": csrf})
        assert unknown.status_code == 404 and "no source &#39;no-such-list&#39;" in unknown.text
        for answer in (done, again, feed, unknown):
            assert not [s for s in acting.secrets if s in answer.text]


@pytest.mark.slow
def test_a_test_message_reaches_the_webhook_and_says_how_it_went(acting: Acting) -> None:
    with acting.client() as client:
        csrf = csrf_of(client, "/deliveries")
        offered = client.get("/deliveries").text
        assert offered.count("Send a test message</button>") == 1  # hook; quiet is off
        assert "Send a test message to every channel" in offered
        before = len(acting.received)
        one = client.post("/deliveries/test", data={"csrf": csrf, "channel": "hook"})
        assert one.status_code == 200, one.text
        assert [r["title"] for r in acting.received[before:]] == ["monitor: test message"]
        assert re.search(r"<td>hook</td>\s*<td class=\"outcome\">sent</td>", one.text)
        every = client.post("/deliveries/test", data={"csrf": csrf})
        assert every.status_code == 200
        assert re.search(r"<td>quiet</td>\s*<td class=\"outcome\">off</td>", every.text)
        assert len(acting.received) == before + 2
        unknown = client.post("/deliveries/test", data={"csrf": csrf, "channel": "nope"})
        assert unknown.status_code == 404 and "no channel &#39;nope&#39;" in unknown.text
        for answer in (offered, one.text, every.text, unknown.text):
            assert not [s for s in acting.secrets if s in answer]


@pytest.mark.slow
def test_accepting_in_the_browser(acting: Acting, page: Any) -> None:
    assert page.goto(acting.server.url + "/sources").status == 401
    page.fill("input[name=token]", TOKEN)
    with page.expect_navigation():
        page.click("form.login button")
    row = page.locator("table.sources tr", has_text="list-b")
    screenshot(page, "accept-offered")
    with page.expect_navigation():
        row.get_by_role("button", name="Accept this list as it is now").click()
    assert page.locator("h1").inner_text() == "Accepted list-b"
    assert "(4 entry_removed, 1 source_recovered)" in page.inner_text("main")
    assert page.locator("table.log tr.designation").count() == 4
    screenshot(page, "accepted")
    page.goto(acting.server.url + "/sources")
    assert "list-b" in page.inner_text("table.sources")
    assert page.locator("table.sources tr", has_text="list-b").get_by_role("button").count() == 0

"""Who may read the web app, and what it never shows: a non-loopback address needs a token (or
`monitor serve` refuses to start, exit 2); with a token every request carries it (Bearer or the
login form's cookie, with CSRF); security headers on every answer; no channel URL or secret in
any page or API answer; untrusted text never becomes markup."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from monitor.config import is_loopback, load_settings
from monitor.events import EntryAdded, ItemPublished, NewEvent, SourceFailed, source_stream
from monitor.store import Store
from monitor.web.app import create_app
from monitor.web.security import (
    SECURITY_HEADERS,
    SESSION_COOKIE,
    check_binding,
    host_name,
    safe_next,
)
from tests.web.conftest import screenshot
from tests.web.server import Server

TOKEN = "correct-horse-battery-staple-0123456789"


def serve(
    config: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "serve", *args],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip


def with_token(demo: Path, folder: Path, token_line: str) -> Path:
    config = folder / "monitor.toml"
    config.write_text(demo.read_text(encoding="utf-8") + f"\n[web]\n{token_line}\n", "utf-8")
    return config


# --- binding ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_another_address_without_a_token_is_refused(demo: Path, host: str) -> None:
    """Refused before anything is bound: the tests never listen beyond 127.0.0.1."""
    result = serve(demo, "--host", host, "--port", "0")
    assert result.returncode == 2, result
    assert "web.token" in result.stderr and "MONITOR_WEB_TOKEN" in result.stderr
    assert f"--host {host}" in result.stderr and "Traceback" not in result.stderr


def test_where_a_token_is_needed() -> None:
    for host in ("127.0.0.1", "127.8.9.10", "localhost", "::1", "[::1]"):
        assert is_loopback(host)
        check_binding(host, "", Path("monitor.toml"))
    for host in ("0.0.0.0", "::", "192.168.1.5", "example.org", "localhost.example.org"):
        assert not is_loopback(host)
        check_binding(host, TOKEN, Path("monitor.toml"))  # with a token: allowed
    assert host_name("[::1]:8080") == "::1" and host_name("localhost:80") == "localhost"
    assert [safe_next(t) for t in ("/events/5?x=1", "//evil.example", "https://evil", "\\\\x")] == [
        "/events/5?x=1", "/", "/", "/"
    ]  # fmt: skip


@pytest.mark.slow
def test_a_bad_token_setting_is_a_config_error(demo: Path, tmp_path: Path) -> None:
    short = with_token(demo, tmp_path, 'token = "tiny-secret"')
    result = serve(short, "--port", "0")
    assert result.returncode == 2
    assert "web.token: must be at least 16 characters" in result.stderr
    assert "tiny-secret" not in result.stderr  # a secret is never repeated
    unset = with_token(demo, tmp_path, 'token = "${MONITOR_WEB_TOKEN}"')
    env = {k: v for k, v in os.environ.items() if k != "MONITOR_WEB_TOKEN"}
    result = serve(unset, "--port", "0", env=env)
    assert result.returncode == 2
    assert "environment variable MONITOR_WEB_TOKEN is not set" in result.stderr


# --- the token --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("guarded")
    config = with_token(demo, folder, 'token = "${MONITOR_WEB_TOKEN}"')
    server = Server(config, folder, env={"MONITOR_WEB_TOKEN": TOKEN})
    yield server
    assert server.stop() == 0, server.output()
    assert TOKEN not in server.output()


PATHS = ["/", "/events/1", "/sources", "/api/events", "/api/openapi.json",
         "/feeds/changes.atom", "/no/such/page"]  # fmt: skip


@pytest.mark.slow
def test_with_a_token_every_request_carries_it(guarded: Server) -> None:
    for path in PATHS:
        refused = guarded.get(path)
        assert refused.status_code == 401, path
        if path.startswith(("/api/", "/feeds/")):
            assert refused.headers["www-authenticate"] == 'Bearer realm="monitor"'
            assert refused.json() == {"detail": "a token is required: Authorization: Bearer TOKEN"}
        else:
            assert 'name="token"' in refused.text  # the sign-in form
        wrong = guarded.get(path, headers={"Authorization": "Bearer not-the-token-at-all"})
        assert wrong.status_code == 401, path
        right = guarded.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
        assert right.status_code == (404 if path == "/no/such/page" else 200), path
    for public in ("/healthz", "/static/monitor.css", "/login"):
        assert guarded.get(public).status_code == 200, public


@pytest.mark.slow
def test_the_login_form_sets_an_httponly_cookie_behind_csrf(guarded: Server) -> None:
    with httpx.Client(base_url=guarded.url, follow_redirects=False, timeout=30) as client:
        form = client.get("/login?next=/stories")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf and client.cookies.get("monitor_csrf") == csrf[1]
        fields = {"token": TOKEN, "next": "/stories"}
        assert client.post("/login", data={**fields, "csrf": "forged"}).status_code == 403
        other_site = client.post(
            "/login", data={**fields, "csrf": csrf[1]}, headers={"Origin": "http://evil.example"}
        )
        assert other_site.status_code == 403
        wrong = client.post("/login", data={**fields, "token": "nope", "csrf": csrf[1]})
        assert wrong.status_code == 401 and "not the token" in wrong.text
        signed = client.post("/login", data={**fields, "csrf": csrf[1]})
        assert signed.status_code == 303 and signed.headers["location"] == "/stories"
        cookie = signed.headers["set-cookie"]
        assert cookie.startswith(f"{SESSION_COOKIE}=") and TOKEN not in cookie
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert client.get("/stories").status_code == 200
        assert client.get("/api/events").status_code == 200
        out = client.post("/logout", data={"csrf": csrf[1]})
        assert out.status_code == 303
        assert client.get("/stories").status_code == 401


@pytest.mark.slow
def test_signing_in_with_a_browser(guarded: Server, demo: Path, page: Any) -> None:
    response = page.goto(guarded.url + "/stories")
    assert response.status == 401
    screenshot(page, "login")
    page.fill("input[name=token]", TOKEN)
    with page.expect_navigation():
        page.click("form.login button")
    assert page.url == guarded.url + "/stories"
    assert "RU / taliban" in page.inner_text("table.stories")


# --- headers, hosts --------------------------------------------------------------------------


@pytest.mark.slow
def test_every_answer_carries_the_security_headers(web: Server) -> None:
    for path in ("/", "/events/52", "/api/events", "/feeds/changes.atom", "/static/live.js",
                 "/events/999999", "/api/events?type=x"):  # fmt: skip
        response = web.get(path)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, (path, name)
    policy = SECURITY_HEADERS["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    document = web.get("/events/63").text
    sha = re.search(r"/documents/([0-9a-f]{64})", document)
    assert sha
    stored = web.get(f"/documents/{sha[1]}?source=ru-fsb-terrorist-list")
    assert stored.headers["content-type"] == "text/plain; charset=utf-8"
    assert stored.headers["content-security-policy"].startswith("sandbox")


@pytest.mark.slow
def test_without_a_token_it_answers_only_loopback_names(web: Server) -> None:
    """A page elsewhere whose name resolves to 127.0.0.1 (DNS rebinding) gets nothing."""
    port = web.url.rsplit(":", 1)[1]
    assert web.get("/", headers={"Host": f"evil.example:{port}"}).status_code == 400
    assert web.get("/", headers={"Host": f"localhost:{port}"}).status_code == 200


# --- what is never shown -----------------------------------------------------------------

SECRET_PASSWORD = "Sup3rS3cretPassw0rd"
SECRET_KEY = "K3yK3yK3yK3yK3yK3y"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> \u202eevil'

SECRET_CONFIG = f"""
[[channel]]
name = "email"
url = "mailtos://alerts:{SECRET_PASSWORD}@smtp.example.org?to=desk@example.org"

[[source]]
id = "wire"
kind = "feed"
url = "https://news.example.org/feed?apikey={SECRET_KEY}"

[[source]]
id = "watchlist"
kind = "list"
format = "html"
url = "https://lists.example.org/list"
entries = "tr"
key = "name"
[source.fields]
name = "td"
"""


@pytest.fixture
def hostile_app(tmp_path: Path) -> Any:
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path}/monitor.db"\n{SECRET_CONFIG}', encoding="utf-8"
    )
    settings = load_settings(config, env={})
    store = Store(settings.store.url)
    store.append(
        [
            NewEvent(
                source_stream("wire"),
                ItemPublished(
                    title=HOSTILE,
                    url="javascript:alert(1)",
                    published=None,
                    guid="g",
                    item_id="i",
                    summary=HOSTILE,
                    content=HOSTILE,
                ),
                "wire",
            ),
            NewEvent(
                source_stream("watchlist"),
                EntryAdded(entry={"key": HOSTILE, "name": HOSTILE}, jurisdiction="XX"),
                "watchlist",
            ),
            NewEvent(source_stream("wire"), SourceFailed(error=HOSTILE), "wire"),
        ]
    )
    store.save_source_state(
        "wire", last_error=f"GET https://news.example.org/feed?apikey={SECRET_KEY}: 503"
    )
    with TestClient(create_app(settings, store), base_url="http://127.0.0.1") as client:
        yield client
    store.close()


def test_no_secret_and_no_markup_from_outside(hostile_app: TestClient) -> None:
    paths = ["/", "/events/1", "/events/2", "/events/3", "/lists/watchlist", "/sources",
             "/deliveries", "/stories", "/api/sources", "/api/deliveries", "/api/events",
             "/feeds/changes.atom", "/api/lists/watchlist"]  # fmt: skip
    for path in paths:
        response = hostile_app.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        body = response.text
        for secret in (SECRET_PASSWORD, SECRET_KEY, "smtp.example.org", "mailtos"):
            assert secret not in body, (path, secret)
        if response.headers["content-type"].startswith("text/html"):
            assert "<script>alert" not in body and "<img src=x" not in body, path
            assert "\u202e" not in body, path  # shown as an escape, not obeyed
            assert 'href="javascript:' not in body, path
    page = hostile_app.get("/events/1").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "\\u202eevil" in page
    assert hostile_app.get("/api/deliveries").json()[0].keys() >= {"channel", "state"}
    assert "url" not in hostile_app.get("/api/deliveries").json()[0]
    sources = hostile_app.get("/api/sources").json()
    assert sources[0]["url"] == "https://news.example.org/feed?apikey=****"
    assert "apikey=****" in sources[0]["last_error"]

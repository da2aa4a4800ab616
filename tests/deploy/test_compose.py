"""docker-compose.yml parses and its settings are ones the code accepts."""

from __future__ import annotations

import re

import yaml

from monitor.config import load_settings
from monitor.errors import ConfigError
from monitor.store.engine import dialect_of
from tests.conftest import REPO


def test_compose_file_matches_the_code() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"monitor", "postgres", "mailpit"} <= set(services)
    monitor = services["monitor"]
    env = {k: v for k, v in monitor["environment"].items()}
    env["MONITOR_SLACK_URL"] = ""
    settings = load_settings(REPO / "monitor.toml", env=env)
    assert dialect_of(settings.store.url) == "postgresql"
    assert "@postgres:5432/" in settings.store.url
    pg = services["postgres"]["environment"]
    assert (
        f"{pg['POSTGRES_USER']}:{pg['POSTGRES_PASSWORD']}@postgres:5432/{pg['POSTGRES_DB']}"
        in settings.store.url
    )
    email = next(c for c in settings.channels if c.name == "email")
    assert email.enabled and email.url.startswith("mailto://mailpit:1025")
    assert "1025:1025" in services["mailpit"]["ports"]
    assert "pgdata" in compose["volumes"]
    assert monitor["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_dockerfile_runs_the_service() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r'ENTRYPOINT \["monitor"', dockerfile)
    assert 'CMD ["run"]' in dockerfile
    for path in ("monitor", "feeds", "monitor.toml", "pyproject.toml"):
        assert f"COPY {path}" in dockerfile or f" {path} " in dockerfile


def test_the_web_service_reads_the_same_store_behind_a_token() -> None:
    from monitor.config import is_loopback
    from monitor.web.security import check_binding

    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    web, monitor = services["web"], services["monitor"]
    assert web["command"][0] == "serve" and web["profiles"] == ["web"]
    host = web["command"][web["command"].index("--host") + 1]
    assert not is_loopback(host)  # inside its container: so the token is required
    env = dict(web["environment"])
    assert env["MONITOR_STORE_URL"] == monitor["environment"]["MONITOR_STORE_URL"]
    assert env["MONITOR_WEB_TOKEN"] == "${MONITOR_WEB_TOKEN:-}"
    settings = load_settings(REPO / "monitor.toml", env={**env, "MONITOR_WEB_TOKEN": ""})
    assert settings.web.token == ""
    try:
        check_binding(host, settings.web.token, settings.path)
        raise AssertionError("serving 0.0.0.0 without a token must be refused")
    except ConfigError as exc:
        assert "MONITOR_WEB_TOKEN" in str(exc)
    token = "x" * 32
    settings = load_settings(REPO / "monitor.toml", env={**env, "MONITOR_WEB_TOKEN": token})
    assert settings.web.token == token
    check_binding(host, settings.web.token, settings.path)
    assert all(port.startswith("127.0.0.1:") for port in web["ports"])

"""`monitor run` as a real subprocess: polls on schedule, records changes, stops on SIGTERM."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import REPO, write_config

pytestmark = pytest.mark.slow

PAGE = """<html><body><table><tr><th>n</th><th>name</th></tr>
{rows}</table></body></html>"""


def page(names: list[str]) -> str:
    return PAGE.format(
        rows="".join(f"<tr><td>{i}</td><td>{n}</td></tr>" for i, n in enumerate(names))
    )


def list_source(source_id: str, url: str, every: str) -> str:
    return f"""
[[source]]
id = "{source_id}"
kind = "list"
format = "html"
url = "{url}"
every = "{every}"
entries = "table tr:not(:first-child)"
key = "name"
[source.fields]
name = "td:nth-of-type(2)"
"""


class Server:
    """Serves documents that tests change, and remembers when each path was requested."""

    def __init__(self, httpserver: HTTPServer) -> None:
        self.httpserver = httpserver
        self.bodies: dict[str, str] = {}
        self.hits: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def serve(self, path: str, body: str) -> str:
        self.bodies[path] = body
        self.hits.setdefault(path, [])

        def handler(request: Request) -> Response:
            with self.lock:
                self.hits[request.path].append(time.time())
            return Response(self.bodies[request.path], content_type="text/html; charset=utf-8")

        self.httpserver.expect_request(path).respond_with_handler(handler)
        return self.httpserver.url_for(path)


def start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
        env=env,
    )


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def events(invoke, config: Path) -> list[dict]:
    """The list's entry events, newest first."""
    rows = [json.loads(x) for x in invoke(config, "log", "--json").out.splitlines()]
    return [r for r in rows if r["type"].startswith("entry_")]


def stop(process: subprocess.Popen[bytes]) -> tuple[int, float]:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=30)
    return code, time.monotonic() - started


def test_service_records_a_change_alerts_and_stops_on_sigterm(
    httpserver: HTTPServer, tmp_path: Path, invoke, smtp
) -> None:
    server = Server(httpserver)
    url = server.serve("/list.html", page(["Alpha", "Beta", "Gamma"]))
    channel = f'\n[[channel]]\nname = "email"\nurl = "{smtp.url}"\n'
    config = write_config(
        tmp_path, list_source("short", url, "2s") + '\n[service]\ntick = "0.2s"\n' + channel
    )
    log = tmp_path / "service.log"
    process = start(config, log)
    try:
        wait_for(lambda: len(events(invoke, config)) == 3, 30, "the baseline")
        server.bodies["/list.html"] = page(["Alpha", "Gamma", "Delta"])
        wait_for(lambda: len(events(invoke, config)) == 5, 30, "the change")
        wait_for(lambda: len(smtp.messages) >= 1, 30, "the alert email")
    finally:
        code, took = stop(process)
    assert code == 0, log.read_text()
    assert took < 10
    new = events(invoke, config)[:2]
    assert sorted(e["type"] for e in new) == ["entry_added", "entry_removed"]
    text = log.read_text()
    assert "poll source=short status=changed" in text
    assert "service stopped" in text
    sources = [json.loads(x) for x in invoke(config, "sources", "--json").out.splitlines()]
    assert sources[0]["worker"] is None, "leases are released on shutdown"
    assert invoke(config, "replay").code == 0
    [message] = smtp.messages
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Delta" in body and "Beta" in body
    deliveries = [json.loads(x) for x in invoke(config, "deliveries", "--json").out.splitlines()]
    assert deliveries[0]["pending"] == 0 and deliveries[0]["sent"] == 1


def test_a_restart_polls_nothing_early_and_nothing_twice(
    httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    server = Server(httpserver)
    every = 5.0
    body = "".join(
        list_source(f"s{i}", server.serve(f"/l{i}.html", page([f"Org {i}"])), f"{every:g}s")
        for i in range(6)
    )
    config = write_config(tmp_path, body + '\n[service]\ntick = "0.2s"\n')
    log = tmp_path / "service.log"
    process = start(config, log)
    try:
        wait_for(
            lambda: all(len(h) >= 1 for h in server.hits.values()), 40, "every source polled once"
        )
    finally:
        assert stop(process)[0] == 0
    due = {
        s["id"]: datetime.fromisoformat(s["next_poll"].replace("Z", "+00:00")).timestamp()
        for s in (json.loads(x) for x in invoke(config, "sources", "--json").out.splitlines())
    }
    stopped_at = time.time()
    process = start(config, log)
    try:
        wait_for(
            lambda: all(len(h) >= 3 for h in server.hits.values()),
            60,
            "two more polls of each source",
        )
    finally:
        assert stop(process)[0] == 0
    for i in range(6):
        hits = server.hits[f"/l{i}.html"]
        after_restart = [t for t in hits if t > stopped_at]
        assert after_restart, f"s{i} was never polled after the restart"
        # next_poll is printed to the second: allow that rounding.
        assert after_restart[0] >= due[f"s{i}"] - 1.0, f"s{i} polled early after the restart"
        gaps = [b - a for a, b in itertools.pairwise(hits)]
        assert min(gaps) >= every * 0.85, f"s{i} polled twice within its interval: {gaps}"

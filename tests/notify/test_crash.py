"""Processes killed with SIGKILL at real pause points: nothing lost, nothing sent twice.

No fault-injection hook: the pause points are real — a feed that stalls while a list change has
already been recorded, and a webhook that stalls after the email's delivery was recorded.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import REPO
from tests.notify.conftest import AFTER, ListServer, Mailbox, channel, write

pytestmark = pytest.mark.slow

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Nothing to see</title><link>https://n.example.org/1</link><guid>n1</guid></item>
</channel></rss>"""


class Stall:
    """A server whose answers can be held back until released (or 30 s pass)."""

    def __init__(self) -> None:
        self.server = HTTPServer(host="127.0.0.1", threaded=True)
        self.holding = False
        self.release = threading.Event()
        self.hits: list[bytes] = []

    def handler(self, body: str, content_type: str) -> Callable[[Request], Response]:
        def respond(request: Request) -> Response:
            self.hits.append(request.get_data())
            if self.holding:
                self.release.wait(30)
            return Response(body, content_type=content_type)

        return respond


@pytest.fixture
def stall() -> Iterator[Stall]:
    s = Stall()
    s.server.start()
    try:
        yield s
    finally:
        s.release.set()
        s.server.clear()
        s.server.stop()


def start(config: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "MONITOR_LOG_LEVEL": "INFO"},
    )


def run(config: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        cwd=REPO,
        capture_output=True,
        timeout=60,
    )


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db, timeout=10) as conn:
        return int(conn.execute(sql).fetchone()[0])


def wait_until(predicate: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert process.returncode == -signal.SIGKILL


CHANGES = (
    "SELECT count(*) FROM events WHERE type LIKE 'entry_%' "
    "AND json_extract(data, '$.baseline') IS NULL"
)


def test_killed_after_recording_before_delivery(
    tmp_path: Path, smtp: Mailbox, list_server: ListServer, stall: Stall
) -> None:
    stall.server.expect_request("/feed.xml").respond_with_handler(
        stall.handler(FEED, "application/rss+xml")
    )
    feed = f'\n[[source]]\nid = "slow-feed"\nkind = "feed"\nurl = "{stall.server.url_for("/feed.xml")}"\n'
    config = write(
        tmp_path,
        '[http]\ntimeout = "40s"\n' + list_server.source + feed + channel("email", smtp.url),
    )
    db = tmp_path / "state" / "monitor.db"
    assert run(config, "run", "--once").returncode == 0  # the baselines

    list_server.rows = list(AFTER)
    stall.holding = True
    process = start(config, "run", "--once")
    wait_until(lambda: db.exists() and count(db, CHANGES) == 3)  # the list change is recorded…
    time.sleep(0.2)
    assert process.poll() is None  # …while the feed still stalls, before any delivery
    kill(process)
    assert count(db, "SELECT count(*) FROM events WHERE type LIKE 'notification_%'") == 0
    assert smtp.messages == []
    assert count(db, "SELECT count(*) FROM outbox") == 1  # owed, in the same transaction

    stall.holding = False
    stall.release.set()
    result = run(config, "run", "--once")
    assert result.returncode == 0, result.stderr.decode()
    assert len(smtp.wait_for(1)) == 1
    assert run(config, "run", "--once").returncode == 0
    time.sleep(0.3)
    assert len(smtp.messages) == 1, "delivered once"
    assert count(db, "SELECT count(*) FROM events WHERE type = 'notification_sent'") == 1
    assert count(db, "SELECT count(*) FROM outbox") == 0


def test_killed_after_a_delivery_was_recorded(
    tmp_path: Path, smtp: Mailbox, list_server: ListServer, stall: Stall
) -> None:
    stall.server.expect_request("/hook", method="POST").respond_with_handler(
        stall.handler("ok", "text/plain")
    )
    hook = f"json://127.0.0.1:{stall.server.port}/hook?rto=40"
    config = write(
        tmp_path,
        '[delivery]\ntimeout = "40s"\n'
        + list_server.source
        + channel("email", smtp.url)
        + channel("hook", hook),
    )
    db = tmp_path / "state" / "monitor.db"
    assert run(config, "poll", "ru-test-list").returncode == 0  # baseline
    list_server.rows = list(AFTER)
    stall.holding = True
    process = start(config, "poll", "ru-test-list")
    sent = "SELECT count(*) FROM events WHERE type = 'notification_sent' AND stream = '{}'"
    wait_until(lambda: db.exists() and count(db, sent.format("channel:email")) == 1)
    wait_until(lambda: len(stall.hits) == 1)  # the webhook's send is in flight, unrecorded
    kill(process)
    assert len(smtp.wait_for(1)) == 1

    stall.holding = False
    stall.release.set()
    result = run(config, "poll", "ru-test-list")
    assert result.returncode == 0, result.stderr.decode()
    time.sleep(0.3)
    assert len(smtp.messages) == 1, "a recorded delivery is never sent again"
    assert count(db, sent.format("channel:email")) == 1
    # The webhook's send was in flight, unrecorded, when the process died: the one documented
    # case of a repeat (a crash between a send and its record). It is delivered and recorded.
    assert len(stall.hits) == 2
    assert count(db, sent.format("channel:hook")) == 1
    assert run(config, "poll", "ru-test-list").returncode == 0
    assert len(stall.hits) == 2 and len(smtp.messages) == 1

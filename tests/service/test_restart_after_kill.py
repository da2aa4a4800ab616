"""After SIGKILL of ``monitor run``, the service restarted on the same machine knows its
predecessor is gone: it takes over its leases at once (not when they expire, ~80 s later), and
``monitor sources`` names no dead process as the holder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.store.leases import gone
from tests.conftest import REPO, write_config
from tests.service.test_run import list_source, page, start, stop, wait_for

pytestmark = pytest.mark.slow


class FirstPollHangs:
    """A list page whose first request hangs until released (or 60 s pass); later ones answer."""

    def __init__(self) -> None:
        self.server = HTTPServer(host="127.0.0.1", threaded=True)
        self.release = threading.Event()
        self.hits: list[float] = []

        def respond(_request: Request) -> Response:
            self.hits.append(time.monotonic())
            if len(self.hits) == 1:
                self.release.wait(60)
            return Response(page(["Alpha", "Beta"]), content_type="text/html; charset=utf-8")

        self.server.expect_request("/list.html").respond_with_handler(respond)


@pytest.fixture
def hanging() -> Iterator[FirstPollHangs]:
    server = FirstPollHangs()
    server.server.start()
    try:
        yield server
    finally:
        server.release.set()
        server.server.clear()
        server.server.stop()


def sources(invoke, config: Path) -> dict:
    [row] = [json.loads(x) for x in invoke(config, "sources", "--json").out.splitlines()]
    return row


def test_a_restart_takes_over_the_leases_of_a_killed_service_at_once(
    hanging: FirstPollHangs, tmp_path: Path, invoke
) -> None:
    url = hanging.server.url_for("/list.html")
    config = write_config(tmp_path, list_source("fsb", url, "5s") + '\n[service]\ntick = "0.2s"\n')
    log = tmp_path / "service.log"
    first = start(config, log)
    try:
        wait_for(lambda: len(hanging.hits) == 1, 30, "the first poll to start")
        wait_for(lambda: sources(invoke, config)["worker"] is not None, 10, "the lease")
        holder = sources(invoke, config)["worker"]
        assert f":{first.pid}:" in holder, holder
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    row = sources(invoke, config)
    assert row["worker"] is None, f"a dead process is named as the holder: {row['worker']}"

    restarted_at = time.monotonic()
    second = start(config, log)
    try:
        wait_for(lambda: len(hanging.hits) >= 2, 20, "the restarted service to poll the source")
        took = hanging.hits[1] - restarted_at
        wait_for(lambda: sources(invoke, config)["last_status"] == "changed", 20, "its record")
    finally:
        code, _ = stop(second)
    assert code == 0, log.read_text()
    assert took < 15, f"the restart waited {took:.1f}s for the dead process's lease"
    assert "taking over the leases of" in log.read_text()
    entries = [json.loads(x) for x in invoke(config, "state", "fsb", "--json").out.splitlines()]
    assert sorted(e["name"] for e in entries) == ["Alpha", "Beta"]


def holder_of_child() -> tuple[subprocess.Popen[str], str]:
    """A real second process and the lease holder id it gives itself."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from monitor.store.leases import holder_id;"
            " print(holder_id(), flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.stdout is not None
    return child, child.stdout.readline().strip()


def test_a_holder_is_gone_when_its_pid_is_dead_or_is_another_process() -> None:
    from monitor.store.leases import holder_id

    here = holder_id()
    child, holder = holder_of_child()
    try:
        host, pid, started = holder.split(":")
        assert int(pid) == child.pid and started
        assert not gone(holder, here=here), "a live process on this host"
        assert not gone(here, here=here)
        assert gone(f"{host}:{pid}:{int(started) + 1}", here=here), "its pid, another process"
        assert not gone(f"elsewhere.example:{pid}:1", here=here), "another host: cannot tell"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert gone(holder, here=here), "killed"

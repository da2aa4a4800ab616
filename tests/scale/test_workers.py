"""Several `monitor run` workers on one PostgreSQL store share the sources by lease."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import REPO, write_config

pytestmark = pytest.mark.slow


class ListServer:
    """300 small list pages; counts and times every request; pages can change under the workers."""

    def __init__(self, count: int) -> None:
        self.versions = dict.fromkeys(range(count), 0)
        self.hits: dict[int, list[float]] = {i: [] for i in range(count)}
        self.lock = threading.Lock()

    def page(self, index: int) -> bytes:
        version = self.versions[index]
        rows = "".join(f"<tr><td>Org {index}-{n}</td></tr>" for n in range(3 + version))
        return f"<html><body><table><tr><th>name</th></tr>{rows}</table></body></html>".encode()

    @contextmanager
    def running(self) -> Iterator[str]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                index = int(self.path.strip("/").split(".")[0])
                with owner.lock:
                    owner.hits[index].append(time.time())
                    body = owner.page(index)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


def config_for(tmp_path: Path, base: str, store: str, count: int, every: int, mail: str) -> Path:
    sources = "".join(
        f'[[source]]\nid = "l{i}"\nkind = "list"\nformat = "html"\nurl = "{base}/{i}.html"\n'
        f'every = "{every}s"\nentries = "table tr:not(:first-child)"\nkey = "name"\n'
        f'[source.fields]\nname = "td"\n'
        for i in range(count)
    )
    settings = (
        '\n[service]\ntick = "0.5s"\nlease_margin = "5s"\n[http]\ntimeout = "5s"\n'
        f'\n[[channel]]\nname = "email"\nurl = "{mail}"\nnotify = ["designation"]\n'
    )
    return write_config(tmp_path, sources + settings, store=store)


def start_worker(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
        env=env,
    )


def test_three_workers_poll_each_source_once_per_interval(
    pg_url: str, tmp_path: Path, invoke, smtp
) -> None:
    count, every = int(os.environ.get("SCALE_SOURCES", "300")), 12
    server = ListServer(count)
    with server.running() as base:
        config = config_for(tmp_path, base, pg_url, count, every, smtp.url)
        assert invoke(config, "db", "upgrade").code == 0
        workers = [start_worker(config, tmp_path / f"w{n}.log") for n in range(3)]
        try:
            time.sleep(every * 1.5)
            changed = list(range(0, count, 50))  # 6 sources, so apprise's SMTP pacing keeps up
            with server.lock:
                for index in changed:
                    server.versions[index] += 1
            time.sleep(every * 2.5)
            # One worker dies hard mid-cycle; the others take its sources once its leases expire.
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(timeout=10)
            sources = [json.loads(x) for x in invoke(config, "sources", "--json").out.splitlines()]
            pollers = {s["last_worker"] for s in sources} - {None}
            assert len(pollers) >= 2, f"the workers share the sources: {pollers}"
            with server.lock:
                for index in changed:
                    server.versions[index] += 1
            time.sleep(every * 3)  # the killed worker's leases expire after 10s
            wait_until_delivered(invoke, config)
        finally:
            for worker in workers[1:]:
                worker.send_signal(signal.SIGTERM)
            codes = [w.wait(timeout=60) for w in workers[1:]]
        assert codes == [0, 0], [(tmp_path / f"w{n}.log").read_text()[-3000:] for n in (1, 2)]

        for index, hits in server.hits.items():
            assert len(hits) >= 3, f"source {index} polled {len(hits)} times"
            gaps = [b - a for a, b in itertools.pairwise(hits)]
            assert min(gaps) >= every * 0.85, f"source {index} polled twice in one interval: {gaps}"

        events = [json.loads(x) for x in invoke(config, "log", "--json").out.splitlines()]
        added = [e for e in events if e["type"] == "entry_added" and not e["data"].get("baseline")]
        keys = [(e["source"], e["data"]["entry"]["key"]) for e in added]
        assert len(keys) == len(set(keys)), "no change recorded twice"
        baseline = [e for e in events if e["data"].get("baseline")]
        assert len(baseline) == count * 3
        assert invoke(config, "replay").code == 0

    # Every alert reached the SMTP server: the second wave (after the kill) exactly once; the first
    # at most once more if the killed worker died inside a send (the documented crash exception).
    subjects = [m["Subject"] for m in smtp.messages]
    first_wave = [f"Org {i}-3" for i in changed]
    second_wave = [f"Org {i}-4" for i in changed]
    for name in second_wave:
        assert (
            sum(
                name in str(m.get_body(preferencelist=("plain",)).get_content())
                for m in smtp.messages
            )
            == 1
        ), name
    for name in first_wave:
        count_seen = sum(
            name in str(m.get_body(preferencelist=("plain",)).get_content()) for m in smtp.messages
        )
        assert 1 <= count_seen <= 2, (name, count_seen)
    assert len(subjects) >= 2 * len(changed)


def wait_until_delivered(invoke, config: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = invoke(config, "deliveries", "--json")
        rows = [json.loads(x) for x in result.out.splitlines()]
        if rows and all(r.get("pending", 0) == 0 for r in rows if "pending" in r):
            return
        time.sleep(1)
    raise AssertionError(f"notifications still pending: {rows} {result!r}")

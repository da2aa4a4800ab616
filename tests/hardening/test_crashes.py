"""30 runs of `monitor run`, each SIGKILLed at a random moment, then one that finishes cleanly.

Afterwards the log has no duplicate and no missing change, `monitor replay` matches, and every
alert reached the webhook at least once and at most once more per kill that landed inside a send.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import REPO, write_config

pytestmark = pytest.mark.slow

LISTS = 5
RUNS = 30


def names_at(source: int, version: int) -> list[str]:
    """Version v of list s: a sliding window of names, so each version adds and removes some."""
    start = version // (source + 1)
    return [f"Group {source}-{n}" for n in range(start, start + 6)]


class Corpus:
    """Lists and a feed that change with ``version``; a webhook that is slow to answer."""

    def __init__(self) -> None:
        self.version = 0
        self.inflight = 0
        self.last_answer = 0.0
        self.alerts: list[str] = []
        self.lock = threading.Lock()

    def document(self, path: str) -> tuple[bytes, str] | None:
        if path.startswith("/list"):
            index = int(path.removeprefix("/list").removesuffix(".html"))
            rows = "".join(f"<tr><td>{n}</td></tr>" for n in names_at(index, self.version))
            return f"<html><body><table>{rows}</table></body></html>".encode(), "text/html"
        if path == "/feed.xml":
            items = "".join(
                f"<item><guid isPermaLink='false'>item-{v}</guid><title>Report {v}</title></item>"
                for v in range(max(0, self.version - 5), self.version + 1)
            )
            body = f"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>{items}</channel></rss>"
            return body.encode(), "application/rss+xml"
        return None

    @contextmanager
    def serving(self) -> Iterator[str]:
        corpus = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with corpus.lock:
                    found = corpus.document(self.path)
                if found is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", found[1])
                self.send_header("Content-Length", str(len(found[0])))
                self.end_headers()
                self.wfile.write(found[0])

            def do_POST(self) -> None:
                with corpus.lock:
                    corpus.inflight += 1
                try:
                    body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                    time.sleep(0.4)  # a slow receiver: kills land inside sends
                    with corpus.lock:
                        corpus.alerts.append(json.loads(body)["message"])
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                finally:
                    with corpus.lock:
                        corpus.inflight -= 1
                        corpus.last_answer = time.monotonic()

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


def start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_random_kills_lose_nothing_and_duplicate_nothing(tmp_path: Path, invoke) -> None:
    rng = random.Random(20241004)
    corpus = Corpus()
    log = tmp_path / "runs.log"
    with corpus.serving() as host:
        base = f"http://{host}"
        sources = "".join(
            f'[[source]]\nid = "list{i}"\nkind = "list"\nformat = "html"\nurl = "{base}/list{i}.html"\n'
            f'every = "1s"\nentries = "tr"\nkey = "name"\n'
            # Each version replaces entries by design; runs killed before they poll let a list
            # jump several versions, which would otherwise read as a layout change (suspect).
            "suspect_ratio = 0.0\n"
            f'[source.fields]\nname = "td"\n'
            for i in range(LISTS)
        )
        sources += (
            f'[[source]]\nid = "feed"\nkind = "feed"\nurl = "{base}/feed.xml"\nevery = "1s"\n'
        )
        settings = (
            '[service]\ntick = "0.2s"\ndeliver_every = "0.3s"\nlease_margin = "2s"\n'
            '[delivery]\nretry_base = "0.2s"\nretry_max = "1s"\n'
            f'[[channel]]\nname = "hook"\nurl = "json://{host}/hook"\nnotify = ["designation", "health"]\n'
        )
        config = write_config(tmp_path, sources + settings)

        kills_in_send = 0
        for run in range(RUNS):
            with corpus.lock:
                corpus.version = run
            process = start(config, log)
            time.sleep(rng.uniform(0.8, 3.5))
            with corpus.lock:
                # Inside a send: from the request to the monitor recording the answer, which
                # follows the answer by milliseconds (a second is a generous bound under load).
                in_send = corpus.inflight > 0 or time.monotonic() - corpus.last_answer < 1.0
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            kills_in_send += in_send

        with corpus.lock:
            corpus.version = RUNS
        process = start(config, log)
        deadline = time.monotonic() + 90
        final = {f"list{i}": sorted(names_at(i, RUNS)) for i in range(LISTS)}
        while time.monotonic() < deadline:
            states = {
                s: sorted(
                    json.loads(x)["name"]
                    for x in invoke(config, "state", s, "--json").out.splitlines()
                )
                for s in final
            }
            pending = [
                json.loads(x) for x in invoke(config, "deliveries", "--json").out.splitlines()
            ]
            # The feed too: a run killed while polling it holds its lease until the lease runs
            # out (timeout + lease_margin), and the lists may be done before that.
            published = invoke(config, "log", "--type", "item_published", "--json").out
            if (
                states == final
                and f'"item-{RUNS}"' in published
                and all(p["pending"] == 0 for p in pending)
            ):
                break
            time.sleep(1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert states == final, "the last version of every list is recorded"

    events = [json.loads(x) for x in invoke(config, "log", "--json").out.splitlines()]
    # No duplicate change: each list's events replay cleanly, each feed item is published once.
    for source in final:
        present: set[str] = set()
        for event in sorted((e for e in events if e["source"] == source), key=lambda e: e["id"]):
            key = event["data"].get("entry", {}).get("key")
            if event["type"] == "entry_added":
                assert key not in present, f"{source}: {key} added twice"
                present.add(key)
            elif event["type"] == "entry_removed":
                assert key in present, f"{source}: {key} removed while absent"
                present.remove(key)
        assert sorted(present) == final[source]
    guids = [e["data"]["guid"] for e in events if e["type"] == "item_published"]
    assert len(guids) == len(set(guids))
    assert {f"item-{v}" for v in range(max(0, RUNS - 5), RUNS + 1)} <= set(guids)
    assert invoke(config, "replay").code == 0

    # Every alert arrived; duplicates only where a kill cut a send short.
    alerting = {
        e["id"]
        for e in events
        if e["type"] in ("entry_added", "entry_removed", "entry_changed")
        and not e["data"].get("baseline")
    }
    keys = Counter(
        int(m) for text in corpus.alerts for m in re.findall(r"monitor show (\d+)", text)
    )
    covered = {int(m) for text in corpus.alerts for m in re.findall(r"#(\d+)", text)}
    assert alerting <= covered, f"alerts never delivered: {sorted(alerting - covered)[:10]}"
    duplicates = sum(count - 1 for count in keys.values())
    assert duplicates <= kills_in_send, (duplicates, kills_in_send)
    print(
        f"{RUNS} kills, {kills_in_send} inside a send, {duplicates} duplicate alerts, {len(keys)} alerts"
    )

"""Parsing and classification in worker processes record exactly what threads record."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from monitor.config import load_settings
from monitor.errors import ParseError
from monitor.offload import MIN_SOURCES, Offload, process_count
from monitor.sources.feed import parse_feed
from tests.conftest import FIXTURES, shared, write_config
from tests.pipeline.test_founding_story import WATCH_AND_TOPIC, feed_of
from tests.pipeline.test_fsb_list import FSB_SOURCE


def test_process_count() -> None:
    assert process_count(0, 1000, cores=8) == 0
    assert process_count(3, 1, cores=1) == 3  # asked for: given
    assert process_count("auto", MIN_SOURCES - 1, cores=8) == 0  # too few sources to pay off
    assert process_count("auto", MIN_SOURCES, cores=1) == 0  # no second core
    assert process_count("auto", MIN_SOURCES, cores=2) == 1
    assert process_count("auto", 5000, cores=64) == 4


def _serve(httpserver: HTTPServer) -> str:
    voa = shared("seed-articles/voa-2024-10-05.txt")
    menafn = shared("seed-articles/menafn-2024-10-06.txt")
    feeds = {
        "voa": feed_of(
            voa, "voa-1", "https://www.voanews.com/a/1.html", "Sat, 05 Oct 2024 09:00:00 GMT"
        ),
        "menafn": feed_of(
            menafn, "menafn-1", "https://menafn.com/1108750000", "Sun, 06 Oct 2024 08:00:00 GMT"
        ),
    }
    sources = []
    for name, body in feeds.items():
        httpserver.expect_request(f"/{name}.xml").respond_with_data(
            body, content_type="application/rss+xml"
        )
        url = httpserver.url_for(f"/{name}.xml")
        sources.append(f'[[source]]\nid = "{name}"\nkind = "feed"\nurl = "{url}"\n')
    page = (FIXTURES / "lists" / "fsb_terror_list_excerpt.html").read_bytes()
    httpserver.expect_request("/terror.htm").respond_with_data(page, content_type="text/html")
    sources.append(FSB_SOURCE.format(url=httpserver.url_for("/terror.htm")))
    return "".join(sources) + WATCH_AND_TOPIC


def _facts(invoke, config: Path) -> list[tuple[str, str, str]]:
    rows = [json.loads(x) for x in invoke(config, "log", "--json").out.splitlines()]
    return sorted((r["type"], r["source"], json.dumps(r["data"], sort_keys=True)) for r in rows)


def test_worker_processes_record_what_threads_record(
    httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    sources = _serve(httpserver)
    facts = {}
    for processes in (0, 1):
        folder = tmp_path / f"p{processes}"
        folder.mkdir()
        config = write_config(folder, f"[service]\nprocesses = {processes}\n" + sources)
        for source in ("voa", "menafn", "ru-fsb"):  # in turn: the first report opens a story
            assert invoke(config, "poll", source).code == 0
        facts[processes] = _facts(invoke, config)
    types = {fact[0] for fact in facts[0]}
    assert {"item_published", "designation_reported", "topic_reported", "entry_added"} <= types
    assert facts[1] == facts[0]


def test_a_dying_worker_process_is_replaced(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, ""))
    offload = Offload(settings, processes=1)
    body = (
        b'<rss version="2.0"><channel><title>t</title><item><guid>a</guid></item></channel></rss>'
    )

    async def scenario() -> None:
        with pytest.raises(ParseError, match="died twice"):
            await offload._in_process(os._exit, 3)  # the process dies on this "document"
        # A new pool does the next document.
        parse = functools.partial(parse_feed, content_type="application/rss+xml", url="http://x/")
        feed = await offload._in_process(parse, body)
        assert [item.guid for item in feed.items] == ["http://x/a"]  # as feedparser resolves it

    try:
        asyncio.run(scenario())
    finally:
        offload.close()


HOLDS_A_POOL = """
import asyncio, sys, time
from monitor.config import load_settings
from monitor.offload import Offload
from monitor.sources.feed import strip_html

offload = Offload(load_settings(sys.argv[1]), processes=2)
asyncio.run(offload._in_process(strip_html, "<p>start the pool</p>"))
print(" ".join(str(pid) for pid in offload._pool._processes), flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find the processes")
def test_worker_processes_end_when_the_monitor_is_killed(tmp_path: Path) -> None:
    config = write_config(tmp_path, "")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDS_A_POOL, str(config)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        workers = [int(pid) for pid in holder.stdout.readline().split()]
        assert workers and all(_alive(pid) for pid in workers)
    finally:
        holder.kill()  # SIGKILL: no shutdown, no atexit
        holder.wait()
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "orphaned worker processes kept running"

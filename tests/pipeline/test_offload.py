"""Parsing and classification in worker processes read exactly what threads read."""

from __future__ import annotations

import asyncio
import functools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor.config import Settings, Source, load_settings
from monitor.detect.reports import make_detector
from monitor.errors import ParseError
from monitor.fetch import Fetched
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


def _documents(tmp_path: Path) -> tuple[Settings, list[tuple[Source, Fetched]]]:
    voa = feed_of(
        shared("seed-articles/voa-2024-10-05.txt"),
        "voa-1",
        "https://www.voanews.com/a/1.html",
        "Sat, 05 Oct 2024 09:00:00 GMT",
    )
    page = (FIXTURES / "lists" / "fsb_terror_list_excerpt.html").read_bytes()
    documents = {
        "voa": ("http://127.0.0.1:9/voa.xml", voa.encode(), "application/rss+xml"),
        "ru-fsb": ("http://127.0.0.1:9/terror.htm", page, "text/html"),
    }
    sources = '[[source]]\nid = "voa"\nkind = "feed"\nurl = "http://127.0.0.1:9/voa.xml"\n'
    sources += FSB_SOURCE.format(url="http://127.0.0.1:9/terror.htm")
    settings = load_settings(write_config(tmp_path, sources + WATCH_AND_TOPIC))
    by_id = {source.id: source for source in settings.sources}
    fetched = [
        (
            by_id[name],
            Fetched(
                url=url,
                http_status=200,
                not_modified=False,
                body=body,
                content_type=content_type,
                etag=None,
                last_modified=None,
                elapsed=0.0,
            ),
        )
        for name, (url, body, content_type) in documents.items()
    ]
    return settings, fetched


def test_worker_processes_read_what_threads_read(tmp_path: Path) -> None:
    settings, documents = _documents(tmp_path)
    detector = make_detector(settings)
    pooled, threaded = Offload(settings, processes=1), Offload(settings, processes=0)

    async def scenario() -> None:
        await asyncio.gather(*(asyncio.wrap_future(f) for f in pooled.start()))
        assert pooled.ready
        for source, fetched in documents:
            parsed = await pooled.parse(source, fetched)
            assert parsed == await threaded.parse(source, fetched)
            if source.kind == "feed":
                found = await pooled.classify(detector, source, parsed.items)
                assert found, "the VOA item reports a designation change"
                assert found == await threaded.classify(detector, source, parsed.items)
                # a first poll's single step gives the same items and findings
                together = await pooled.parse_and_classify(detector, source, fetched)
                assert together == (parsed, found)
                assert together == await threaded.parse_and_classify(detector, source, fetched)

    try:
        asyncio.run(scenario())
    finally:
        pooled.close()


def test_polls_do_not_wait_for_a_starting_pool(tmp_path: Path) -> None:
    """The first documents of a run are read in threads while the worker processes start."""
    settings, documents = _documents(tmp_path)
    offload = Offload(settings, processes=1)

    async def scenario() -> None:
        source, fetched = documents[0]
        assert (await offload.parse(source, fetched)).items
        assert offload._pool is not None  # started by that first document ...
        assert not offload.ready  # ... which did not wait for it

    try:
        asyncio.run(scenario())
    finally:
        offload.close()


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
from monitor.config import Settings, Source, load_settings
from monitor.detect.reports import make_detector
from monitor.fetch import Fetched
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

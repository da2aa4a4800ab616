"""Parsing and classification in worker processes read exactly what threads read."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from monitor import offload as offload_module
from monitor.config import Settings, Source, load_settings
from monitor.detect.reports import make_detector
from monitor.errors import ParseError
from monitor.fetch import Fetched
from monitor.offload import MIN_SOURCES, Offload, process_count
from monitor.sources import parse_document
from monitor.sources.feed import parse_feed
from tests.conftest import FIXTURES, REPO, RU_HTML_LIST, shared, write_config
from tests.pipeline.test_founding_story import WATCH_AND_TOPIC, feed_of


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
    sources += RU_HTML_LIST.format(id="ru-fsb", url="http://127.0.0.1:9/terror.htm")
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
        assert pooled.ready and pooled.in_processes and not threaded.in_processes
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


@contextmanager
def another_thread() -> Iterator[None]:
    """A thread that waits while the block runs, as a run's fetching and recording threads do."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def test_polls_do_not_wait_for_a_starting_pool(tmp_path: Path) -> None:
    """The first documents of a run are read in threads while the worker processes start."""
    settings, documents = _documents(tmp_path)
    offload = Offload(settings, processes=1)

    async def scenario() -> None:
        source, fetched = documents[0]
        assert (await offload.parse(source, fetched)).items
        assert offload.start_method == "spawn"  # started by that first document ...
        assert not offload.ready  # ... which did not wait for it

    try:
        with another_thread():  # a pool started mid-run, among threads, is spawned
            asyncio.run(scenario())
    finally:
        offload.close()


def test_a_pool_that_cannot_start_leaves_parsing_to_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, documents = _documents(tmp_path)

    def broken() -> None:
        raise RuntimeError("no parsers in this worker")

    # A forked worker inherits the broken warm-up (a spawned one would import the real one);
    # earlier tests may leave idle threads behind, harmless to this fork.
    monkeypatch.setattr(offload_module, "_warm_up", broken)
    monkeypatch.setattr(offload_module, "_can_fork", lambda: True)
    offload = Offload(settings, processes=1)

    async def scenario() -> None:
        warming = offload.start()
        assert offload.start_method == "fork"
        await asyncio.gather(*(asyncio.wrap_future(f) for f in warming), return_exceptions=True)
        assert offload.failed and not offload.ready and not offload.in_processes
        # from now on the pool is not asked: a parse in a worker would fail here
        offload._in_process = None  # type: ignore[method-assign]
        source, fetched = documents[1]
        assert await offload.parse(source, fetched) == parse_document(source, fetched)

    try:
        asyncio.run(scenario())
    finally:
        offload.close()


def test_no_fork_while_another_thread_runs(tmp_path: Path) -> None:
    settings, _ = _documents(tmp_path)
    offload = Offload(settings, processes=1)
    try:
        with another_thread():
            assert offload.prefork() == []
            assert offload.start_method is None  # nothing started: the first document will
            offload.start()
            assert offload.start_method == "spawn"
    finally:
        offload.close()


# The start of each script below: the FSB page as fetched, and a pool of one worker not started.
FETCHED_PAGE = """
import asyncio, json, sys, threading
from monitor.config import load_settings
from monitor.fetch import Fetched
from monitor.offload import Offload

settings = load_settings(sys.argv[1])
source = settings.sources[0]
fetched = Fetched(url=source.url, http_status=200, not_modified=False, content_type="text/html",
                  body=open(sys.argv[2], "rb").read(), etag=None, last_modified=None)
offload = Offload(settings, processes=1)
"""

PREFORKS = (
    FETCHED_PAGE
    + """
from monitor.sources import parse_document

alone = threading.active_count() == 1
warming = offload.prefork()

async def both():
    await asyncio.gather(*(asyncio.wrap_future(f) for f in warming))
    return await offload.parse(source, fetched), parse_document(source, fetched), offload.ready

pooled, threaded, ready = asyncio.run(both())
offload.close()
print(json.dumps({"alone": alone, "method": offload.start_method, "ready": ready,
                  "same": pooled == threaded, "entries": len(pooled)}))
"""
)

UNWARMED = (
    FETCHED_PAGE
    + """
import monitor.offload as module
here = []  # appended to in this process only: a forked worker appends to its own copy
parse_in_any_process = module.parse_document
def parse_document(*args):
    here.append(1)
    return parse_in_any_process(*args)
module.parse_document = parse_document  # pickled by name, so the worker runs it too
offload.prefork()  # not waited for: the document comes while the worker imports the parsers
entries = asyncio.run(offload.parse(source, fetched))
offload.close()
print(json.dumps({"method": offload.start_method, "entries": len(entries),
                  "parsed_here": len(here)}))
"""
)


def _run_on_the_fsb_page(tmp_path: Path, script: str) -> dict[str, Any]:
    config = write_config(
        tmp_path, RU_HTML_LIST.format(id="ru-fsb", url="http://127.0.0.1:9/terror.htm")
    )
    page = FIXTURES / "lists" / "fsb_terror_list_excerpt.html"
    proc = _python("-c", script, str(config), str(page))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_forked_pool_takes_documents_while_it_warms_up(tmp_path: Path) -> None:
    """A forked worker is ready within milliseconds, so the first document waits for it instead
    of being read in a thread of the monitor's own process."""
    seen = _run_on_the_fsb_page(tmp_path, UNWARMED)
    assert seen["method"] == "fork" and seen["entries"] > 0
    assert seen["parsed_here"] == 0


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )


def test_a_run_without_threads_forks_its_workers(tmp_path: Path) -> None:
    seen = _run_on_the_fsb_page(tmp_path, PREFORKS)
    assert seen["alone"] and seen["method"] == "fork" and seen["ready"]
    assert seen["same"] and seen["entries"] > 0  # the forked worker reads what a thread reads


def test_run_once_parses_in_forked_workers_and_records_what_threads_record(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    """The whole path: `monitor run --once` forks its worker before it polls, after it opened
    the database; the forked worker's results are recorded as a thread's would be, on a first
    poll and on a later one that finds one new item among a known one."""
    _settings, documents = _documents(tmp_path)
    menafn = feed_of(
        shared("seed-articles/menafn-2024-10-06.txt"),
        "menafn-1",
        "https://menafn.com/1.html",
        "Sun, 06 Oct 2024 09:00:00 GMT",
    )
    voa = documents[0][1].body.decode()
    both = voa.replace(
        "<item>", menafn[menafn.index("<item>") : menafn.index("</item>") + 7] + "<item>", 1
    )

    def serve(feed: str) -> None:
        httpserver.clear_all_handlers()
        for source, fetched in documents:
            body = feed.encode() if source.kind == "feed" else fetched.body
            httpserver.expect_request(f"/{source.id}").respond_with_data(
                body, content_type=fetched.content_type
            )

    sources = ""
    for source, _fetched in documents:
        url = httpserver.url_for(f"/{source.id}")
        if source.kind == "feed":
            sources += f'[[source]]\nid = "{source.id}"\nkind = "feed"\nurl = "{url}"\n'
        else:
            sources += RU_HTML_LIST.format(id="ru-fsb", url=url)
    configs = {}
    for processes in (1, 0):
        folder = tmp_path / f"processes-{processes}"
        folder.mkdir()
        body = f"[service]\nprocesses = {processes}\n{sources}{WATCH_AND_TOPIC}"
        configs[processes] = write_config(folder, body)
    for feed in (voa, both):
        serve(feed)
        for processes, config in configs.items():
            run = _python("-m", "monitor", "-v", "--config", str(config), "run", "--once")
            assert run.returncode == 0, run.stderr
            forked = "1 worker process(es) for parsing, fork" in run.stderr
            assert forked == (processes == 1), run.stderr
    recorded = {}
    for processes, config in configs.items():
        log = _python("-m", "monitor", "--config", str(config), "log", "--json")
        assert log.returncode == 0, log.stderr
        events = [json.loads(line) for line in log.stdout.splitlines()]
        recorded[processes] = sorted(  # ids and times differ between the two runs
            json.dumps([e["type"], e["source"], e["data"]], sort_keys=True) for e in events
        )
    types = [json.loads(event)[0] for event in recorded[1]]
    assert {"entry_added", "designation_reported"} <= set(types)
    assert types.count("item_published") == 2  # the known item is not published again ...
    assert types.count("designation_reported") == 1  # ... nor reported again
    assert types.count("designation_corroborated") == 1  # the new item, from another outlet
    assert recorded[1] == recorded[0]


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
from monitor.text import plain_text

offload = Offload(load_settings(sys.argv[1]), processes=2)
asyncio.run(offload._in_process(plain_text, "<p>start the pool</p>"))
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

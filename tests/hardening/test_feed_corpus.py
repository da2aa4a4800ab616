"""Every document of feedparser's own test corpus, served as a feed source: no crash, no hang."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select

from monitor.app import App
from monitor.config import load_settings
from monitor.store.tables import PollRow
from tests.conftest import shared, write_config
from tests.hardening.servers import serve_folder


def test_the_whole_feedparser_corpus(tmp_path: Path) -> None:
    corpus = shared("feedparser-corpus")
    files = sorted(
        p
        for p in corpus.rglob("*")
        if p.is_file() and p.suffix in (".xml", ".rdf", ".json", ".atom", ".rss")
    )
    assert len(files) > 2000
    with serve_folder(corpus) as base:
        body = "".join(
            f'[[source]]\nid = "f{i}"\nkind = "feed"\nurl = "{base}/{p.relative_to(corpus).as_posix()}"\nfail_after = 1\n'
            for i, p in enumerate(files)
        )
        config = write_config(tmp_path, body + '[http]\ntimeout = "10s"\nmax_bytes = "2MB"\n')
        app = App(load_settings(config))
        started = time.monotonic()
        try:
            results = app.poll_now(app.sources())
        finally:
            app.close()
        took = time.monotonic() - started
    assert len(results) == len(files)
    print(f"{len(files)} corpus feeds polled in {took:.1f}s")
    by_status: dict[str, int] = {}
    for result in results:
        by_status[result.status] = by_status.get(result.status, 0) + 1
        if result.failed:
            assert result.error and "Traceback" not in result.error
            assert result.error.startswith(("not a readable feed", "HTTP ")), result.error
    print(by_status)
    for result in results:
        if result.failed:
            print(result.source, result.error)
    assert by_status.get("changed", 0) > len(files) // 2, "most corpus documents yield items"

    app = App(load_settings(config))
    try:
        with app.store.read_tx() as conn:
            polls = conn.execute(select(PollRow.__table__)).all()
        failed_sources = {e.source for e in app.store.read(types=["source_failed"])}
        published = {e.source for e in app.store.read(types=["item_published"])}
    finally:
        app.close()
    assert len(polls) == len(files), "every poll is on record"
    failed = {r.source for r in results if r.failed}
    assert failed == failed_sources, "each failure is a recorded source_failed with its reason"
    for result in results:
        if result.status == "changed":
            assert result.source in published

"""A list too long for one page, with more versions than a page shows, through `monitor serve`:
the HTML page and the API give its entries at any moment a page at a time in key order (with the
count and a link to the next page, which works without JavaScript), the versions around the
moment with links to earlier and later ones, and `monitor state` still prints the whole list."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from lxml import html

from monitor.events import EntryChanged, NewEvent, source_stream
from monitor.store import Store
from monitor.web.present import ENTRIES_PAGE, precise_time
from tests.conftest import write_config
from tests.factories import added, entry, removed
from tests.web.conftest import screenshot
from tests.web.server import Server

pytestmark = pytest.mark.slow

SOURCE = "big-list"
T0 = datetime(2024, 10, 1, tzinfo=UTC)
POLLS = 25  # each a version: more than a page of versions shows (20)


def changed(key: str, decision: str) -> NewEvent:
    payload = EntryChanged(
        entry(key, decision=decision), "XX", before=entry(key), document="0" * 64
    )
    return NewEvent(source_stream(SOURCE), payload, source=SOURCE)


def moment(poll: int) -> datetime:
    return T0 + timedelta(hours=poll)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Server]]:
    """A list whose polls each add 100 entries and remove and amend some: 2,280 entries at
    the end (more than `monitor state` reads at a time), 25 versions."""
    folder = tmp_path_factory.mktemp("big")
    config = write_config(
        folder,
        f'[[source]]\nid = "{SOURCE}"\nkind = "list"\nformat = "html"\n'
        f'url = "http://127.0.0.1:9/list.html"\nentries = "tr"\nkey = "name"\n'
        '[source.fields]\nname = "td:nth-of-type(1)"\ndecision = "td:nth-of-type(2)"\n',
    )
    store = Store(f"sqlite:///{folder / 'state' / 'monitor.db'}")
    try:
        for poll in range(POLLS):
            events = [added(f"Org {poll:02d}-{i:03d}", SOURCE) for i in range(100)]
            if poll:
                events += [removed(f"Org {poll - 1:02d}-{i:03d}", SOURCE) for i in range(0, 5)]
                events += [changed(f"Org {poll - 1:02d}-{i:03d}", f"d{poll}") for i in (50, 51)]
            store.append(events, now=moment(poll))
    finally:
        store.close()
    server = Server(config, folder)
    yield config, server
    assert server.stop() == 0, server.output()


def at(poll: int) -> str:
    return precise_time(moment(poll))


def expected_keys(poll: int | None) -> list[str]:
    last = POLLS - 1 if poll is None else poll
    return sorted(
        f"Org {p:02d}-{i:03d}" for p in range(last + 1) for i in range(100) if p == last or i >= 5
    )


def page_of(server: Server, path: str) -> Any:
    response = server.get(path)
    assert response.status_code == 200, response.text
    return html.fromstring(response.text)


def link(document: Any, label: str) -> str | None:
    found = [a.get("href") for a in document.iter("a") if label in a.text_content()]
    return found[0].split("#")[0] if found else None


@pytest.mark.parametrize("poll", [None, 3, 24])
def test_the_page_gives_the_entries_a_page_at_a_time_by_links(
    big: tuple[Path, Server], poll: int | None
) -> None:
    _, server = big
    path: str | None = f"/lists/{SOURCE}" + (f"?{urlencode({'at': at(poll)})}" if poll else "")
    keys: list[str] = []
    pages = 0
    while path:
        document = page_of(server, path)
        heading = document.get_element_by_id("entries").text_content()
        assert re.match(rf"{len(expected_keys(poll))} entries ", heading), heading
        rows = document.xpath("//table[@class='entries']/tbody/tr/td[1]")
        assert 0 < len(rows) <= ENTRIES_PAGE
        keys += [td.text_content() for td in rows]
        pages += 1
        assert (link(document, "first entries") is None) == (pages == 1)
        path = link(document, "next entries")
    assert keys == expected_keys(poll)
    assert pages == -(-len(keys) // ENTRIES_PAGE)


def test_the_page_shows_the_versions_around_the_moment_and_pages_through_them(
    big: tuple[Path, Server],
) -> None:
    _, server = big
    document = page_of(server, f"/lists/{SOURCE}?{urlencode({'at': at(12)})}")
    assert "Versions (25)" in document.text_content()
    shown = document.xpath("//section[@class='versions']//li")
    assert len(shown) == 20
    [current] = [li for li in shown if li.get("aria-current")]
    assert urlencode({"at": at(12)}) in current.xpath(".//a[@class='version']")[0].get("href")
    assert "+100 added, −5 removed, ~2 changed" in current.text_content()
    seen = [li.xpath(".//a[@class='version']")[0].get("href") for li in shown]
    older, newer = link(document, "earlier versions"), link(document, "later versions")
    assert older and newer
    while older:  # back to the first version, keeping the moment asked for
        document = page_of(server, older)
        assert f"{len(expected_keys(12))} entries as known at" in document.text_content()
        assert link(document, "the versions around this moment")
        before = [a.get("href") for a in document.xpath("//a[@class='version']")]
        seen = before + seen
        older = link(document, "earlier versions")
    while newer:
        document = page_of(server, newer)
        seen += [a.get("href") for a in document.xpath("//a[@class='version']")]
        newer = link(document, "later versions")
    assert seen == [f"/lists/{SOURCE}?{urlencode({'at': at(p)})}" for p in range(POLLS)]


def test_the_api_pages_entries_and_versions(big: tuple[Path, Server]) -> None:
    config, server = big
    for poll in (None, 0, 7):
        url: str | None = f"/api/lists/{SOURCE}?" + urlencode(
            {"limit": 700, **({"at": at(poll)} if poll is not None else {})}
        )
        entries: list[Any] = []
        while url:
            answer = server.get(url).json()
            assert answer["count"] == len(expected_keys(poll))
            assert len(answer["entries"]) <= 700
            entries += answer["entries"]
            url = answer["next"]
        assert [e["key"] for e in entries] == expected_keys(poll)
        printed = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(config), "state", SOURCE,
             "--json", *(["--at", at(poll)] if poll is not None else [])],
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout  # fmt: skip
        assert [json.loads(line) for line in printed.splitlines()] == entries
    answer = server.get(f"/api/lists/{SOURCE}").json()
    assert answer["versions_total"] == POLLS and answer["versions_newer"] is None
    versions = answer["versions"]
    assert len(versions) == 20 and versions[-1]["recorded_at"] == at(POLLS - 1)
    older = server.get(answer["versions_older"]).json()
    assert [v["recorded_at"] for v in older["versions"] + versions] == [at(p) for p in range(POLLS)]
    assert older["versions_older"] is None and older["versions_newer"]
    assert server.get(f"/api/lists/{SOURCE}?after=%00").status_code == 400


def test_the_next_page_works_without_javascript(big: tuple[Path, Server], browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(f"{server_of(big).url}/lists/{SOURCE}?{urlencode({'at': at(24)})}")
        first = tab.locator("table.entries tbody tr td:first-child").all_inner_texts()
        with tab.expect_navigation():
            tab.click("text=next entries")
        second = tab.locator("table.entries tbody tr td:first-child").all_inner_texts()
        assert first + second == expected_keys(24)[: len(first) + len(second)]
        screenshot(tab, "list-large-page-2")
    finally:
        context.close()


def server_of(big: tuple[Path, Server]) -> Server:
    return big[1]

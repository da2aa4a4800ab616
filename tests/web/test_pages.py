"""The pages in a real browser (Debian's headless chromium), over `monitor serve` on the demo's
store: what each page shows, the filters, the pages of the log, an event's evidence, a list at
each of its versions, and a change recorded by `monitor poll` appearing without a reload.
Every page is photographed into state/screenshots/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.config import load_settings
from monitor.demo.runner import DOCUMENTS
from monitor.events import EntryChange, EntryChanged, StoryReport
from monitor.store import Store
from tests.web.conftest import play_demo, screenshot
from tests.web.server import Server

pytestmark = pytest.mark.slow


def events_of(config: Path) -> list[Any]:
    store = Store(load_settings(config, env={}).store.url, create=False)
    try:
        return store.read()
    finally:
        store.close()


def the(events: list[Any], kind: str, source: str | None = None) -> Any:
    return next(e for e in events if e.type == kind and (source is None or e.source == source))


def log_ids(page: Any) -> list[int]:
    return [int(i) for i in page.locator("table.log tbody tr[data-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.id)"
    )]  # fmt: skip


def log_types(page: Any) -> set[str]:
    return set(page.locator("table.log tbody .type").all_inner_texts())


def test_the_change_log_shows_what_the_demo_recorded(web: Server, demo: Path, page: Any) -> None:
    events = events_of(demo)
    page.goto(web.url + "/")
    assert page.title() == "Change log · monitor"
    ids = log_ids(page)
    assert ids == sorted((e.id for e in events), reverse=True)[:50]  # newest first, one page
    assert page.locator("#live-status").inner_text().startswith("Live")  # the stream opened
    screenshot(page, "log")
    # The demo's polls of one day run side by side, so where the report falls among the day's
    # events varies: it may be past the first page.
    reported = the(events, "designation_reported")
    if reported.id not in ids:
        page.goto(web.url + "/?type=designation_reported")
    row = page.locator(f'table.log tr[data-id="{reported.id}"]')
    assert "Taliban" in row.inner_text() and "voa-asia" in row.inner_text()


def test_the_filters_narrow_the_log(web: Server, demo: Path, page: Any) -> None:
    events = events_of(demo)
    page.goto(web.url + "/")
    page.select_option("select[name=type]", "entry_changed")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert log_types(page) == {"entry_changed"}
    assert set(log_ids(page)) == {e.id for e in events if e.type == "entry_changed"}

    page.select_option("select[name=type]", "")
    page.select_option("select[name=jurisdiction]", "RU")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert set(log_ids(page)) == {e.id for e in events if e.source == "ru-fsb-terrorist-list"}

    page.goto(web.url + "/")
    page.fill("input[name=q]", "mujao")  # any case, in the entries' names
    page.select_option("select[name=source]", "un-sc-consolidated")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    found = set(log_ids(page))
    assert found and all("MUJAO" in page.locator(f'tr[data-id="{i}"]').inner_text().upper()
                         for i in found)  # fmt: skip
    assert the(events, "entry_changed", "un-sc-consolidated").id in found
    screenshot(page, "log-filtered")

    # The entity filter, in Russian: the FSB row and the news story, not the other lists.
    page.goto(web.url + "/")
    page.fill("form.filters input[name=entity]", "Талибан")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    thread = {
        e.id
        for e in events
        if e.type.startswith("designation_")
        or (isinstance(e.payload, EntryChange) and "Талибан" in e.payload.entry["name"])
    }
    assert set(log_ids(page)) == thread
    page.goto(web.url + "/?entity=no+such+organisation")
    assert log_ids(page) == []

    first = min(e.recorded_at for e in events)
    page.goto(web.url + f"/?until={first.year - 1}-01-01")
    assert log_ids(page) == [] and "No event matches" in page.inner_text("table.log")
    page.goto(web.url + "/?since=not-a-date")
    assert "since: 'not-a-date' is not a date" in page.inner_text("main")


def test_the_log_pages_by_position(web: Server, demo: Path, page: Any) -> None:
    events = events_of(demo)
    page.goto(web.url + "/?limit=20")
    seen: list[int] = []
    while True:
        seen += log_ids(page)
        older = page.locator("a[rel=next]")
        if older.count() == 0:
            break
        with page.expect_navigation():
            older.click()
    assert seen == sorted((e.id for e in events), reverse=True)  # every event once, in order


def test_a_list_change_shows_the_entry_before_and_after(web: Server, demo: Path, page: Any) -> None:
    change = the(events_of(demo), "entry_changed", "ru-fsb-terrorist-list")
    assert isinstance(change.payload, EntryChanged)
    page.goto(web.url + f"/events/{change.id}")
    row = page.locator("table.compare tr.changed", has_text="decision")
    before, after = row.locator("td.before").inner_text(), row.locator("td.after").inner_text()
    assert before == change.payload.before["decision"]
    assert after == change.payload.entry["decision"]
    assert "приостановлен" in after and "приостановлен" not in before
    assert page.locator("table.compare tr", has_text="name").first.locator("td.before").inner_text()
    screenshot(page, "event-list-change")
    assert page.locator("section.document").inner_text().count("sha256") == 1
    with page.expect_navigation():
        page.click("text=The stored copy, as text")
    assert "Движение Талибан" in page.inner_text("body")  # decoded as the poll read it


def test_a_story_shows_its_first_report_evidence_and_outlets(
    web: Server, demo: Path, page: Any
) -> None:
    events = events_of(demo)
    first = the(events, "designation_reported")
    corroboration = the(events, "designation_corroborated")
    assert isinstance(first.payload, StoryReport)
    for event in (first, corroboration):  # the same story from either report
        page.goto(web.url + f"/events/{event.id}")
        story = page.locator("section.story")
        assert "voa-asia" in story.locator("p.first").inner_text()
        assert story.locator("blockquote").inner_text() == first.payload.evidence
        outlets = story.locator("ul.corroborations li").all_inner_texts()
        assert len(outlets) == 1 and "menafn-world" in outlets[0]
        assert "Taliban" in story.locator("p.finding").inner_text()
    screenshot(page, "event-story")
    page.goto(web.url + "/stories")
    rows = page.locator("table.stories tbody tr").all_inner_texts()
    assert any("RU / taliban" in r and "voa-asia, menafn-world" in r for r in rows)
    assert any("Moscow Format" in r for r in rows)
    screenshot(page, "stories")


def un_snapshot(name: str) -> set[str]:
    tree = etree.parse(str(DOCUMENTS / name))
    return {r.strip() for r in tree.xpath("//REFERENCE_NUMBER/text()")}


def test_time_travel_shows_each_un_snapshot(web: Server, page: Any) -> None:
    snapshots = [
        un_snapshot("un_consolidated_2018-10-29.excerpt.xml"),
        un_snapshot("un_consolidated_2020-03-20.excerpt.xml"),
    ]
    assert snapshots[0] != snapshots[1]
    page.goto(web.url + "/lists/un-sc-consolidated")
    versions = page.locator("a.version")
    assert versions.count() == 2
    for number, expected in enumerate(snapshots):
        page.goto(web.url + "/lists/un-sc-consolidated")
        with page.expect_navigation():
            page.locator("a.version").nth(number).click()
        keys = set(page.locator("table.entries tbody tr td:first-child").all_inner_texts())
        assert keys == expected, f"version {number + 1}"
        assert page.locator(".versions li[aria-current]").count() == 1
        screenshot(page, f"list-un-version-{number + 1}")
    # The date picker: a moment before the first poll knew no entry.
    page.fill("input[name=at]", "2001-09-01T00:00:00")
    with page.expect_navigation():
        page.click("form.travel button")
    assert "had no entry yet at that moment" in page.inner_text("main")
    with page.expect_navigation():
        page.click("form.travel a")
    assert (
        set(page.locator("table.entries tbody tr td:first-child").all_inner_texts())
        == (snapshots[1])
    )


def test_sources_and_deliveries(web: Server, demo: Path, page: Any) -> None:
    page.goto(web.url + "/sources")
    rows = page.locator("table.sources tbody tr")
    assert rows.count() == 4
    fsb = rows.filter(has_text="ru-fsb-terrorist-list").inner_text()
    assert "list/html" in fsb and "ok" in fsb and "1h" in fsb  # the demo's default interval
    for row in rows.all_inner_texts():
        assert row.count("Z") >= 2  # a last poll and a next poll, in UTC
    screenshot(page, "sources")
    with page.expect_navigation():
        page.click("table.sources >> text=ru-fsb-terrorist-list")
    assert page.url.endswith("/lists/ru-fsb-terrorist-list")
    page.goto(web.url + "/deliveries")
    desk = page.locator("table.deliveries tbody tr", has_text="desk").inner_text()
    assert "ok" in desk
    html = page.content()
    assert "alertfile" not in html and "alerts.txt" not in html  # never a channel's URL
    screenshot(page, "deliveries")


def test_a_missing_event_is_a_404_page(web: Server, page: Any) -> None:
    response = page.goto(web.url + "/events/999999")
    assert response.status == 404
    assert "no event with id 999999" in page.inner_text("main")


# --- live -------------------------------------------------------------------------------


@pytest.fixture
def changed_fsb_page(httpserver: HTTPServer) -> tuple[str, dict[str, bytes]]:
    """The FSB page served on 127.0.0.1, changeable while the test runs."""
    served = {"page": (DOCUMENTS / "fsb_terror_list_2025.html").read_bytes()}
    httpserver.expect_request("/fsb/npd/terror.htm").respond_with_handler(
        lambda _request: Response(served["page"], content_type="text/html")
    )
    return httpserver.url_for("/fsb/npd/terror.htm"), served


def test_a_change_recorded_by_a_poll_appears_without_a_reload(
    tmp_path: Path, page: Any, changed_fsb_page: tuple[str, dict[str, bytes]]
) -> None:
    url, served = changed_fsb_page
    config = play_demo(tmp_path / "demo")
    text = config.read_text(encoding="utf-8")
    config.write_text(
        "\n".join(
            f'url = "{url}"' if line.startswith("url = ") and "terror.htm" in line else line
            for line in text.splitlines()
        ),
        encoding="utf-8",
    )
    server = Server(config, config.parent)
    try:
        page.goto(server.url + "/?jurisdiction=RU")
        page.wait_for_selector("#live-status:not([hidden])")
        before = log_ids(page)
        row = b"<tr><td>99</td><td>Test Organisation Without A Name</td><td>Test decision</td></tr>"
        body = served["page"]
        cut = body.rindex(b"</table>")
        served["page"] = body[:cut] + row + body[cut:]
        poll = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(config), "poll",
             "ru-fsb-terrorist-list"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert poll.returncode == 0, poll.stderr
        fresh = page.locator("table.log tbody tr.fresh")
        fresh.first.wait_for(timeout=15_000)
        assert "added Test Organisation Without A Name" in fresh.first.inner_text()
        assert log_ids(page)[1:] == before  # added on top, nothing reloaded
        assert "1 new event" in page.inner_text("#live-status")
        screenshot(page, "log-live")
    finally:
        assert server.stop() == 0, server.output()

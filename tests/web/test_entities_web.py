"""One organisation's thread in the web app (issue 23), in a real browser over `monitor serve` on
the demo's store: the Taliban's page shows the FSB list's Russian entry as the same entity, the
news story with both outlets and its confirmation by the FSB list's change, and the thread in
log order with links that work; a search finds it in either script; the API answers what
`monitor entity --json` prints. Then, over a demo store of its own that the test adds to, the
page follows the log: a new list entry of the entity appears, unrelated events reuse the
resolution, and stories show as awaiting or unconfirmed past `confirm_within`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.clock import utcnow
from monitor.config import load_settings
from monitor.entities.timeline import by_id
from monitor.events import NewEvent, RecordedEvent, source_stream, story_stream
from monitor.store import Store
from monitor.web.knowledge import KnowledgeCache
from tests.factories import added, item, report
from tests.web.conftest import play_demo, screenshot
from tests.web.server import Server

pytestmark = pytest.mark.slow

FSB = "ru-fsb-terrorist-list"
FSB_LABEL = "FSB: unified federal list of terrorist organisations"
RUSSIAN_NAME = "Движение Талибан"


def events_of(config: Path) -> list[RecordedEvent]:
    store = Store(load_settings(config, env={}).store.url, create=False)
    try:
        return store.read()
    finally:
        store.close()


def the(events: list[RecordedEvent], kind: str, source: str | None = None) -> RecordedEvent:
    return next(e for e in events if e.type == kind and (source is None or e.source == source))


def hrefs(page: Any, selector: str) -> list[str]:
    return page.locator(f"{selector} a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )


def test_the_taliban_page_shows_its_lists_its_story_and_its_thread(
    web: Server, demo: Path, page: Any
) -> None:
    events = events_of(demo)
    baseline = next(
        e for e in events if e.type == "entry_added" and e.source == FSB
        and RUSSIAN_NAME in str(e.to_dict()["data"]["entry"]["name"])
    )  # fmt: skip
    reported = the(events, "designation_reported")
    corroborated = the(events, "designation_corroborated")
    change = the(events, "entry_changed", FSB)
    confirmed = the(events, "designation_confirmed")
    assert confirmed.to_dict()["data"]["event"] == change.id

    page.goto(web.url + "/entities?q=Taliban")  # one entity: its page at once
    assert page.url == web.url + "/entities/taliban"
    assert page.title() == "Taliban · monitor"
    assert page.locator("h1").inner_text() == "Taliban"

    # The FSB list's Russian entry is the same entity, on the list now.
    (fsb,) = page.locator("ul.now-on li").all()
    assert FSB_LABEL in fsb.inner_text() and RUSSIAN_NAME in fsb.inner_text()
    assert "/lists/ru-fsb-terrorist-list" in hrefs(page, "ul.now-on li")
    assert {f"/events/{baseline.id}", f"/events/{change.id}"} <= set(hrefs(page, "ul.now-on li"))
    assert page.locator("ul.was-on").count() == 0
    why = page.locator("section.why-one").inner_text()
    assert f"{FSB}:" in why and RUSSIAN_NAME in why and "news:taliban" in why

    # The story: both outlets, confirmed by the FSB list's change, when and where.
    (story,) = page.locator("li.story").all()
    text = story.inner_text()
    assert "voa-asia" in text and "menafn-world" in text and "2 reports" in text
    assert story.get_attribute("class") == "story status-confirmed"
    status = story.locator(".status").inner_text()
    assert status.startswith("confirmed on ") and FSB_LABEL in status
    links = hrefs(page, "li.story")
    assert links[0] == f"/events/{reported.id}"
    assert {f"/events/{change.id}", f"/events/{confirmed.id}", f"/lists/{FSB}"} <= set(links)

    # The thread, in log order: the list's entry and change, the reports, the confirmation.
    rows = [int(i) for i in page.locator("table.thread tbody tr[data-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.id)"
    )]  # fmt: skip
    assert rows == sorted(rows)
    # The demo's first day polls the lists and the feeds side by side: the list's baseline may
    # come before or after the first report; the later days are in order.
    assert set(rows[:2]) == {baseline.id, reported.id}
    assert rows[2:] == [corroborated.id, change.id, confirmed.id]
    screenshot(page, "entity")

    local = {h for h in [*hrefs(page, "main section"), *hrefs(page, "dl.facts")] if h[0] == "/"}
    for href in local:
        assert web.get(href).status_code == 200, href  # every link of the page works
    with page.expect_navigation():
        page.click(f'table.thread a[href="/events/{confirmed.id}"]')
    assert page.locator("h1").inner_text().startswith(f"#{confirmed.id}")


def test_the_search_finds_it_in_either_script(web: Server, page: Any) -> None:
    page.goto(web.url + "/sources")
    page.fill("header form.find-entity input[name=entity]", "Талибан")  # the navigation's box
    with page.expect_navigation():
        page.press("header form.find-entity input[name=entity]", "Enter")
    assert page.url == web.url + "/entities/taliban"
    assert page.locator("nav a[aria-current=page]").inner_text() == "Entities"

    page.goto(web.url + "/entities?q=" + "Движение «Талибан»")
    assert page.url == web.url + "/entities/taliban"

    page.goto(web.url + "/entities?q=Nobody+At+All")
    assert page.locator("h2").inner_text() == "No entity named “Nobody At All”"
    assert page.locator("input[name=q]").input_value() == "Nobody At All"

    page.goto(web.url + "/entities?q=Исламская группа")  # two FSB entries, two organisations
    found = hrefs(page, "table.entities")
    assert len(found) == 2 and page.locator("h2").inner_text().startswith("2 entities named")
    assert all(web.get(h).status_code == 200 for h in found)

    page.goto(web.url + "/entities")  # no name: the entities in the news
    assert "Taliban" in page.locator("table.entities").inner_text()
    screenshot(page, "entities")

    page.goto(web.url + "/stories")  # a designation story links its entity
    with page.expect_navigation():
        page.click('table.stories a[href="/entities?q=taliban"]')
    assert page.url == web.url + "/entities/taliban"


def test_the_api_answers_what_the_command_prints(web: Server, demo: Path, invoke: Any) -> None:
    printed = invoke(demo, "entity", "Талибан", "--json")
    assert printed.code == 0, printed
    answered = web.get("/api/entities/taliban")
    assert answered.status_code == 200
    assert answered.json() == json.loads(printed.out)

    (hit,) = web.get("/api/entities", params={"q": "Талибан"}).json()
    assert hit["id"] == "taliban" and hit["url"] == "/api/entities/taliban"
    assert any(m.startswith(f"{FSB}:") for m in hit["members"])
    assert web.get("/api/entities", params={"q": "Nobody At All"}).json() == []

    missing = web.get("/api/entities/" + "x" * 1000)
    assert missing.status_code == 404 and "no entity with id" in missing.json()["detail"]
    assert web.get("/api/entities/" + "x" * 1001).status_code == 422
    assert web.get("/entities/no-such-entity").status_code == 404
    assert web.get("/api/entities", params={"q": "x" * 501}).status_code == 422

    paths = web.get("/api/openapi.json").json()["paths"]
    assert {"/api/entities", "/api/entities/{entity_id}"} <= set(paths)
    assert "/entities" not in paths  # pages are not the API


# --- a store the test adds to ------------------------------------------------------------------


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Server]]:
    folder = tmp_path_factory.mktemp("entities")
    config = play_demo(folder)
    server = Server(config, folder)
    yield config, server
    assert server.stop() == 0, server.output()
    assert "Traceback" not in server.output()


def append(config: Path, *events: NewEvent) -> list[RecordedEvent]:
    store = Store(load_settings(config, env={}).store.url)
    try:
        return store.append(list(events))
    finally:
        store.close()


def test_the_resolution_is_kept_until_the_log_changes_what_it_read(
    grown: tuple[Path, Server],
) -> None:
    config, _ = grown
    settings = load_settings(config, env={})
    store = Store(settings.store.url)
    cache = KnowledgeCache()
    try:
        with store.reading() as tx:
            first = cache.knowledge(tx, settings)
        append(config, NewEvent(source_stream("voa-asia"), item("unrelated"), source="voa-asia"))
        with store.reading() as tx:
            assert cache.knowledge(tx, settings) is first  # a news item resolves nothing new
        append(config, added("TAe.999", "un-sc-consolidated", name="Taliban", reference="TAe.999"))
        with store.reading() as tx:
            again = cache.knowledge(tx, settings)
        assert again is not first
        taliban = by_id(again, "taliban")
        assert taliban is not None and "un-sc-consolidated:TAe.999" in taliban.members
    finally:
        store.close()


def test_the_page_follows_the_log(grown: tuple[Path, Server], page: Any) -> None:
    """A new list entry of the entity and new stories show on the next view of the page: an
    old one unconfirmed past `confirm_within` (90 days), a fresh one awaiting."""
    config, server = grown
    server.get("/entities/taliban")  # resolved once, before the log grows
    now = utcnow()
    old, fresh = "RU-taliban-announced_addition-2020-01-01", "RU-taliban-removed-fresh"
    long_ago = (now - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recently = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recorded = append(
        config,
        added("TAe.998", "un-sc-consolidated", name="Taliban", reference="TAe.998"),
        NewEvent(
            story_stream(old),
            report(
                old, url="https://news.example/old", action="announced_addition", published=long_ago
            ),
            source="voa-asia",
        ),
        NewEvent(
            story_stream(fresh),
            report(fresh, url="https://news.example/fresh", action="removed", published=recently),
            source="menafn-world",
        ),
    )
    page.goto(server.url + "/entities/taliban")
    listed = page.locator("ul.now-on").inner_text()
    assert "UN Security Council" in listed and FSB_LABEL in listed
    statuses = {
        li.get_attribute("data-story"): li.locator(".status").inner_text()
        for li in page.locator("li.story").all()
    }
    assert statuses[old].startswith("unconfirmed: no followed list recorded it within 90d")
    assert statuses[fresh].startswith("awaiting confirmation")
    rows = page.locator("table.thread tbody tr[data-id]").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.id))"
    )
    assert {e.id for e in recorded} <= set(rows) and rows == sorted(rows)
    screenshot(page, "entity-grown")
    api = server.get("/api/entities/taliban").json()
    assert {s["story"]: s["status"] for s in api["stories"]} == {
        "RU-taliban-announced_removal-2024-10-05": "confirmed",
        old: "unconfirmed",
        fresh: "awaiting",
    }

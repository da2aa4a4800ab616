"""A news report's page and API answer list its story's first report and the latest
``REPORTS_SHOWN`` corroborations, with the story's count, and older ones page by page (issue
22: a story of 1,400 reports made the page slow); ``monitor show`` still lists them all."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from monitor.config import load_settings
from monitor.events import NewEvent, story_stream
from monitor.evidence import REPORTS_SHOWN
from monitor.store import Store
from monitor.web.app import create_app
from tests.factories import report

STORY = "designation:RU:taliban:announced_removal:1"
CORROBORATIONS = REPORTS_SHOWN + 5
NOW = datetime(2024, 10, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def told(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[int]]]:
    """A config whose store holds one story: a first report and its corroborations."""
    folder = tmp_path_factory.mktemp("story")
    config = folder / "monitor.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{folder}/monitor.db"\n', encoding="utf-8")
    store = Store(load_settings(config, env={}).store.url)
    events = [
        NewEvent(
            story_stream(STORY),
            report(STORY, url=f"https://news{n}.example/a", corroborates=n > 0),
            source=f"outlet{n}",
        )
        for n in range(CORROBORATIONS + 1)
    ]
    ids = [e.id for e in store.append(events, now=NOW + timedelta(minutes=1))]
    store.close()
    yield config, ids


@pytest.fixture(scope="module")
def client(told: tuple[Path, list[int]]) -> Iterator[TestClient]:
    settings = load_settings(told[0], env={})
    store = Store(settings.store.url)
    with TestClient(create_app(settings, store), base_url="http://127.0.0.1") as test_client:
        yield test_client
    store.close()


def linked(html: str) -> list[int]:
    """The report ids the corroborations list links to, in order."""
    listed = html.split('<ul class="corroborations">', 1)[1].split("</ul>", 1)[0]
    return [int(i) for i in re.findall(r'href="/events/(\d+)"', listed)]


def test_the_page_lists_the_latest_and_pages_to_older(
    client: TestClient, told: tuple[Path, list[int]]
) -> None:
    ids = told[1]
    page = client.get(f"/events/{ids[1]}")
    assert page.status_code == 200
    assert f"Corroborated by {CORROBORATIONS} other outlets" in page.text
    assert linked(page.text) == ids[-REPORTS_SHOWN:]
    older = re.search(r'href="(/events/\d+\?reports_before=\d+)#corroborations"', page.text)
    assert older is not None and 'rel="next"' in page.text
    rest = client.get(older[1])
    assert linked(rest.text) == ids[1:-REPORTS_SHOWN]
    assert "reports_before" not in rest.text.split('<ul class="corroborations">', 1)[1]
    assert "← latest reports" in rest.text
    assert "outlet0" in rest.text.split("<h3", 1)[0]  # the first report, on every page


def test_the_api_pages_the_same_way_and_show_lists_every_report(
    client: TestClient, told: tuple[Path, list[int]], invoke
) -> None:
    config, ids = told
    story = client.get(f"/api/events/{ids[0]}").json()["evidence"]["story"]
    assert story["count"] == CORROBORATIONS + 1
    assert [r["id"] for r in story["reports"]] == [ids[0], *ids[-REPORTS_SHOWN:]]
    older = client.get(f"/api/events/{ids[0]}?reports_before={story['older']}").json()
    assert [r["id"] for r in older["evidence"]["story"]["reports"]] == ids[:-REPORTS_SHOWN]
    assert older["evidence"]["story"]["older"] is None
    assert client.get(f"/api/events/{ids[0]}?reports_before=0").status_code == 422

    shown = json.loads(invoke(config, "show", str(ids[0]), "--json").out)
    assert [r["id"] for r in shown["evidence"]["story"]["reports"]] == ids

"""The JSON API of a running `monitor serve` gives what the CLI's --json gives: events exactly as
`monitor log --json` and `monitor show --json` print them, a list at a moment as `monitor state
--at`, with the log's filters, keyset pages, the live stream, and clear refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.server import Server

pytestmark = pytest.mark.slow


def cli(config: Path, *args: str) -> list[Any]:
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_events_are_what_monitor_log_prints(web: Server, demo: Path) -> None:
    printed = cli(demo, "log", "--json")
    everything: list[Any] = []
    url: str | None = "/api/events?limit=7"
    while url:
        page = web.get(url).json()
        everything += page["events"]
        url = page["next"]
    assert everything == printed  # every event, newest first, exactly as printed, once
    changed = web.get("/api/events?type=entry_changed").json()["events"]
    assert changed == [e for e in printed if e["type"] == "entry_changed"]
    several = web.get("/api/events?type=entry_changed&type=entry_removed").json()["events"]
    assert several == [e for e in printed if e["type"] in ("entry_changed", "entry_removed")]
    un = web.get("/api/events?jurisdiction=UN&q=Khorasan").json()["events"]
    assert [e["type"] for e in un] == ["entry_added"]


def test_an_event_is_what_monitor_show_prints(web: Server, demo: Path) -> None:
    story = web.get("/api/events?type=designation_reported").json()["events"][0]
    (shown,) = cli(demo, "show", str(story["id"]), "--json")
    assert web.get(f"/api/events/{story['id']}").json() == shown
    assert [r["source"] for r in shown["evidence"]["story"]["reports"]] == [
        "voa-asia", "menafn-world"
    ]  # fmt: skip


def test_a_list_at_each_version_is_what_monitor_state_prints(web: Server, demo: Path) -> None:
    now = web.get("/api/lists/un-sc-consolidated").json()
    assert now["at"] is None and len(now["versions"]) == 2
    for version in now["versions"]:
        at = version["recorded_at"]
        state = web.get("/api/lists/un-sc-consolidated", params={"at": at}).json()
        assert state["entries"] == cli(demo, "state", "un-sc-consolidated", "--at", at, "--json")
    assert state["entries"] == now["entries"]  # the last version is today's list
    first = web.get("/api/lists/un-sc-consolidated", params={"at": "2001-01-01"}).json()
    assert first["entries"] == [] and "had no entry yet" in first["why_empty"]


def test_stories_sources_and_deliveries(web: Server, demo: Path) -> None:
    stories = web.get("/api/stories").json()
    assert {s["kind"] for s in stories} == {"designation", "topic"}
    designation = web.get("/api/stories?kind=designation").json()
    assert designation[0]["sources"] == ["voa-asia", "menafn-world"]
    assert designation[0]["reports"] == 2
    assert web.get("/api/sources").json() == cli(demo, "sources", "--json")
    deliveries = web.get("/api/deliveries").json()
    printed = cli(demo, "deliveries", "--json")
    assert deliveries == [{k: v for k, v in row.items() if k != "url"} for row in printed]


def test_bad_requests_are_refused_with_a_reason(web: Server) -> None:
    missing = web.get("/api/events/999999")
    assert missing.status_code == 404 and missing.json() == {"detail": "no event with id 999999"}
    assert web.get("/api/events?before=abc").status_code == 422
    assert web.get("/api/events?limit=0").status_code == 422
    bad_date = web.get("/api/events?since=yesterday-ish")
    assert (
        bad_date.status_code == 400
        and "since: 'yesterday-ish' is not a date" in (bad_date.json()["detail"])
    )
    assert web.get("/api/events?source=nope").status_code == 400
    assert "no source has jurisdiction 'XX'" in web.get("/api/events?jurisdiction=XX").text
    feed = web.get("/api/lists/voa-asia")
    assert feed.status_code == 400 and "voa-asia is a feed" in feed.json()["detail"]
    assert web.get("/api/lists/nope").status_code == 404
    assert web.get("/api/stories?kind=rumour").status_code == 422


def test_the_openapi_document_describes_the_api(web: Server) -> None:
    document = web.get("/api/openapi.json").json()
    paths = document["paths"]
    for path in ("/api/events", "/api/events/{event_id}", "/api/events/stream",
                 "/api/lists/{source_id}", "/api/stories", "/api/sources", "/api/deliveries",
                 "/feeds/changes.atom"):  # fmt: skip
        assert path in paths, path
    names = {p["name"] for p in paths["/api/events"]["get"]["parameters"]}
    assert names == {
        "type",
        "source",
        "jurisdiction",
        "since",
        "until",
        "q",
        "entity",
        "before",
        "limit",
    }
    assert "/" not in paths and "/login" not in paths  # pages are not the API


def test_the_live_stream_sends_new_events(web: Server, demo: Path) -> None:
    ids = [e["id"] for e in web.get("/api/events?limit=4").json()["events"]]
    messages: list[dict[str, Any]] = []
    with httpx.stream(
        "GET", web.url + f"/api/events/stream?after={ids[3]}", timeout=30
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                messages.append(json.loads(line[6:]))
            if len(messages) == 3:
                break
    assert [m["id"] for m in messages] == ids[2::-1]  # oldest first
    assert messages[-1]["summary"] and messages[-1]["data"]

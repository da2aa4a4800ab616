"""A list page whose layout changes is suspect, never a mass removal; its return is silent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.conftest import write_config

NAMES = [f"Organisation number {i}" for i in range(30)]
SOURCE = """
[[source]]
id = "national-list"
kind = "list"
format = "html"
url = "{url}"
entries = "table#terror tr:not(:first-child)"
key = "name"
[source.fields]
name = "td:nth-of-type(2)"
"""


def table(names: list[str], attrs: str = 'id="terror"') -> str:
    rows = "".join(f"<tr><td>{i}</td><td>{n}</td></tr>" for i, n in enumerate(names, 1))
    return f"<table {attrs}><tr><th>No</th><th>Name</th></tr>{rows}</table>"


RENAMED = "id='terror-list' class='new'"
CONTINUED = "class='continued'"
GOOD = f"<html><body><h1>List</h1>{table(NAMES)}</body></html>"
LAYOUTS = {
    "renamed": f"<html><body>{table(NAMES, RENAMED)}</body></html>",
    "split": f"<html><body>{table(NAMES[:10])}{table(NAMES[10:], CONTINUED)}</body></html>",
    "emptied": f"<html><body>{table([])}</body></html>",
    "error page": "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_layout_change_is_suspect_and_its_return_is_silent(
    httpserver: HTTPServer, tmp_path: Path, invoke, layout: str
) -> None:
    current = {"body": GOOD}
    httpserver.expect_request("/list").respond_with_handler(
        lambda _r: Response(current["body"], content_type="text/html; charset=utf-8")
    )
    alerts = tmp_path / "alerts.txt"
    channel = f'\n[[channel]]\nname = "desk"\nurl = "alertfile://{alerts}"\nnotify = ["health", "designation"]\n'
    config = write_config(tmp_path, SOURCE.format(url=httpserver.url_for("/list")) + channel)

    def new_events(after: int) -> list[dict]:
        rows = [json.loads(x) for x in invoke(config, "log", "--json").out.splitlines()]
        return sorted((r for r in rows if r["id"] > after), key=lambda r: r["id"])

    assert invoke(config, "poll", "national-list").code == 0
    last = max(e["id"] for e in new_events(0))

    current["body"] = LAYOUTS[layout]
    assert invoke(config, "poll", "national-list").code == 0
    events = new_events(last)
    assert [e["type"] for e in events if e["type"] != "notification_sent"] == ["parse_suspect"]
    assert events[0]["data"]["expected"] == 30 and events[0]["data"]["found"] < 15
    last = events[0]["id"]
    told = alerts.read_text()
    assert told.count("=" * 78) == 2, told  # one message: the health alert, no removal
    assert "national-list" in told and "suspect" in told.lower()

    current["body"] = GOOD.replace("<h1>List</h1>", "<h1>List (updated)</h1>")
    assert invoke(config, "poll", "national-list").code == 0
    events = new_events(last)
    assert [e["type"] for e in events if e["type"] != "notification_sent"] == ["source_recovered"]
    state = [
        json.loads(x) for x in invoke(config, "state", "national-list", "--json").out.splitlines()
    ]
    assert sorted(e["name"] for e in state) == sorted(NAMES)
    assert invoke(config, "replay").code == 0

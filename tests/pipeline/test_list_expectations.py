"""A list checks itself: entries outside `expect_entries`, missing canaries (`expect`) or keys
found twice make a poll parse_suspect, with what was expected and found, never a baseline or a
removal; the first poll included."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.diff import parse_problems
from tests.conftest import shared, write_config

SOURCE = """
[[source]]
id = "fsb"
kind = "list"
format = "html"
url = "{url}"
jurisdiction = "RU"
entries = 'tr:has(td):not(:contains("п/п"))'
key = "name"
expect_entries = [30, 400]
expect = ["«База» («Аль-Каида»)", "Исламское государство"]
[source.fields]
name = "{name}"
"""


def _events(invoke, config: Path) -> list[dict]:
    return [json.loads(x) for x in invoke(config, "log", "--json").out.splitlines()]


def test_a_wrong_selector_on_the_first_poll_is_suspect_and_a_right_one_sets_the_baseline(
    httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    page = shared("ru_fsb/fsb_terror_list_2024.html").read_bytes()
    httpserver.expect_request("/terror.htm").respond_with_handler(
        lambda _r: Response(page, content_type="text/html")
    )
    url = httpserver.url_for("/terror.htm")
    # The third cell (the court decision) instead of the second (the name).
    config = write_config(tmp_path, SOURCE.format(url=url, name="td:nth-of-type(3)"))
    assert invoke(config, "poll", "fsb").code == 0
    [suspect] = _events(invoke, config)
    assert suspect["type"] == "parse_suspect"
    problems = suspect["data"]["problems"]
    assert "missing expected entries: «База» («Аль-Каида»), Исламское государство" in problems
    assert any("repeat another entry's key" in p for p in problems)  # the shared decisions
    shown = invoke(config, "show", str(suspect["id"])).out
    assert "missing expected entries" in shown

    config = write_config(tmp_path, SOURCE.format(url=url, name="td:nth-of-type(2)"))
    assert invoke(config, "poll", "fsb").code == 0
    events = _events(invoke, config)
    added = [e for e in events if e["type"] == "entry_added"]
    assert len(added) == 37 and all(e["data"]["baseline"] for e in added)
    assert [e["type"] for e in events].count("source_recovered") == 1


def test_problems_name_what_was_expected_and_found() -> None:
    parsed = [{"key": "A", "name": "Alpha"}, {"key": "B"}, {"key": "B #2"}]
    assert parse_problems(parsed, known={}, expect_entries=(5, 10), expect=["alpha", "Gamma"]) == [
        "found 3 entries, expected 5 to 10",
        "missing expected entries: Gamma",
        "1 entries repeat another entry's key: 'B #2'",
    ]
    # A repeated key the log already holds (an accepted parse) is no longer a problem.
    assert parse_problems(parsed, known={"B #2": {"key": "B #2"}}, expect=["«Alpha»"]) == []


def test_a_re_keyed_list_is_suspect_not_every_entry_removed_and_added() -> None:
    """Same entries, another key (a changed key setting, or a layout that moved the key's
    cell): without the check, as many removals and additions as entries."""
    from monitor.diff import ListPoll, list_events

    before = {k: {"key": k, "name": k} for k in ("A", "B", "C", "D")}
    state = ListPoll("s", "RU", before, has_baseline=True, suspect=False)
    rekeyed = [{"key": f"{k} (row)", "name": k} for k in before]
    [event] = list_events(state, rekeyed, document="d", ratio=0.5)
    assert event.type == "parse_suspect"
    assert list(event.payload.problems) == [
        "only 0 of the 4 recorded keys are still there (has the key or the layout changed?)"
    ]
    # Half the keys kept is a real change: recorded as such.
    half = [{"key": "A", "name": "A"}, {"key": "B", "name": "B"}, {"key": "E"}, {"key": "F"}]
    assert sorted(e.type for e in list_events(state, half, document="d", ratio=0.5)) == [
        "entry_added", "entry_added", "entry_removed", "entry_removed"
    ]  # fmt: skip

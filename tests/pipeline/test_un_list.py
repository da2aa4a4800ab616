"""The three real UN consolidated list snapshots, served one after another as one xml source."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.clock import utcnow
from monitor.events import format_time
from tests.conftest import catalogue_source, shared, write_config

SNAPSHOTS = ("2017-07-03", "2018-10-29", "2020-03-20")
QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})

SOURCE = """
[[source]]
id = "un-sc-consolidated"
kind = "list"
format = "xml"
url = "{url}"
jurisdiction = "UN"
entries = "/CONSOLIDATED_LIST/*/*[self::INDIVIDUAL or self::ENTITY]"
key = "reference"
[source.fields]
reference = "REFERENCE_NUMBER"
name = "concat(FIRST_NAME, ' ', SECOND_NAME, ' ', THIRD_NAME, ' ', FOURTH_NAME)"
list_type = "UN_LIST_TYPE"
listed_on = "LISTED_ON"
"""


def _norm(text: str | None) -> str:
    return " ".join((text or "").translate(QUOTES).split())


def snapshot(path: Path) -> dict[str, dict[str, str]]:
    """The entries of one file, computed here without the monitor's parser."""
    entries = {}
    for element in ET.parse(path).getroot().iter():
        if element.tag not in ("INDIVIDUAL", "ENTITY"):
            continue
        reference = _norm(element.findtext("REFERENCE_NUMBER"))
        name = _norm(
            " ".join(
                element.findtext(t) or ""
                for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
            )
        )
        entries[reference] = {
            "key": reference,
            "reference": reference,
            "name": name,
            "list_type": _norm(element.findtext("UN_LIST_TYPE")),
            "listed_on": _norm(element.findtext("LISTED_ON")),
        }
    return entries


def test_un_snapshots_give_exactly_their_differences(
    httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    files = [shared(f"un/un_consolidated_{day}.xml") for day in SNAPSHOTS]
    snapshots = [snapshot(f) for f in files]
    current = {"body": b""}
    httpserver.expect_request("/consolidated.xml").respond_with_handler(
        lambda request: __import__("werkzeug").Response(
            current["body"], content_type="application/xml"
        )
    )
    config = write_config(tmp_path, SOURCE.format(url=httpserver.url_for("/consolidated.xml")))

    moments = []
    last_id = 0
    for index, (path, expected) in enumerate(zip(files, snapshots, strict=True)):
        current["body"] = path.read_bytes()
        result = invoke(config, "poll", "un-sc-consolidated")
        assert result.code == 0, result
        moments.append(utcnow())
        time.sleep(0.01)
        events = [json.loads(line) for line in invoke(config, "log", "--json").out.splitlines()]
        new = [e for e in events if e["id"] > last_id]
        last_id = max(e["id"] for e in events)
        added = {e["data"]["entry"]["key"]: e for e in new if e["type"] == "entry_added"}
        removed = {e["data"]["entry"]["key"]: e for e in new if e["type"] == "entry_removed"}
        changed = {e["data"]["entry"]["key"]: e for e in new if e["type"] == "entry_changed"}
        assert len(added) + len(removed) + len(changed) == len(new), "only entry events, none twice"
        if index == 0:
            assert set(added) == set(expected)
            assert all(e["data"]["baseline"] is True for e in added.values())
            assert not removed and not changed
        else:
            previous = snapshots[index - 1]
            assert set(added) == set(expected) - set(previous)
            assert set(removed) == set(previous) - set(expected)
            really_changed = {
                k for k in set(expected) & set(previous) if expected[k] != previous[k]
            }
            assert set(changed) == really_changed
            for key, event in changed.items():
                assert event["data"]["before"] == previous[key]
                assert event["data"]["entry"] == expected[key]
            assert all("baseline" not in e["data"] for e in new)
        for event in new:
            assert event["data"]["jurisdiction"] == "UN"
            assert len(event["data"]["document"]) == 64
            if event["type"] != "entry_removed":
                assert event["data"]["entry"] == expected[event["data"]["entry"]["key"]]

    # Real diffs between these snapshots are sizeable both ways.
    assert len(set(snapshots[1]) - set(snapshots[0])) > 50
    assert len(set(snapshots[1]) - set(snapshots[2])) > 50

    for moment, expected in zip(moments, snapshots, strict=True):
        result = invoke(
            config,
            "state",
            "un-sc-consolidated",
            "--at",
            format_time(moment).replace("Z", "") + "." + f"{moment.microsecond:06d}",
            "--json",
        )
        assert result.code == 0, result
        rows = [json.loads(line) for line in result.out.splitlines()]
        assert {r["key"]: r for r in rows} == expected
    now_rows = [
        json.loads(x)
        for x in invoke(config, "state", "un-sc-consolidated", "--json").out.splitlines()
    ]
    assert {r["key"]: r for r in now_rows} == snapshots[-1]

    # An unchanged document is not parsed again and records nothing.
    result = invoke(config, "poll", "un-sc-consolidated")
    assert result.code == 0 and "unchanged" in result.out
    events = [json.loads(line) for line in invoke(config, "log", "--json").out.splitlines()]
    assert max(e["id"] for e in events) == last_id


def test_the_2024_pair_that_differs_only_in_date_generated_records_no_entry_event(
    httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    """Two real downloads five days apart, the catalogue's source as shipped."""
    current = {"day": "21"}
    httpserver.expect_request("/un.xml").respond_with_handler(
        lambda _r: Response(
            shared(f"un/un_consolidated_2024-09-{current['day']}.xml").read_bytes(),
            content_type="application/xml",
        )
    )
    url = httpserver.url_for("/un.xml")
    config = write_config(tmp_path, catalogue_source("un.toml", "un-sc-consolidated", url))
    assert invoke(config, "poll", "un-sc-consolidated").code == 0
    current["day"] = "26"
    second = invoke(config, "poll", "un-sc-consolidated")
    assert second.code == 0 and "unchanged" in second.out  # a new document, the same entries
    events = [json.loads(x) for x in invoke(config, "log", "--json").out.splitlines()]
    assert len(events) == 875 and all(e["data"].get("baseline") for e in events)

"""A store written by an earlier release reads and replays with this one.

`tests/fixtures/stores/demo-at-33a1724.db` is what `monitor demo --keep` wrote at commit 33a1724,
before issues 19-21 changed the store's opening, the events' evidence, the HTTP stack and the
list checks. Its log is the founding story (a designation reported and corroborated, a topic, list
changes, alerts sent). This release must replay it to the same projections and show its evidence.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from monitor.demo.runner import CONFIG
from tests.conftest import FIXTURES


def test_an_earlier_store_replays_to_the_same_projections_and_shows_its_evidence(
    tmp_path: Path, invoke
) -> None:
    shutil.copyfile(FIXTURES / "stores" / "demo-at-33a1724.db", tmp_path / "monitor.db")
    config = tmp_path / "monitor.toml"  # the demo's own config, beside its store
    config.write_text(CONFIG.format(folder=tmp_path, base="http://127.0.0.1:9"), encoding="utf-8")
    replayed = invoke(config, "replay")
    assert replayed.code == 0, replayed
    assert "replayed 65 events" in replayed.out and "projections match the log" in replayed.out

    events = [json.loads(x) for x in invoke(config, "log", "--json").out.splitlines()]
    assert len(events) == 65
    [reported] = [e for e in events if e["type"] == "designation_reported"]
    data = reported["data"]
    assert (data["actor"], data["entity"], data["action"]) == ("RU", "Taliban", "announced_removal")

    # Its events were written before payloads had types and versions (schema 1): read through
    # the payload classes, each prints exactly the JSON that was stored.
    fixture = FIXTURES / "stores" / "demo-at-33a1724.db"
    with closing(sqlite3.connect(f"file:{fixture}?immutable=1", uri=True)) as db:
        stored = {i: json.loads(d) for i, d in db.execute("SELECT id, data FROM events")}
    assert {e["id"]: e["data"] for e in events} == stored

    shown = json.loads(invoke(config, "show", str(reported["id"]), "--json").out)
    reports = shown["evidence"]["story"]["reports"]
    assert [r["type"] for r in reports] == ["designation_reported", "designation_corroborated"]
    assert invoke(config, "db", "upgrade").code == 0  # already current: nothing to do

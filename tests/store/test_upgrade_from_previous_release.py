"""A store written by an earlier release reads and replays with this one.

`tests/fixtures/stores/demo-at-33a1724.db` is what `monitor demo --keep` wrote at commit 33a1724,
before issues 19-21 changed the store's opening, the events' evidence, the HTTP stack and the
list checks. Its log is the founding story (a designation reported and corroborated, a topic, list
changes, alerts sent). This release must replay it to the same projections and show its evidence.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import FIXTURES, write_config

CONFIG = """
[[watch]]
entity = "Taliban"
aliases = ["Taleban", "Талибан", "Движение «Талибан»"]

[[topic]]
name = "Moscow Format"
match = ["Moscow Format", "Moscow-format", "Московский формат", "Московского формата"]

[[channel]]
name = "desk"
url = "alertfile://{folder}/alerts.txt"
notify = ["designation", "topic", "health"]

[[source]]
id = "voa-asia"
kind = "feed"
url = "http://127.0.0.1:9/voa-asia.xml"

[[source]]
id = "menafn-world"
kind = "feed"
url = "http://127.0.0.1:9/menafn-world.xml"

[[source]]
id = "ru-fsb-terrorist-list"
kind = "list"
format = "html"
url = "http://127.0.0.1:9/fsb/npd/terror.htm"
jurisdiction = "RU"
entries = "table tr:not(:first-child)"
key = "name"
[source.fields]
name = "td:nth-of-type(2)"
decision = "td:nth-of-type(3)"

[[source]]
id = "un-sc-consolidated"
kind = "list"
format = "xml"
url = "http://127.0.0.1:9/consolidated.xml"
jurisdiction = "UN"
entries = "/CONSOLIDATED_LIST/*/*[self::INDIVIDUAL or self::ENTITY]"
key = "reference"
[source.fields]
reference = "REFERENCE_NUMBER"
name = "normalize-space(concat(FIRST_NAME, ' ', SECOND_NAME, ' ', THIRD_NAME, ' ', FOURTH_NAME))"
"""


def test_an_earlier_store_replays_to_the_same_projections_and_shows_its_evidence(
    tmp_path: Path, invoke
) -> None:
    store = tmp_path / "monitor.db"
    shutil.copyfile(FIXTURES / "stores" / "demo-at-33a1724.db", store)
    config = write_config(tmp_path, CONFIG.format(folder=tmp_path), store=f"sqlite:///{store}")
    replayed = invoke(config, "replay")
    assert replayed.code == 0, replayed
    assert "replayed 65 events" in replayed.out and "projections match the log" in replayed.out

    events = [json.loads(x) for x in invoke(config, "log", "--json").out.splitlines()]
    assert len(events) == 65
    [reported] = [e for e in events if e["type"] == "designation_reported"]
    data = reported["data"]
    assert (data["actor"], data["entity"], data["action"]) == ("RU", "Taliban", "announced_removal")

    shown = json.loads(invoke(config, "show", str(reported["id"]), "--json").out)
    reports = shown["evidence"]["story"]["reports"]
    assert [r["type"] for r in reports] == ["designation_reported", "designation_corroborated"]
    assert invoke(config, "db", "upgrade").code == 0  # already current: nothing to do

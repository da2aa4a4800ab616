"""Issue 23, end to end on the founding story: news confirmed by the list, one entity's thread.

`monitor demo --keep` runs the real pipeline over the recorded documents: VOA reports Russia's
"principal decision" on the Taliban, MENAFN corroborates it, and the FSB page later amends the
Taliban's row with the Supreme Court's suspension. Then the commands a user runs, as processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

FSB = "ru-fsb-terrorist-list"


def monitor(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(folder / "monitor.toml"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        cwd=folder,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("founding")
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "demo", "--keep", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        cwd=folder,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return folder, done.stdout


def log(folder: Path) -> list[dict[str, Any]]:
    done = monitor(folder, "log", "--json", "--limit", "100000")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def entity(folder: Path, name: str) -> dict[str, Any]:
    done = monitor(folder, "entity", name, "--json")
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.slow
def test_one_story_one_confirmation_and_the_fsb_alert_names_the_story(
    demo: tuple[Path, str],
) -> None:
    folder, out = demo
    events = log(folder)
    reported = [e for e in events if e["type"] == "designation_reported"]
    corroborated = [e for e in events if e["type"] == "designation_corroborated"]
    confirmed = [e for e in events if e["type"] == "designation_confirmed"]
    assert len(reported) == 1 and len(corroborated) == 1 and len(confirmed) == 1
    story = reported[0]["data"]["story"]
    assert story.startswith("RU-taliban-announced_removal-")
    assert corroborated[0]["data"]["story"] == story
    link = confirmed[0]["data"]
    fsb_change = next(e for e in events if e["id"] == link["event"])
    assert fsb_change["type"] == "entry_changed" and fsb_change["source"] == FSB
    assert "приостановлен" in fsb_change["data"]["entry"]["decision"]
    assert link == {"story": story, "event": fsb_change["id"], "source": FSB, "entity": "Taliban"}
    # The FSB change's alert names the story, with its first outlet; no alert of its own.
    alerts = out.split("The alerts the desk received")[1].split("The change log")[0]
    fsb_alert = next(a for a in alerts.split("=" * 78) if "Запрет деятельности" in a)
    assert f"Confirms: the news story {story} (change #{fsb_change['id']})" in fsb_alert
    assert "first reported by VOA" in fsb_alert
    assert alerts.count("Russia: Taliban — removal from terrorist list announced") == 1
    assert alerts.count(f"Confirms: the news story {story}") == 1  # named, never alerted twice
    sent = [e["data"]["events"] for e in events if e["type"] == "notification_sent"]
    assert [fsb_change["id"], confirmed[0]["id"]] in sent  # one message for both


@pytest.mark.slow
def test_monitor_entity_taliban_shows_the_thread_in_order(demo: tuple[Path, str]) -> None:
    folder, _ = demo
    thread = entity(folder, "Taliban")
    assert thread["entity"]["name"] == "Taliban"
    # The Russian list's name is the same entity, and asking in Russian finds it too.
    assert [(x["source"], x["on_list"]) for x in thread["lists"]] == [(FSB, True)]
    assert "Талибан" in thread["lists"][0]["name"]
    assert entity(folder, "Движение «Талибан»")["entity"]["id"] == thread["entity"]["id"]
    [story] = thread["stories"]
    assert story["status"] == "confirmed" and story["reports"] == 2
    assert story["sources"] == ["voa-asia", "menafn-world"]
    kinds = [e["type"] for e in thread["events"]]
    # The demo's first day polls the FSB list (its baseline) and VOA side by side, in any order.
    assert sorted(kinds[:2]) == ["designation_reported", "entry_added"]
    assert kinds[2:] == [
        "designation_corroborated",  # MENAFN, the next day
        "entry_changed",  # the suspension on the FSB page
        "designation_confirmed",
    ]
    ids = [e["id"] for e in thread["events"]]
    assert ids == sorted(ids)
    text = monitor(folder, "entity", "Taliban")
    assert text.returncode == 0
    assert "confirmed by" in text.stdout and "Движение Талибан" in text.stdout
    # log --entity keeps the thread's events (and the news items whose titles name it).
    about = {e["id"] for e in json.loads("[" + ",".join(_lines(folder, "Taliban")) + "]")}
    assert set(ids) <= about
    assert all(
        e["type"] in {*kinds, "item_published", "topic_reported"}
        for e in log(folder)
        if e["id"] in about
    )


def _lines(folder: Path, name: str) -> list[str]:
    done = monitor(folder, "log", "--entity", name, "--json")
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.slow
def test_replay_rebuilds_it_and_a_rule_changes_resolution_without_touching_the_log(
    demo: tuple[Path, str],
) -> None:
    folder, _ = demo
    before_log, before = log(folder), entity(folder, "Taliban")
    assert monitor(folder, "replay").returncode == 0  # the stored projections match the log
    assert monitor(folder, "replay", "--write").returncode == 0
    assert entity(folder, "Taliban") == before
    # A rule says the FSB row is not this entity: the resolution changes, the facts do not.
    config = folder / "monitor.toml"
    original = config.read_text()
    try:
        config.write_text(
            original
            + '\n[[entity]]\nname = "Taliban"\n'
            + f"not_same_as = ['{FSB}:\"Движение Талибан\"']\n"
        )
        apart = entity(folder, "Taliban")
        assert apart["lists"] == [] and len(apart["stories"]) == 1
        assert monitor(folder, "replay").returncode == 0
        assert log(folder) == before_log
    finally:
        config.write_text(original)
    assert entity(folder, "Taliban") == before

"""Stories: same key within the window corroborates; stable ids; a new action is a new story."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from monitor.detect.model import Designation, TopicMatch
from monitor.detect.stories import (
    Story,
    assign_story,
    story_id,
    story_key_for_designation,
    story_key_for_topic,
    story_prefix,
)
from tests.conftest import REPO

WINDOW = timedelta(days=14)


def at(day: int, month: int = 10) -> datetime:
    return datetime(2024, month, day, 9, tzinfo=UTC)


def story(
    key: tuple[str, ...], first: datetime, last: datetime | None = None, url: str = "u"
) -> Story:
    return Story(
        id="RU-taliban-announced_removal-2024-10-05",
        kind="designation",
        key=key,
        first_published=first,
        last_published=last or first,
        sources=frozenset({"voa"}),
        urls=frozenset({url}),
    )


def test_keys_are_canonical() -> None:
    a = Designation("GB", "HTS", "removed", False, "")
    b = Designation("GB", "Hayat Tahrir al-Sham", "removed", False, "")
    assert story_key_for_designation(a) == story_key_for_designation(b)
    assert story_key_for_designation(Designation("RU", "Талибан", "suspended", True, "")) == (
        "RU",
        "taliban",
        "suspended",
    )
    assert story_key_for_topic(TopicMatch("Moscow Format", "")) == ("Moscow Format",)


def test_first_report_opens_a_story_with_a_stable_id() -> None:
    key = ("RU", "taliban", "announced_removal")
    assert assign_story(key, "designation", at(5), "a", [], WINDOW) == (
        "RU-taliban-announced_removal-2024-10-05",
        True,
    )
    assert assign_story(("Moscow Format",), "topic", at(5), "a", [], WINDOW) == (
        "moscow-format-2024-10-05",
        True,
    )


def test_later_report_within_the_window_corroborates() -> None:
    key = ("RU", "taliban", "announced_removal")
    stories = [story(key, at(5))]
    assert assign_story(key, "designation", at(6), "b", stories, WINDOW) == (stories[0].id, False)
    assert assign_story(key, "designation", at(4), "b", stories, WINDOW) == (stories[0].id, False)


def test_window_counts_from_the_latest_report_too() -> None:
    key = ("RU", "taliban", "announced_removal")
    stories = [story(key, at(1), last=at(14))]
    assert assign_story(key, "designation", at(25), "b", stories, WINDOW)[1] is False


def test_outside_the_window_is_a_new_story() -> None:
    key = ("RU", "taliban", "announced_removal")
    stories = [story(key, at(5))]
    new_id, is_new = assign_story(key, "designation", at(5, 11), "b", stories, WINDOW)
    assert (new_id, is_new) == ("RU-taliban-announced_removal-2024-11-05", True)


def test_enacted_after_announced_is_a_new_story() -> None:
    stories = [story(("RU", "taliban", "announced_removal"), at(5))]
    key = ("RU", "taliban", "suspended")
    assert assign_story(key, "designation", at(6), "b", stories, WINDOW)[1] is True


def test_same_url_is_the_same_story() -> None:
    key = ("RU", "taliban", "announced_removal")
    stories = [story(key, at(5), url="https://x/1")]
    assert assign_story(key, "designation", at(30), "https://x/1", stories, WINDOW)[1] is False


def test_id_collision_gets_a_suffix() -> None:
    other = story(("RU", "taliban", "announced_removal"), at(5))
    clash = Story(other.id, "designation", ("RU", "taliban!", "announced_removal"), at(5), at(5),
                  frozenset(), frozenset())  # fmt: skip
    new_id, is_new = assign_story(clash.key, "designation", at(5), "b", [other], WINDOW)
    assert (new_id, is_new) == (other.id + "-2", True)


def test_ids_start_with_their_keys_prefix() -> None:
    """A poll reads the open stories of a key by this prefix, so every id must carry it."""
    for kind, key in [
        ("designation", ("RU", "taliban", "announced_removal")),
        ("designation", ("US", "hayat tahrir al-sham", "added")),
        ("topic", ("Moscow Format",)),
    ]:
        assert story_id(key, kind, at(5)).startswith(story_prefix(key, kind))
    taliban = story_prefix(("RU", "taliban", "removed"), "designation")
    pakistani = story_prefix(("RU", "tehrik-i-taliban", "removed"), "designation")
    assert not pakistani.startswith(taliban) and not taliban.startswith(pakistani)


def test_recording_findings_loads_no_classifier() -> None:
    """The monitor's process records what a worker process classified: importing the recorder
    (and unpickling findings) must not compile the classifiers' rules or the entity matcher."""
    code = (
        "import sys, monitor.detect.reports, monitor.detect.model\n"
        "heavy = [m for m in ('designations', 'topics', 'actors', 'cues') "
        "if f'monitor.detect.{m}' in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""

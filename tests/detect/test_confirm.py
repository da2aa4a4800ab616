"""Which list changes confirm which news stories (monitor.detect.confirm): pure."""

from __future__ import annotations

from monitor.detect.confirm import Claim, SameEntity, confirmations
from monitor.events import EntryChange, RecordedEvent
from tests.factories import recorded

TALIBAN_ROW = {"key": "Движение «Талибан»", "name": "Движение «Талибан»"}
REMOVAL = Claim("RU-taliban-announced_removal-2024-10-05", "RU", "Taliban", "announced_removal")


def same_when_listed_as(*names: str) -> SameEntity:
    """A stand-in for entity resolution: the story's entity is the rows of these names."""

    def same(entity: str, change: EntryChange) -> str | None:
        name = change.entry["name"]
        return entity if name in names else None

    return same


def changed(event_id: int, entry: dict[str, str], **kw: object) -> RecordedEvent:
    return recorded(event_id, "entry_changed", {"entry": entry, "before": entry, **kw})


def test_an_amended_row_confirms_an_announced_removal_of_the_same_entity() -> None:
    change = changed(7, {**TALIBAN_ROW, "decision": "suspended"})
    found = confirmations([change], [REMOVAL], "RU", same_when_listed_as(TALIBAN_ROW["name"]))
    assert [(f.claim.story, f.change.id, f.entity) for f in found] == [
        (REMOVAL.story, 7, "Taliban")
    ]


def test_another_actors_list_another_entity_or_a_baseline_confirms_nothing() -> None:
    same = same_when_listed_as(TALIBAN_ROW["name"])
    change = changed(7, TALIBAN_ROW)
    assert confirmations([change], [REMOVAL], "KZ", same) == []
    assert confirmations([changed(8, {"key": "x", "name": "Other"})], [REMOVAL], "RU", same) == []
    baseline = recorded(9, "entry_added", {"entry": TALIBAN_ROW, "baseline": True})
    addition = Claim("RU-taliban-added-2024-10-05", "RU", "Taliban", "added")
    assert confirmations([baseline], [addition], "RU", same) == []


def test_the_kind_of_change_must_fit_the_action() -> None:
    same = same_when_listed_as(TALIBAN_ROW["name"])
    addition = Claim(
        "RU-taliban-announced_addition-2024-10-05", "RU", "Taliban", "announced_addition"
    )
    removal = recorded(5, "entry_removed", {"entry": TALIBAN_ROW})
    added = recorded(6, "entry_added", {"entry": TALIBAN_ROW})
    assert confirmations([removal], [addition], "RU", same) == []
    assert [f.change.id for f in confirmations([added], [addition], "RU", same)] == [6]
    assert [f.change.id for f in confirmations([removal], [REMOVAL], "RU", same)] == [5]


def test_a_story_is_confirmed_once_by_the_first_matching_change() -> None:
    same = same_when_listed_as(TALIBAN_ROW["name"])
    first, second = changed(7, TALIBAN_ROW), recorded(8, "entry_removed", {"entry": TALIBAN_ROW})
    found = confirmations([first, second], [REMOVAL], "RU", same)
    assert [f.change.id for f in found] == [7]

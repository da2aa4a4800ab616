"""Actors: the gazetteer in English and Russian and the rules choosing the designating one."""

from __future__ import annotations

import pytest

from monitor.detect.actors import choose_actors, find_actors, implied_actor


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Moscow said", "RU"),
        ("the Kremlin said", "RU"),
        ("Russia's Supreme Court ruled", "RU"),
        ("Верховный суд РФ постановил", "RU"),
        ("Минюст сообщил", "RU"),
        ("Генпрокуратура обратилась", "RU"),
        ("в Казахстане", "KZ"),
        ("Киргизия исключила", "KG"),
        ("Кыргызстан исключил", "KG"),
        ("Bishkek said", "KG"),
        ("the State Department said", "US"),
        ("the U.S. said", "US"),
        ("Госдеп заявил", "US"),
        ("the Home Office said", "GB"),
        ("the UN Security Council voted", "UN"),
        ("СБ ООН принял", "UN"),
        ("Ottawa listed", "CA"),
        ("the European Union added", "EU"),
    ],
)
def test_gazetteer(text: str, code: str) -> None:
    assert [a.code for a in find_actors(text)][:1] == [code]


def test_acronym_us_is_case_sensitive() -> None:
    assert find_actors("let us see") == []


def _choose(text: str, verb: str, entity: str) -> list[str]:
    v = text.index(verb)
    e = text.index(entity)
    return choose_actors(text, (v, v + len(verb)), [(e, e + len(entity))], text)


def test_owner_of_the_list_wins() -> None:
    text = (
        "Russia said a decision was made to remove Afghanistan's ruling Taliban from Moscow's list"
    )
    assert _choose(text, "remove", "Taliban") == ["RU"]


def test_home_country_before_entity_is_a_modifier() -> None:
    assert _choose("Canada listed Iran's IRGC as a terrorist entity", "listed", "IRGC") == ["CA"]
    assert _choose("Канада признала иранский КСИР террористическим", "признала", "КСИР") == ["CA"]


def test_subject_before_verb_is_not_a_modifier() -> None:
    assert _choose("Kyrgyzstan delists Taliban", "delists", "Taliban") == ["KG"]


def test_coordinated_actors() -> None:
    text = "welcomed Kazakhstan and Kyrgyzstan's announcements that they will remove the Taliban"
    assert _choose(text, "remove", "Taliban") == ["KZ", "KG"]


def test_reactor_and_compared_country_are_not_actors() -> None:
    text = "Pakistan welcomed the US decision to designate the BLA"
    assert _choose(text, "designate", "BLA") == ["US"]
    text = "Kyrgyzstan, following Kazakhstan, removed the Taliban"
    assert _choose(text, "removed", "Taliban") == ["KG"]


def test_agent_of_passive() -> None:
    text = "The Houthis were designated by the State Department"
    assert _choose(text, "designated", "Houthis") == ["US"]


def test_implied_by_list_name() -> None:
    assert implied_actor("designated a Foreign Terrorist Organization") == "US"
    assert implied_actor("listed under the Criminal Code") == "CA"
    assert implied_actor("proscribed under the Terrorism Act", strong=False) == "GB"
    assert implied_actor("a terrorist list") is None

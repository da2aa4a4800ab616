"""The followed lists' names as a gazetteer: names and aliases in any script, found word by word."""

from __future__ import annotations

from monitor.detect.listed import ListedNames, display_name, name_from_lists
from monitor.detect.model import Designation

ENTRIES = [
    {
        "key": "QDe.088",
        "name": "EASTERN TURKISTAN ISLAMIC MOVEMENT (ETIM)",
        "type": "ENTITY",
        "aliases": ["The Eastern Turkistan Islamic Party", "Djamaat Turkistan", "ETIP"],
    },
    {"key": "EU.1.2", "name": "Hizbul Mujahideen", "aliases": ["حزب المجاهدين", "HM"]},
    {"key": "QDi.1", "name": "Abu Bakr", "type": "INDIVIDUAL", "aliases": ["Bakr", "Abu Bakr Ali"]},
    {"key": "7", "name": ""},
]


def test_names_and_aliases_in_any_script_name_the_list_entry() -> None:
    listed = ListedNames(ENTRIES)
    text = "Kyrgyzstan adds the Eastern Turkistan Islamic Party and حزب المجاهدين to its list"
    assert listed.find(text) == ["Eastern Turkistan Islamic Movement (ETIM)", "Hizbul Mujahideen"]
    assert listed.canonical("«Djamaat Turkistan»") == "Eastern Turkistan Islamic Movement (ETIM)"
    assert listed.canonical("Islamic Party") is None


def test_names_that_would_match_common_text_are_left_out() -> None:
    listed = ListedNames(ENTRIES)
    assert listed.canonical("HM") is None  # under four letters
    assert listed.canonical("Bakr") is None  # an individual's single word
    assert listed.canonical("Abu Bakr Ali") == "Abu Bakr"
    assert listed.find("The hm, the Turkistan region, a Djamaat") == []


def test_display_name_keeps_acronyms_and_mixed_case() -> None:
    assert display_name("AL-QAIDA") == "Al-Qaida"
    assert display_name("ISLAMIC MOVEMENT OF UZBEKISTAN") == "Islamic Movement of Uzbekistan"
    assert display_name("Hizbul Mujahideen") == "Hizbul Mujahideen"


def test_a_designation_is_named_from_the_lists_only_where_nothing_else_named_it() -> None:
    listed = ListedNames(ENTRIES)
    unnamed = Designation(
        "KG", "", "added", False, "Kirguistán incluye a حزب المجاهدين en la lista"
    )
    named = name_from_lists(unnamed, listed, known=False)
    assert named.entity == "Hizbul Mujahideen"
    assert named.signals["listed"] == "Hizbul Mujahideen"
    alias = Designation("KZ", "Djamaat Turkistan", "added", False, "...")
    assert name_from_lists(alias, listed, known=False).entity.startswith("Eastern Turkistan")
    taliban = Designation("RU", "Taliban", "removed", True, "... Djamaat Turkistan ...")
    assert name_from_lists(taliban, listed, known=True) is taliban
    other = Designation("KZ", "Some Front", "added", False, "Djamaat Turkistan, Some Front")
    assert name_from_lists(other, listed, known=False) is other  # its own name is kept

"""Names: normalisation, alias patterns (inflection, quotes, transliteration), extraction."""

from __future__ import annotations

import pytest

from monitor.config import Watch
from monitor.detect.names import (
    EntityMatcher,
    canonical_entity,
    extract_names,
    matcher,
    normalise,
    ru_stem,
    slug,
)

TALIBAN = Watch(entity="Taliban", aliases=["Taleban", "Талибан", "Движение «Талибан»"])


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("the Taliban's", "taliban"),
        ("Taleban", "taliban"),
        ("«Талибана»", "талибан"),
        ("  Hayat   Tahrir al-Sham ", "hayat tahrir al sham"),
        ("Объём", "объем"),
    ],
)
def test_normalise(name: str, key: str) -> None:
    assert normalise(name) == key


def test_ru_stem_keeps_four_letters() -> None:
    assert ru_stem("Талибана") == "талибан"
    assert ru_stem("талибы") == "талиб"
    assert ru_stem("ООН") == "оон"


@pytest.mark.parametrize(
    "text",
    [
        "Russia removed the Taliban from its list",
        "the Taliban's delisting",
        "TALIBAN",
        "the Taleban",
        "движения «Талибан»",
        "«Талибана»",
        "Талибаном",
        "талибов",
        "Движение «Талибан»",
    ],
)
def test_watched_name_in_any_form(text: str) -> None:
    found = EntityMatcher([(TALIBAN.entity, tuple(TALIBAN.aliases))]).find(text)
    assert [(m.canonical, m.watched) for m in found] == [("Taliban", True)]


def test_unwatched_known_name_is_not_watched() -> None:
    found = matcher(()).find("Canada listed the IRGC")
    assert [(m.canonical, m.watched) for m in found] == [("IRGC", False)]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("HTS", "Hayat Tahrir al-Sham"),
        ("Hay'at Tahrir al-Sham", "Hayat Tahrir al-Sham"),
        ("«Хайят Тахрир аш-Шам»", "Hayat Tahrir al-Sham"),
        ("хуситов", "Houthis"),
        ("Ansarallah", "Houthis"),
        ("Корпус стражей исламской революции", "IRGC"),
        ("Tren de Aragua", "Tren de Aragua"),
        ("Al-Haq", "Al-Haq"),
    ],
)
def test_canonical_entity(text: str, canonical: str) -> None:
    assert canonical_entity(text) == canonical


def test_acronyms_are_case_sensitive() -> None:
    assert matcher(()).find("hts and the base") == []
    assert [m.canonical for m in matcher(()).find("HTS and The Base")] == [
        "Hayat Tahrir al-Sham",
        "The Base",
    ]


def test_longest_alias_wins() -> None:
    found = matcher(()).find("ISIS-K, not ISIS")
    assert [m.canonical for m in found] == ["Islamic State Khorasan", "Islamic State"]


def test_slug_is_ascii() -> None:
    assert slug("Талибан") == "taliban"
    assert slug("Hayat Tahrir al-Sham") == "hayat-tahrir-al-sham"


def test_extract_names_from_object_slot() -> None:
    text = (
        "Israel has designated six Palestinian groups, including Al-Haq and Addameer, as terrorist"
    )
    verb = text.index("designated")
    actors = [(text.index("Israel"), text.index("Israel") + 6)]
    start = text.index("Palestinian")
    actors.append((start, start + len("Palestinian")))
    names = extract_names(text, verb, verb + 10, 0, len(text), actors)
    assert [n for n, _, _ in names] == ["Al-Haq", "Addameer"]


def test_extract_names_prefers_quotes() -> None:
    text = "Суд признал движение «Маньяки-убийцы» террористическим"
    verb = text.index("признал")
    assert [n for n, _, _ in extract_names(text, verb, verb + 7, 0, len(text), [])] == [
        "Маньяки-убийцы"
    ]

"""Name keys across scripts and transliterations, and the names packed into one name field."""

from __future__ import annotations

import pytest

from monitor.entities.names import digits, loose, name_key, shape, variants


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Движение «Талибан»", "Taliban"),  # the FSB's name, the news's; a type word dropped
        ('"Движение Талибан"', "the Taleban"),
        ("Taliban movement", "TALIBAN"),
        ("AL QA'IDA", "Al-Qaida"),  # an apostrophe inside a word is dropped, not spaced
        ("Аль-Каида", "Al-Kaida"),  # Cyrillic to Latin
        ("Islamic State in Iraq and the Levant", "ISLAMIC STATE OF IRAQ AND THE LEVANT"),
        ("ABU SAYYAF GROUP", "Abu Sayyaf"),
        ('Террористическое сообщество "Мегионский джамаат"', "Мегионский джамаат"),
        ("Hay’at Tahrir al-Sham", "Hay'at Tahrir al-Sham"),
    ],
)
def test_one_name_one_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b) != ""


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Islamic Group", "Islamic"),  # a type word stays when only a common word would remain
        ("Исламская группа", "Исламская"),
        ("Jihad Group", "Jihad"),
        ("Islamic Movement of Uzbekistan", "Islamic of Uzbekistan"),  # never inside a name
        ("Taliban", "Tehrik-e Taliban Pakistan"),
        ("Al-Qaida", "Al-Qaida in the Arabian Peninsula"),
        ("Al-Jihad", "Jihad"),  # the article is part of the key
    ],
)
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_keys_are_latin_lower_case_words() -> None:
    assert name_key("Хайят Тахрир аш-Шам") == "khayyat takhrir ash sham"
    assert name_key("طالبان") == "tlbn"  # Arabic script: consonants only (no key of a Latin name)
    assert name_key("«»") == ""


def test_loose_folds_transliteration_habits() -> None:
    assert loose(name_key("Хайят Тахрир аш-Шам")) == loose(name_key("Hay'at Tahrir al-Sham"))
    assert loose(name_key("Лашкар-И-Тайба")) == loose(name_key("LASHKAR E-TAYYIBA"))
    assert loose(name_key("Jemaah Islamiyah")) == loose(name_key("Jemaa Islamiyah"))


def test_shape_keeps_consonants_and_where_vowels_are() -> None:
    assert shape(loose(name_key("Hizballah"))) == shape(loose(name_key("Hezbollah")))
    assert shape(loose(name_key("Ansar"))) != shape(loose(name_key("Ansaru")))
    assert shape(loose(name_key("Korea Taesong"))) != shape(loose(name_key("Korea Daesong")))
    assert digits(name_key("Holdings III, Inc")) == ("iii",)
    assert digits(name_key("Office 39")) == ("39",)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("TEHRIK-E TALIBAN PAKISTAN (TTP)", ["TEHRIK-E TALIBAN PAKISTAN", "TTP"]),
        ('"База" ("Аль-Каида")', ["База", "Аль-Каида"]),
        ("HARAKAT UL-MUJAHIDIN / HUM", ["HARAKAT UL-MUJAHIDIN", "HUM"]),
        (
            "COMPAGNIE AERIENNE DES GRANDS LACS (CAGL) ; GREAT LAKES BUSINESS COMPANY (GLBC)",
            ["COMPAGNIE AERIENNE DES GRANDS LACS", "CAGL", "GREAT LAKES BUSINESS COMPANY", "GLBC"],
        ),
        ("Аль-Каида, Al-Qaida", ["Аль-Каида", "Al-Qaida"]),  # one name in two scripts (KG)
        (
            '"Исламское государство" (другие названия: "Исламское Государство Ирака и Сирии")',
            ["Исламское государство", "Исламское Государство Ирака и Сирии"],
        ),
        (
            "Hay'at Tahrir al-Sham (HTS) (هيئة تحرير الشام (original script); Hayat Tahrir al-Sham)",
            ["Hay'at Tahrir al-Sham", "HTS", "هيئة تحرير الشام", "Hayat Tahrir al-Sham"],
        ),
    ],
)
def test_variants_unpack_a_name_field(name: str, expected: list[str]) -> None:
    found = list(variants(name))
    assert found[0] == name.strip()
    assert all(v in found for v in expected), found
    assert "original script" not in found


@pytest.mark.parametrize(
    "name",
    [
        "AL-HARAMAIN FOUNDATION (PAKISTAN)",  # a country tells two branches apart
        "HANIFA MONEY EXCHANGE OFFICE (BRANCH LOCATED IN ALBU KAMAL, SYRIAN ARAB REPUBLIC)",
        "LEADER (HONG KONG) INTERNATIONAL",  # a bracket inside a name is part of it
        "AL-HARAMAIN: AFGHANISTAN BRANCH",  # a colon is no separator
        "CIMEX, S.A.",  # a comma between words of one script neither
    ],
)
def test_qualified_names_stay_whole(name: str) -> None:
    assert [name_key(v) for v in variants(name)] == [name_key(name)]

"""Mentions: a list entry (as the log stores it) or a news report's organisation."""

from __future__ import annotations

import pytest

from monitor.entities.mentions import identifier, kind_of, mention_of_entry, mention_of_news


def test_a_un_entry() -> None:
    entry = {
        "key": "QDe.004",
        "reference": "QDe.004 ",
        "name": "AL-QAIDA",
        "type": "ENTITY",
        "aliases": ['"The Base"', "Al Qaeda"],
    }
    mention = mention_of_entry("un-sc-consolidated", "QDe.004", entry, {"un": "reference"})
    assert mention.ref == "un-sc-consolidated:QDe.004"
    assert mention.names == ("AL-QAIDA", '"The Base"', "Al Qaeda")
    assert mention.identifiers == ("un:QDe.004",)
    assert (mention.kind, mention.source) == ("organisation", "un-sc-consolidated")


def test_an_ofac_csv_entry_names_its_akas() -> None:
    entry = {
        "key": "7149",
        "uid": "7149",
        "name": "REVIVAL OF ISLAMIC HERITAGE SOCIETY",
        "type": "",
        "remarks": "a.k.a. 'RIHS'; a.k.a. 'AL-FURKAN'; f.k.a. 'OLD NAME'.",
    }
    mention = mention_of_entry("us-ofac-sdn-all", "7149", entry, {"ofac": "uid"})
    assert mention.names == ("REVIVAL OF ISLAMIC HERITAGE SOCIETY", "RIHS", "AL-FURKAN", "OLD NAME")
    assert (mention.identifiers, mention.kind) == (("ofac:7149",), "unknown")


def test_a_uk_entry_carries_the_un_reference_and_its_own_id() -> None:
    entry = {"key": "AFG0001", "id": "AFG0001", "name": "X", "un_reference": "TAe.010"}
    mention = mention_of_entry("gb", "AFG0001", entry, {"un": "un_reference", "uk": "id"})
    assert set(mention.identifiers) == {"un:TAe.010", "uk:AFG0001"}


def test_empty_identifiers_and_names_are_left_out() -> None:
    entry = {"key": "207", "name": "Front", "un_id": "", "aliases": ["", "Front", "IBDA-C"]}
    mention = mention_of_entry("eu", "207", entry, {"un": "un_id", "eu": "missing"})
    assert (mention.identifiers, mention.names) == ((), ("Front", "IBDA-C"))
    assert mention_of_entry("x", "k", {"key": "k"}, {}).names == ("k",)


def test_other_name_fields_are_names() -> None:
    entry = {"key": "АЛЬ-КАИДА", "name": "АЛЬ-КАИДА", "name_en": "AL-QAIDA", "birthdate": ""}
    mention = mention_of_entry("kz", "АЛЬ-КАИДА", entry, {})
    assert mention.names == ("АЛЬ-КАИДА", "AL-QAIDA")
    assert mention.kind == "unknown"


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        ({"type": "INDIVIDUAL"}, "individual"),  # UN
        ({"type": "ENTITY"}, "organisation"),
        ({"type": "individual"}, "individual"),  # OFAC
        ({"type": "vessel"}, "asset"),
        ({"type": "aircraft"}, "asset"),
        ({"type": "Ship"}, "asset"),  # UK
        ({"type": "person"}, "individual"),  # EU subjectType code
        ({"type": "enterprise"}, "organisation"),
        ({"category": "Физическое лицо", "born": "06.02.1974"}, "individual"),  # KG, by its birth
        ({"birthdate": "01.01.1970"}, "individual"),  # KZ
        ({"decision": "..."}, "unknown"),  # FSB: the list says nothing
    ],
)
def test_kinds(entry: dict[str, str], kind: str) -> None:
    assert kind_of(entry) == kind


@pytest.mark.parametrize(
    ("scheme", "value", "expected"),
    [
        ("un", "QDe.004", "un:QDe.004"),
        ("UN", " QDE.004 ", "un:QDe.004"),
        ("un", "QDe.4", "un:QDe.004"),
        ("un", "TAi.155", "un:TAi.155"),
        ("un", "6908048", "un-dataid:6908048"),  # the UN's DATAID: another scheme
        ("ofac", " 6366 ", "ofac:6366"),
        ("eu", "EU.27.28", "eu:EU.27.28"),
        ("un", "", None),
    ],
)
def test_identifier_values_have_one_spelling(scheme: str, value: str, expected: str) -> None:
    assert identifier(scheme, value) == expected


def test_a_news_mention_is_one_per_name_key() -> None:
    taliban = mention_of_news("Taliban")
    assert taliban.ref == "news:taliban" == mention_of_news("the Taleban movement").ref
    assert (taliban.names, taliban.identifiers, taliban.kind, taliban.source) == (
        ("Taliban",),
        (),
        "unknown",
        None,
    )

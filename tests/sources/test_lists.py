"""The rules every list format shares: keys, duplicates, removal stubs, selector checks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from monitor.config import Source
from monitor.sources.lists import compile_selectors, first_text, parse_list


def _source(**options: Any) -> Source:
    return Source(id="test", kind="list", url="https://example.org/list", **options)


def _json_list(items: list[dict[str, Any]], **options: Any) -> list[dict[str, Any]]:
    options = {
        "format": "json",
        "entries": "[*]",
        "fields": {"name": "name", "note": "note", "aka": "aka[*]"},
        **options,
    }
    return parse_list(json.dumps(items).encode(), _source(**options))


def test_key_comes_from_the_key_field_and_comes_first() -> None:
    [entry] = _json_list([{"name": " «Taliban» ", "note": "x"}])
    assert entry == {"key": '"Taliban"', "name": '"Taliban"', "note": "x", "aka": ""}
    assert next(iter(entry)) == "key"


def test_entries_with_empty_key_are_skipped() -> None:
    entries = _json_list([{"name": "  "}, {"note": "no name"}, {"name": "A"}])
    assert [e["key"] for e in entries] == ["A"]


def test_duplicate_keys_are_numbered_in_document_order() -> None:
    entries = _json_list([{"name": "A"}, {"name": "B"}, {"name": "A"}, {"name": "A"}])
    assert [e["key"] for e in entries] == ["A", "B", "A #2", "A #3"]
    assert [e["name"] for e in entries] == ["A", "B", "A", "A"]


def test_duplicate_numbering_does_not_collide_with_a_real_key() -> None:
    entries = _json_list([{"name": "A"}, {"name": "A #2"}, {"name": "A"}])
    assert [e["key"] for e in entries] == ["A", "A #2", "A #3"]


def test_key_field_with_several_values_uses_the_first() -> None:
    entries = _json_list([{"aka": ["X", "Y"]}], key="aka")
    assert entries[0]["key"] == "X"
    assert entries[0]["aka"] == ["X", "Y"]


def test_removed_when_skips_stub_rows_in_any_field() -> None:
    items = [
        {"name": "A"},
        {"name": "B", "note": "Организация исключена из списка"},
        {"name": "C", "aka": ["c", "исключена"]},
        {"name": "B"},
    ]
    entries = _json_list(items, removed_when="исключена")
    # the stub does not use up "B": the later row keeps the plain key
    assert [e["key"] for e in entries] == ["A", "B"]


def test_entry_selector_matching_nothing_gives_no_entries() -> None:
    assert _json_list([{"name": "A"}], entries="nothing[*]") == []


def test_first_text() -> None:
    assert first_text(["a", "b"]) == "a"
    assert first_text([]) == ""
    assert first_text("a") == "a"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"format": "html", "entries": "tr:::", "fields": {"name": "td"}}, "entries"),
        ({"format": "html", "entries": "tr", "fields": {"name": "td[["}}, "fields.name"),
        ({"format": "xml", "entries": "//a[", "fields": {"name": "b"}}, "entries"),
        ({"format": "xml", "entries": "//a", "fields": {"name": "q:b"}}, "fields.name"),
        ({"format": "xml", "entries": "//a", "fields": {"name": "nope(b)"}}, "fields.name"),
        ({"format": "json", "entries": "a..b", "fields": {"name": "b"}}, "entries"),
        ({"format": "csv", "header": False, "fields": {"name": "Name"}}, "fields.name"),
        ({"format": "csv", "delimiter": ";;", "fields": {"name": "1"}}, "delimiter"),
        ({"format": "feed", "fields": {"name": "headline"}}, "fields.name"),
    ],
)
def test_compile_selectors_names_the_bad_selector(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compile_selectors(_source(**options))


@pytest.mark.parametrize(
    "options",
    [
        {"format": "html", "entries": "table tr:not(:first-child)", "fields": {"name": "td"}},
        {"format": "xml", "entries": "//s:a", "fields": {"name": "@n"}, "namespaces": {"s": "u"}},
        {"format": "json", "entries": "data.items[*]", "fields": {"name": "attributes.name"}},
        {"format": "csv", "header": False, "fields": {"name": "2"}},
        {"format": "feed"},
    ],
)
def test_compile_selectors_accepts_good_selectors(options: dict[str, Any]) -> None:
    compile_selectors(_source(**options))


def test_key_pattern_keys_by_part_of_the_text() -> None:
    from monitor.config import Source
    from monitor.sources.lists import parse_list

    html = (
        "<p>1. Организация «Альфа» (решение суда от 01.01.2010);</p>"
        "<p>2. Организация «Бета» (решение суда от 02.02.2012);</p><p>без номера</p>"
    ).encode()
    source = Source(
        id="m",
        kind="list",
        format="html",
        url="http://x/",
        entries="p",
        key="name",
        fields={"name": ":scope"},
        key_pattern=r"^\d+\.\s*(.+?)\s*\(",
    )
    entries = parse_list(html, source, content_type="text/html; charset=utf-8")
    assert [e["key"] for e in entries] == [
        'Организация "Альфа"',
        'Организация "Бета"',
        "без номера",
    ]
    assert entries[0]["name"].startswith("1. Организация")

"""JSON lists: dotted paths with ``[*]`` and ``[N]``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from monitor.config import Source
from monitor.errors import ParseError
from monitor.sources.lists import parse_list
from monitor.sources.lists.json import compile_path, evaluate


def _source(**options: Any) -> Source:
    return Source(id="test", kind="list", url="https://example.org/list", format="json", **options)


def _parse(document: Any, **options: Any) -> list[dict[str, Any]]:
    options.setdefault("key", "name")
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return parse_list(body, _source(**options))


DOCUMENT = {
    "data": {
        "items": [
            {
                "id": 6636,
                "attributes": {"name": "«Taliban»", "active": True, "score": 1.5, "note": None},
                "aka": [{"name": "Taleban"}, {"name": " Талибан "}, {"type": "weak"}],
                "programs": ["SDGT", "FTO"],
            },
            {"id": 2, "attributes": {"name": "Other", "active": False}, "aka": []},
        ]
    }
}


def test_paths_with_wildcards_indices_and_scalars() -> None:
    fields = {
        "name": "attributes.name",
        "id": "id",
        "aliases": "aka[*].name",
        "first_alias": "aka[0].name",
        "last_program": "programs[-1]",
        "programs": "programs",
        "active": "attributes.active",
        "score": "attributes.score",
        "note": "attributes.note",
        "attributes": '["attributes"]',
    }
    first, second = _parse(DOCUMENT, entries="data.items[*]", fields=fields)
    assert first == {
        "key": '"Taliban"',
        "name": '"Taliban"',
        "id": "6636",
        "aliases": ["Taleban", "Талибан"],
        "first_alias": "Taleban",
        "last_program": "FTO",
        "programs": ["SDGT", "FTO"],
        "active": "true",
        "score": "1.5",
        "note": "",
        # an object is kept as compact JSON, then normalised like any text
        "attributes": '{"active": true, "name": ""Taliban"", "note": null, "score": 1.5}',
    }
    assert second["aliases"] == "" and second["active"] == "false"


def test_entries_path_to_an_array_reads_its_items() -> None:
    entries = _parse(DOCUMENT, entries="$.data.items", fields={"name": "attributes.name"})
    assert [e["name"] for e in entries] == ['"Taliban"', "Other"]


def test_root_array_of_strings() -> None:
    entries = _parse(["A", "B", ""], entries="[*]", fields={"name": "."})
    assert [e["key"] for e in entries] == ["A", "B"]


def test_entries_matching_nothing_give_no_entries() -> None:
    assert _parse(DOCUMENT, entries="data.nothing[*]", fields={"name": "id"}) == []


def test_malformed_json_is_a_parse_error_with_its_line() -> None:
    with pytest.raises(ParseError, match=r"not valid JSON: .*line 2"):
        _parse(b'{"a": 1,\n ]', entries="[*]", fields={"name": "."})


def test_bad_path_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"fields\.name: cannot read the path"):
        _parse(DOCUMENT, entries="data.items[*]", fields={"name": "a[x]"})


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("data.items[*].id", [6636, 2]),
        ("data.items[1].id", [2]),
        ("data.items[5].id", []),
        ('data["items"][0].attributes.*', ["«Taliban»", True, 1.5, None]),
        ("data.items.id", []),  # a name step does not reach into arrays
        ("", [DOCUMENT]),
    ],
)
def test_evaluate(path: str, expected: list[Any]) -> None:
    assert evaluate(compile_path(path), DOCUMENT) == expected

"""CSV lists: columns by header name or by number, OFAC's legacy ``-0-`` placeholder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from monitor.config import Source
from monitor.errors import ParseError
from monitor.sources.lists import parse_list

SHARED = Path(__file__).parents[2] / ".." / "shared" / "data"
OFAC_SDN = SHARED / "ofac" / "sdn_csv_2019-01-15" / "sdn.csv"


def _source(**options: Any) -> Source:
    return Source(id="test", kind="list", url="https://example.org/list", format="csv", **options)


def _parse(text: str | bytes, **options: Any) -> list[dict[str, Any]]:
    options.setdefault("key", "name")
    body = text.encode() if isinstance(text, str) else text
    return parse_list(body, _source(**options))


def test_columns_by_header_name_case_insensitive_or_by_number() -> None:
    text = ' Name ,Program,"Listed On"\r\n"Taliban, the",SDGT,2001-10-31\r\n\r\nOther,,\r\n'
    entries = _parse(text, fields={"name": "NAME", "program": "program ", "date": "3"})
    assert entries == [
        {"key": "Taliban, the", "name": "Taliban, the", "program": "SDGT", "date": "2001-10-31"},
        {"key": "Other", "name": "Other", "program": "", "date": ""},
    ]


def test_headerless_with_skip_lines_and_delimiter() -> None:
    text = "exported 2024-01-01\nsecond preamble line\n1;«Движение Талибан»;-0- \n2;X;-0-x\n3\n"
    entries = _parse(
        text,
        header=False,
        skip_lines=2,
        delimiter=";",
        fields={"num": "1", "name": "2", "note": "3"},
    )
    assert entries == [
        {"key": '"Движение Талибан"', "num": "1", "name": '"Движение Талибан"', "note": ""},
        {"key": "X", "num": "2", "name": "X", "note": "-0-x"},
    ]


def test_tab_delimiter_and_windows_1251() -> None:
    text = "Наименование\tРешение\nТалибан\tсуд\n".encode("cp1251")
    entries = _parse(text, delimiter="\t", fields={"name": "наименование", "decision": "2"})
    assert entries == [{"key": "Талибан", "name": "Талибан", "decision": "суд"}]


def test_utf8_bom_does_not_hide_the_first_column() -> None:
    entries = _parse("\ufeffname\nA\n".encode(), fields={"name": "name"})
    assert entries[0]["name"] == "A"


def test_unknown_column_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no column 'nom'"):
        _parse("name\nA\n", fields={"name": "nom"})


def test_column_name_without_header_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="by number"):
        _parse("A\n", header=False, fields={"name": "name"})


def test_empty_document_gives_no_entries() -> None:
    assert _parse("", fields={"name": "name"}) == []
    assert _parse("name\n", fields={"name": "name"}) == []


def test_ofac_sdn_csv() -> None:
    if not OFAC_SDN.exists():
        pytest.skip(f"shared data not available: {OFAC_SDN}")
    body = OFAC_SDN.read_bytes()
    source = _source(
        header=False,
        key="ent_num",  # names repeat in the SDN list; the entity number does not
        fields={"ent_num": "1", "name": "2", "type": "3", "programs": "4"},
    )
    entries = parse_list(body, source, content_type="text/csv")
    lines = [line for line in body.splitlines() if line.strip() and line.strip() != b"\x1a"]
    assert len(entries) == len(lines)
    assert not any("#" in e["key"] for e in entries)
    taliban = {e["key"]: e for e in entries}["6636"]
    assert taliban["name"] == "TALIBAN"
    assert taliban["programs"] == "SDGT"
    assert taliban["type"] == ""  # "-0- " in the file
    assert any(e["programs"] == "FTO] [SDGT" for e in entries)
    assert any(e["type"] == "individual" for e in entries)

"""XML lists: XPath fields, namespaces, hostile documents, and the UN consolidated list."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from monitor.config import Source
from monitor.errors import ParseError
from monitor.sources.lists import parse_list

SHARED = Path(__file__).parents[2] / ".." / "shared" / "data"
UN_2017 = SHARED / "un" / "un_consolidated_2017-07-03.xml"


def _source(**options: Any) -> Source:
    return Source(id="test", kind="list", url="https://example.org/list", format="xml", **options)


def _parse(xml: str | bytes, **options: Any) -> list[dict[str, Any]]:
    options.setdefault("entries", "//e")
    options.setdefault("key", "name")
    options.setdefault("fields", {"name": "name"})
    body = xml.encode() if isinstance(xml, str) else xml
    return parse_list(body, _source(**options))


DOC = """<?xml version="1.0"?>
<list>
  <e id="1"><name> Taliban
    movement </name><aka>Taleban</aka><aka> </aka><aka>Талибан</aka></e>
  <e id="2"><name>Other</name></e>
</list>"""


def test_elements_attributes_strings_numbers_and_booleans() -> None:
    fields = {
        "name": "name",
        "id": "@id",
        "aka": "aka",
        "aka_text": "aka/text()",
        "joined": "concat(name, '/', @id)",
        "count": "count(aka)",
        "has_aka": "boolean(aka)",
        "missing": "nothing",
    }
    first, second = _parse(DOC, fields=fields)
    assert first == {
        "key": "Taliban movement",
        "name": "Taliban movement",
        "id": "1",
        "aka": ["Taleban", "Талибан"],
        "aka_text": ["Taleban", "Талибан"],
        "joined": "Taliban movement /1",
        "count": "3",
        "has_aka": "true",
        "missing": "",
    }
    assert second["aka"] == "" and second["count"] == "0" and second["has_aka"] == "false"


def test_namespaces_from_the_source() -> None:
    xml = '<l xmlns="urn:list" xmlns:x="urn:extra"><e x:id="7"><name>N</name></e></l>'
    entries = _parse(
        xml,
        entries="/s:l/s:e",
        fields={"name": "s:name", "id": "@o:id"},
        namespaces={"s": "urn:list", "o": "urn:extra"},
    )
    assert entries == [{"key": "N", "name": "N", "id": "7"}]


def test_declared_encoding_is_honoured() -> None:
    xml = '<?xml version="1.0" encoding="windows-1251"?><l><e><name>«Талибан»</name></e></l>'
    assert _parse(xml.encode("cp1251"))[0]["name"] == '"Талибан"'


def test_malformed_xml_is_a_parse_error_with_its_line() -> None:
    with pytest.raises(ParseError, match=r"not well-formed XML: .*line 3"):
        _parse("<l>\n<e><name>x</name>\n</l>")


def test_empty_document_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="not well-formed XML"):
        _parse(b"")


def test_undefined_prefix_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"fields\.name"):
        _parse(DOC, fields={"name": "q:name"})


def test_entries_must_select_elements() -> None:
    with pytest.raises(ParseError, match="must select elements"):
        _parse(DOC, entries="//e/@id")


def test_entries_matching_nothing_give_no_entries() -> None:
    assert _parse(DOC, entries="//nothing") == []


def _laughs(levels: int) -> str:
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return (
        f"<?xml version='1.0'?><!DOCTYPE l [{''.join(entities)}]>"
        f"<l><e><name>a&lol{levels};b</name><note>&lol{levels};</note></e></l>"
    )


def test_small_entity_bomb_is_not_expanded() -> None:
    # 10**4 × "lol": would expand on XPath's string value if the references were left in place
    [entry] = _parse(_laughs(4), fields={"name": "name", "note": "note", "all": "string(.)"})
    assert entry["name"] == "ab"
    assert entry["note"] == ""
    assert len(entry["all"]) < 10


def test_billion_laughs_is_refused_quickly() -> None:
    started = time.monotonic()
    with pytest.raises(ParseError, match="not well-formed XML"):
        _parse(_laughs(9))
    assert time.monotonic() - started < 5


def test_external_entities_are_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY s SYSTEM "{secret.as_uri()}">'
        '<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>'
        "<l><e><name>n&s;</name></e></l>"
    )
    entries = _parse(xml, fields={"name": "name", "all": "string(/)"})
    assert entries[0]["name"] == "n"
    assert "SECRET" not in entries[0]["all"]


@pytest.fixture
def un_2017() -> bytes:
    if not UN_2017.exists():
        pytest.skip(f"shared data not available: {UN_2017}")
    return UN_2017.read_bytes()


def un_source() -> Source:
    return _source(
        entries="/CONSOLIDATED_LIST/*/*[self::INDIVIDUAL or self::ENTITY]",
        key="reference",
        fields={
            "reference": "REFERENCE_NUMBER",
            "name": "normalize-space(concat(FIRST_NAME,' ',SECOND_NAME,' ',THIRD_NAME,' ',"
            "FOURTH_NAME))",
            "list_type": "UN_LIST_TYPE",
            "listed_on": "LISTED_ON",
            "aliases": "*[self::INDIVIDUAL_ALIAS or self::ENTITY_ALIAS]/ALIAS_NAME",
        },
    )


def test_un_consolidated_list(un_2017: bytes) -> None:
    started = time.perf_counter()
    entries = parse_list(un_2017, un_source(), content_type="application/xml")
    elapsed = time.perf_counter() - started
    print(f"UN 2017-07-03: {len(entries)} entries parsed in {elapsed * 1000:.0f} ms")

    expected = len(re.findall(rb"<INDIVIDUAL>", un_2017)) + len(re.findall(rb"<ENTITY>", un_2017))
    assert len(entries) == expected > 1000
    keys = [e["key"] for e in entries]
    assert len(set(keys)) == len(keys)  # no " #2": every reference number is unique

    # the file has trailing spaces inside some reference numbers; keys are trimmed
    assert b"<REFERENCE_NUMBER>KPi.034 </REFERENCE_NUMBER>" in un_2017
    assert "KPi.034" in keys
    assert all(k == k.strip() and " " not in k for k in keys)

    taliban = [e for e in entries if re.match(r"TA[ie]\.", e["key"])]
    assert {e["list_type"] for e in taliban} == {"Taliban"}
    assert any(e["key"].startswith("TAe.") for e in taliban)
    assert len([e for e in taliban if e["key"].startswith("TAi.")]) > 100

    by_key = {e["key"]: e for e in entries}
    assert by_key["TAe.014"]["name"] == "HAJI BASIR AND ZARJMIL COMPANY HAWALA"
    assert "Haji Basir Hawala" in by_key["TAe.014"]["aliases"]
    assert by_key["KPi.033"]["name"] == "RI WON HO"  # " RI " with its spaces normalised
    assert by_key["KPi.033"]["aliases"] == ""  # one empty ALIAS_NAME element

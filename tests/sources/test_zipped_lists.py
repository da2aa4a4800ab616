"""A list served as a ZIP archive (OFAC's ENHANCED_XML) is read as the one document inside it."""

from __future__ import annotations

import io
import zipfile

import pytest

from monitor.config import Source
from monitor.errors import ParseError
from monitor.sources.lists import parse_list

SOURCE = Source.model_validate(
    {
        "id": "zipped",
        "kind": "list",
        "format": "xml",
        "url": "http://127.0.0.1/list.zip",
        "entries": "//entry",
        "key": "name",
        "max_bytes": "1KB",
        "fields": {"name": "@name"},
    }
)


def archive(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def test_the_one_document_inside_is_read() -> None:
    body = archive(**{"LIST.XML": b'<list><entry name="A"/><entry name="B"/></list>'})
    assert [e["key"] for e in parse_list(body, SOURCE)] == ["A", "B"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (archive(**{"folder/": b""}), "holds nothing"),
        (archive(a=b"<list/>", b=b"<list/>"), "holds a, b"),
        (archive(big=b"<list>" + b" " * 5000 + b"</list>"), "unpacks to more than max_bytes"),
        (b"PK\x03\x04 truncated", "not a readable ZIP archive"),
    ],
)
def test_an_archive_that_is_not_one_small_document_is_a_parse_error(
    body: bytes, message: str
) -> None:
    with pytest.raises(ParseError, match=message):
        parse_list(body, SOURCE)

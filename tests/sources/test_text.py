"""The text normaliser and the decoder every list format goes through."""

from __future__ import annotations

import codecs

import pytest

from monitor.sources.text import decode_text, normalize_text, text_value

RUSSIAN = "Единый федеральный список организаций, признанных террористическими: Движение Талибан"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  «Движение\u00a0Талибан»\n", '"Движение Талибан"'),
        ("“Taliban”  „Taleban‟ ″x″", '"Taliban" "Taleban" "x"'),
        ("‘a’ ‚b‛ ‹c›", "'a' 'b' 'c'"),
        ("a\t\tb\r\nc\u2028d\u3000e\u2009f", "a b c d e f"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("и\u0306", "й"),  # NFC: a decomposed й equals the composed one
        (" \n\t ", ""),
        ("", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_normalize_text_is_idempotent() -> None:
    once = normalize_text(" «a»\u00a0“b” ")
    assert normalize_text(once) == once


def test_text_value_collapses_matches() -> None:
    assert text_value([]) == ""
    assert text_value([" ", ""]) == ""
    assert text_value([" a ", ""]) == "a"
    assert text_value(["a", " «b» "]) == ["a", '"b"']


def test_override_beats_everything() -> None:
    body = RUSSIAN.encode("cp1251")
    assert decode_text(body, "text/html; charset=utf-8", "windows-1251") == RUSSIAN


def test_override_never_raises() -> None:
    assert decode_text(b"ok \xff", None, "utf-8") == "ok \ufffd"


def test_bom_beats_http_charset() -> None:
    assert decode_text(codecs.BOM_UTF8 + "Талибан".encode(), "text/html; charset=cp1251", None) == (
        "Талибан"
    )
    assert decode_text(codecs.BOM_UTF16_LE + "Талибан".encode("utf-16-le"), None, None) == (
        "Талибан"
    )


def test_http_charset() -> None:
    body = RUSSIAN.encode("koi8-r")
    assert decode_text(body, 'text/html; charset="KOI8-R"', None) == RUSSIAN


def test_lying_http_charset_falls_through_to_meta() -> None:
    body = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">' + RUSSIAN
    assert decode_text(body.encode("cp1251"), "text/html; charset=utf-8", None).endswith(RUSSIAN)


@pytest.mark.parametrize(
    "declaration",
    [
        '<meta charset="koi8-r">',
        "<META HTTP-EQUIV='content-type' CONTENT='text/html; charset=koi8-r'>",
        '<?xml version="1.0" encoding="KOI8-R"?>',
    ],
)
def test_in_document_declaration(declaration: str) -> None:
    body = (declaration + RUSSIAN).encode("koi8-r")
    assert decode_text(body, "text/html", None) == declaration + RUSSIAN


def test_unknown_charset_label_is_ignored() -> None:
    assert decode_text("Талибан".encode(), "text/html; charset=x-no-such", None) == "Талибан"


def test_utf8_without_declaration() -> None:
    assert decode_text(RUSSIAN.encode(), None, None) == RUSSIAN


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_russian_guess(encoding: str) -> None:
    assert decode_text(RUSSIAN.encode(encoding), None, None) == RUSSIAN


def test_latin1_text_is_not_read_as_cyrillic() -> None:
    text = "Café crème, Größe, señor"
    assert decode_text(text.encode("latin-1"), None, None) == text


def test_garbage_never_raises() -> None:
    assert isinstance(decode_text(bytes(range(256)) * 4, "text/html; charset=ascii", None), str)

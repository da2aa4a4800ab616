"""The one text module: the decoder, the normal form lists compare, markup read as text."""

from __future__ import annotations

import codecs

import feedparser
import lxml.html
import pytest
from lxml.etree import ParserError

from monitor.text import (
    break_words,
    collapse,
    decode_text,
    normalize_text,
    paragraphs,
    plain_text,
    text_value,
)
from tests.conftest import shared

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


# --- markup -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "text", "lines"),
    [
        ("<p>Listed<br/>under</p><p>SDGT</p>", "Listed under SDGT", "Listed\nunder\nSDGT"),
        ("a <b>bold</b>&nbsp;&amp; <i>x</i>", "a bold & x", "a bold & x"),
        ("<p>a<script>alert(1)</script><style>p{}</style></p>b", "a b", "a\nb"),
        ("<!-- note -->kept &lt;tag&gt;", "kept <tag>", "kept <tag>"),
        ("5 < 6 & AT&T", "5 < 6 & AT&T", "5 < 6 & AT&T"),
        ("  plain\n\n text  ", "plain text", "plain\ntext"),
        ("<html></html>x<b>y", "<html></html>x<b>y", "<html></html>x<b>y"),  # no body: as it is
        ("&#12 leading <b>x</b>", "&#12 leading <b>x</b>", "&#12 leading <b>x</b>"),
    ],
)
def test_markup_as_text(markup: str, text: str, lines: str) -> None:
    assert plain_text(markup) == text
    assert paragraphs(markup) == lines


def test_without_breaks_blocks_run_together_as_feeds_were_hashed() -> None:
    assert plain_text("<p>a</p><p>b</p>", breaks=False) == "ab"
    assert plain_text("<p>a</p><p>b</p>") == "a b"


def _fragment_text(markup: str, breaks: bool) -> str:
    """lxml.html's own reading of a fragment: what the faster parse in monitor.text must match."""
    if "<" not in markup and "&" not in markup:
        return collapse(markup)
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (ParserError, ValueError, AssertionError):
        return collapse(markup)
    if breaks:
        break_words(root)
    return collapse(root.text_content())


def test_the_faster_parse_reads_like_lxml_html() -> None:
    """Over every title and body of feedparser's corpus: a hash identity made from the text
    (``breaks=False``) stays what it was, and lists read feed summaries as before."""
    texts = [t for t in corpus_texts() if "<" in t or "&" in t]
    texts += ["\x01<b>x</b>", "<!DOCTYPE html><p>x</p>", "  <html><body>a</body></html>", "&#0;"]
    texts += ["<b>inner &#1;</b>", "&#xFFFE;x", "<p>a</p>&#12 tail", "<template>t</template>u"]
    assert len(texts) > 1000
    for markup in texts:
        for breaks in (False, True):
            assert plain_text(markup, breaks=breaks) == _fragment_text(markup, breaks), markup


def corpus_texts() -> list[str]:
    """Every title and body feedparser reads in its own test corpus."""
    texts = []
    for path in sorted(shared("feedparser-corpus").rglob("*.xml")):
        parsed = feedparser.parse(path.read_bytes())
        texts.append(parsed.get("feed", {}).get("title", ""))
        for entry in parsed.get("entries", []):
            texts += [entry.get("title", ""), entry.get("summary", "")]
            texts += [part.get("value", "") for part in entry.get("content", [])]
    return texts

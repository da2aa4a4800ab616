"""Text as the monitor compares it: one normal form for names, and one way to decode fetched bytes.

Official lists change typography between versions (« » vs “ ”, non-breaking spaces, line breaks
inside a name) without changing anything that matters. Normalising before comparing keeps those
edits from reading as changes to an entry.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable

_DOUBLE_QUOTES = "«»“”„‟″‶〝〞〟＂❝❞⹂"
_SINGLE_QUOTES = "‘’‚‛‹›′‵＇❛❜"
_INVISIBLE = "\u200b\u2060\ufeff\u00ad"  # zero-width space, word joiner, BOM, soft hyphen
_TRANSLATE = str.maketrans(
    {
        **dict.fromkeys(map(ord, _DOUBLE_QUOTES), '"'),
        **dict.fromkeys(map(ord, _SINGLE_QUOTES), "'"),
        **dict.fromkeys(map(ord, _INVISIBLE), None),
    }
)


def normalize_text(s: str) -> str:
    """NFC, unify quotes, drop invisible characters, collapse all whitespace to one space, trim.

    ``str.split()`` with no argument splits on every Unicode whitespace character, so NBSP,
    thin spaces, tabs and line breaks all collapse to one ASCII space.
    """
    return " ".join(unicodedata.normalize("NFC", s).translate(_TRANSLATE).split())


def text_value(texts: Iterable[str]) -> str | list[str]:
    """Several matches → a list of normalised non-empty strings; one → a str; none → ""."""
    values = [t for t in (normalize_text(text) for text in texts) if t]
    if not values:
        return ""
    return values[0] if len(values) == 1 else values


# --- decoding ---------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(
    r"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_META_CHARSET = re.compile(
    r"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_PRESCAN = 8192  # bytes searched for an in-document declaration
# A Cyrillic word standing alone (not glued to Latin letters, as "café" read as cp1251 would be).
_CYRILLIC_WORD = re.compile(r"(?<![^\W\d_])[А-Яа-яЁё]{2,}(?![^\W\d_])")
_LOWER_CYRILLIC = re.compile(r"[а-яё]")


# Charsets that decode (almost) any byte sequence, so decoding with them proves nothing.
_SINGLE_BYTE = frozenset(
    {"cp1251", "koi8-r", "koi8-u", "cp866", "iso8859-1", "iso8859-5", "iso8859-15", "cp1252"}
)


def _codec(label: str | None) -> str | None:
    """The Python codec name for a charset label, or None when Python does not know it."""
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None


def _strict(body: bytes, encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _declared_in_document(body: bytes) -> str | None:
    head = body[:_PRESCAN].decode("latin-1")
    match = _XML_DECLARATION.match(head) or _META_CHARSET.search(head)
    codec = _codec(match[1]) if match else None
    # A declaration readable as ASCII cannot be in UTF-16/32; browsers read such pages as UTF-8.
    if codec and codec.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return codec


def _russian_guess(body: bytes) -> str | None:
    """cp1251 or koi8-r, whichever reads as more lowercase Cyrillic words; None if neither does.

    Russian text is mostly lowercase, and the two encodings put lowercase letters where the other
    has capitals, so the wrong guess reads as shouting. Requiring whole Cyrillic words (and half
    of the high bytes to be lowercase letters in them) keeps Western latin-1 text out.
    """
    high = sum(1 for byte in body if byte >= 0x80)
    best, best_score = None, 0
    for encoding in ("cp1251", "koi8_r"):  # cp1251 first: the Russian default wins ties
        text = body.decode(encoding, errors="replace")
        score = sum(len(_LOWER_CYRILLIC.findall(word)) for word in _CYRILLIC_WORD.findall(text))
        if score > best_score:
            best, best_score = encoding, score
    return best if high and best_score * 2 >= high else None


def decode_text(body: bytes, content_type: str | None, override: str | None) -> str:
    """Decode a fetched document; never raises on bad bytes.

    Order: the source's ``encoding`` override, a BOM, the HTTP charset, an in-document
    declaration (XML ``encoding=``, HTML ``<meta charset>`` / ``http-equiv``) — where either
    names a single-byte charset, UTF-8 first if the bytes are valid UTF-8 — strict UTF-8,
    a cp1251/koi8-r guess for Russian pages that declare nothing, and finally latin-1. Each
    declared charset is tried strictly; a lying declaration falls through to the next step.
    """
    if override:  # a BOM it leaves behind is dropped by normalize_text
        return body.decode(_codec(override) or "utf-8", errors="replace")
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, errors="replace")
    http = _HTTP_CHARSET.search(content_type) if content_type else None
    candidates = (_codec(http[1]) if http else None, _declared_in_document(body), "utf-8")
    for charset in candidates:
        if charset in _SINGLE_BYTE and not body.isascii():
            # A single-byte charset decodes any bytes, so a page moved to UTF-8 behind a stale
            # "windows-1251" header or <meta> would read as mojibake. Non-ASCII text that is
            # valid UTF-8 is, in practice, never anything else.
            text = _strict(body, "utf-8")
            if text is not None:
                return text
        text = _strict(body, charset)
        if text is not None:
            return text
    guess = _russian_guess(body)
    if guess:
        return body.decode(guess, errors="replace")
    return body.decode("latin-1", errors="replace")

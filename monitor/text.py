"""Text as the monitor reads it, one way each: fetched bytes decoded, markup turned into plain text,
whitespace and typography normalised, and a news item's lead cut into sentences.

Lists, feeds and the detector all read text through this module, so an entry, a stored item and
the evidence a user sees agree on what the words of a document are. lxml is imported on the first
markup that needs it: the detector and the CLI import this module at start-up.
"""

from __future__ import annotations

import codecs
import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

# --- normal forms -------------------------------------------------------------------------------

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


def collapse(text: str) -> str:
    """Every run of whitespace (any Unicode space, tab or line break) as one space, trimmed."""
    return " ".join(text.split())


def normalize_text(s: str) -> str:
    """NFC, unified quotes, no invisible characters, whitespace collapsed: how list entries compare.

    Official lists change typography between versions (« » vs “ ”, non-breaking spaces, line
    breaks inside a name) without changing anything that matters.
    """
    return collapse(unicodedata.normalize("NFC", s).translate(_TRANSLATE))


def text_value(texts: Iterable[str]) -> str | list[str]:
    """Several matches → a list of normalised non-empty strings; one → a str; none → ""."""
    values = [t for t in (normalize_text(text) for text in texts) if t]
    if not values:
        return ""
    return values[0] if len(values) == 1 else values


# --- markup -------------------------------------------------------------------------------------

# Elements whose end separates words on screen; their text runs together in text_content().
_BREAKS = (
    "br", "p", "div", "li", "dt", "dd", "tr", "td", "th", "table", "ul", "ol",
    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "article", "hr",
)  # fmt: skip
_HIDDEN = ("script", "style", "template")
_FULL_DOCUMENT = re.compile(r"^\s*<(?:html|!doctype)", re.I)  # as lxml.html tells a document
# Characters lxml refuses in an element's text (lxml.html's reading fails on them, in input or in
# leading text it decoded, e.g. "&#12").
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class _Local(threading.local):
    parser: Any = None
    text: Any = None


_local = _Local()


def _tools() -> tuple[Any, Any]:
    """This thread's HTML parser and text query (lxml's are locked while in use)."""
    if _local.parser is None:
        from lxml import etree

        _local.parser = etree.HTMLParser()
        _local.text = etree.XPath("string()", smart_strings=False)
    return _local.parser, _local.text


def break_words(root: Any) -> None:
    """Drop scripts and styles; end block elements and ``<br>`` with a line break.

    Without it ``<p>a</p><p>b</p>`` reads as "ab". Lists apply it to a whole page before
    selecting; :func:`plain_text` and :func:`paragraphs` to each fragment.
    """
    from lxml import etree

    etree.strip_elements(root, *_HIDDEN, with_tail=False)
    for element in root.iter(_BREAKS):
        tail = element.tail or ""
        try:
            element.tail = "\n" + tail
        except ValueError:  # a control character ("&#12;") that lxml reads but will not write
            element.tail = "\n" + _NOT_XML_TEXT.sub(" ", tail)


def _fragment(markup: str) -> Any:
    """The element holding an HTML fragment, as lxml.html.fragment_fromstring reads it, or None.

    A document wrapped by hand and read by one parser per thread: the same tree as
    ``fragment_fromstring(create_parent="div")`` without its extra copies (about twice as fast),
    and lxml.html's own reading where the two could differ.
    """
    import lxml.html
    from lxml import etree

    if not _NOT_XML_TEXT.search(markup):
        document = markup if _FULL_DOCUMENT.match(markup) else f"<html><body>{markup}</body></html>"
        try:
            root = etree.fromstring(document, _tools()[0])
        except (etree.LxmlError, ValueError):
            root = None
        bodies = [] if root is None else [child for child in root if child.tag == "body"]
        if root is not None and root.tag == "html" and len(bodies) == 1:
            lead = bodies[0].text or ""
            if lead.strip() and _NOT_XML_TEXT.search(lead):  # as lxml.html fails on it
                return None
            return bodies[0]
    try:
        return lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.LxmlError, ValueError, AssertionError):  # AssertionError: no body
        return None


@lru_cache(maxsize=256)
def _visible(markup: str, breaks: bool) -> str:
    """The text a reader sees in an HTML fragment (the markup itself when it is no HTML).

    Cached: the detector asks for the same fields of an item several times."""
    if "<" not in markup and "&" not in markup:
        return markup
    root = _fragment(markup)
    if root is None:
        return markup
    if breaks:
        break_words(root)
    return str(_tools()[1](root))


def plain_text(markup: str, *, breaks: bool = True) -> str:
    """An HTML fragment's visible text on one line, whitespace collapsed.

    ``breaks=False`` runs block elements together, as feeds were read before this module (an
    item without guid or link is recognised by a hash of that reading).
    """
    return collapse(_visible(markup, breaks))


def paragraphs(markup: str) -> str:
    """An HTML fragment's visible text, one paragraph per line, whitespace collapsed in each."""
    lines = (collapse(line) for line in _visible(markup, True).split("\n"))
    return "\n".join(line for line in lines if line)


# --- decoding -----------------------------------------------------------------------------------

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


def codec(label: str | None) -> str | None:
    """The Python codec name for a charset label, or None when Python does not know it."""
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None


def http_charset(content_type: str | None) -> str | None:
    """The codec a Content-Type header's charset names (None: none, or one Python lacks)."""
    match = _HTTP_CHARSET.search(content_type) if content_type else None
    return codec(match[1]) if match else None


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
    found = codec(match[1]) if match else None
    # A declaration readable as ASCII cannot be in UTF-16/32; browsers read such pages as UTF-8.
    if found and found.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return found


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
        return body.decode(codec(override) or "utf-8", errors="replace")
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, errors="replace")
    candidates = (http_charset(content_type), _declared_in_document(body), "utf-8")
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


# --- a news item's lead -------------------------------------------------------------------------
# The sentence that matched is the evidence a user sees, so every step keeps a sentence readable;
# prep() changes characters one for one so offsets stay valid.

# One-for-one character replacements: offsets in the prepared text match the original.
_PREP = (("ё", "е"), ("Ё", "Е"), ("’", "'"), ("‘", "'"), ("\u00a0", " "), ("‑", "-"))


def prep(value: str) -> str:
    """ё→е and typographic apostrophes → ', length-preserving, so rules need one spelling."""
    # str.translate with a table of non-ASCII characters looks every character up in the table
    # (~70 µs for a 560-character item); six replace() calls take ~1 µs.
    for old, new in _PREP:
        if old in value:
            value = value.replace(old, new)
    return value


_DATELINES = (
    # "MOSCOW, April 17. /TASS/. ", «МОСКВА, 17 апреля. /ТАСС/.», «МОСКВА, 17 апр — РИА Новости.»,
    # "WASHINGTON, Feb 20 (Reuters) - "
    re.compile(
        r"^\s*[A-ZА-Я][A-ZА-Я\- ]{2,30},\s*(?:\d{1,2}\s+[A-Za-zА-Яа-я]+|[A-Za-z]+\.?\s+\d{1,2})\.?\s*"
        r"(?:/[^/\n]{2,25}/|\([^)\n]{2,25}\)|[—–-]\s*[^.\n/]{2,25}\.)\.?\s*(?:[—–-]\s+)?"
    ),
    # "ISLAMABAD — ", "KABUL, Afghanistan (AP) — ", "LONDON (Reuters) - "
    re.compile(
        r"^\s*[A-ZА-Я][A-ZА-Я .'\-]{2,40}(?:,\s*[\w .]{2,30})?(?:\s*\([^)]{1,30}\))?\s*[—–-]\s+"
    ),
)
_SOURCE_TAG = re.compile(r"^\s*\([A-Za-zА-Яа-я .]{2,20}\)\s*(?:[—–-]\s*)?")  # "(MENAFN) "


def strip_dateline(value: str) -> str:
    """Datelines name where a report was filed, not who acted: drop them before reading."""
    for pattern in _DATELINES:
        stripped = pattern.sub("", value, count=1)
        if stripped != value:
            value = stripped
            break
    return _SOURCE_TAG.sub("", value, count=1)


_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "gen", "col", "lt", "sgt", "maj", "capt", "sen", "rep", "gov",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no",
    "inc", "corp", "co", "ltd", "vs", "jr", "sr", "prof", "u.s", "u.k", "u.n", "e.g", "i.e",
    "т", "г", "гг", "ул", "им", "т.е", "т.д", "т.п", "т.ч", "др", "млн", "млрд", "тыс", "руб",
    "ст", "п",
}  # fmt: skip
_END = re.compile(r"[.!?…]+[\"'»”)\]]*\s+(?=[\"'«“(\[]?[A-ZА-Я0-9])")


def _last_word(text: str, start: int, end: int) -> str:
    """The run of word characters and dots that ends at ``end`` (what ``[\\w.]+$`` finds, but
    read backwards: the regular expression tried every position of the sentence)."""
    i = end
    while i > start and (text[i - 1].isalnum() or text[i - 1] in "._"):
        i -= 1
    return text[i:end]


def split_sentences(value: str, most: int | None = None) -> list[str]:
    """Sentences of a text: paragraphs first, then sentence ends that are not abbreviations;
    the first ``most`` of them only, if given (the rest of a long text is not read)."""
    sentences: list[str] = []
    for paragraph in value.split("\n"):
        paragraph = paragraph.strip()
        start = 0
        for match in _END.finditer(paragraph):
            token = _last_word(paragraph, start, match.start()).lower()
            if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                continue
            sentence = paragraph[start : match.end()].strip()
            start = match.end()
            if sentence:
                sentences.append(sentence)
                if most is not None and len(sentences) >= most:
                    return sentences
        tail = paragraph[start:].strip()
        if tail:
            sentences.append(tail)
            if most is not None and len(sentences) >= most:
                return sentences
    return sentences


LEAD_SENTENCES = 3  # the news: the headline and the first sentences of the summary


@lru_cache(maxsize=64)
def lead_sentences(title: str, summary: str, text: str = "") -> tuple[str, ...]:
    """The headline and the lede's first sentences. The summary stands in for the lede; a feed
    without one gives the article's opening."""
    head = strip_dateline(paragraphs(title))
    body = strip_dateline(paragraphs(summary)) or strip_dateline(paragraphs(text)[:2000])
    return tuple(s for s in (head, *split_sentences(body, LEAD_SENTENCES)) if s)


def lead_text(title: str, summary: str, text: str = "") -> str:
    """The lead as one text: what the sentence model reads."""
    sentences = lead_sentences(title, summary, text)
    return " ".join(s if s[-1:] in ".!?…»\"”'" else f"{s}." for s in sentences)

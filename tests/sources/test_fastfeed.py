"""The lxml fast path for simple feeds gives exactly what feedparser gives, or stands aside."""

from __future__ import annotations

import contextlib
import random
import sys
from pathlib import Path

import feedparser
import lxml.html
import pytest
from lxml import etree
from lxml.etree import ParserError

from monitor.errors import ParseError
from monitor.sources.fastfeed import parse_simple
from monitor.sources.feed import ParsedFeed, parse_feed, parse_with_feedparser, strip_html
from tests.conftest import REPO, shared

sys.path.insert(0, str(REPO / "bench"))
import corpus  # bench/ is not a package

# feedparser's own warning about its updated/published fallback, on the reference path
pytestmark = pytest.mark.filterwarnings(
    "ignore:To avoid breaking existing software:DeprecationWarning"
)

URL = "http://example.org/feeds/news.xml"
NAMESPACES = (
    'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
    ' xmlns:atom="http://www.w3.org/2005/Atom"'
    ' xmlns:media="http://search.yahoo.com/mrss/"'
    ' xmlns:slash="http://purl.org/rss/1.0/modules/slash/"'
)


def rss(items: str, *, title: str = "News", head: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" {NAMESPACES}><channel>'
        f"<title>{title}</title><link>http://example.org/</link>{head}{items}</channel></rss>"
    ).encode()


def atom(entries: str, *, title: str = "News") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:feed</id><updated>2024-10-06T00:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


def fast(body: bytes, content_type: str | None = "application/rss+xml") -> ParsedFeed:
    """The fast path's reading, checked against feedparser's."""
    result = parse_simple(body, content_type=content_type, url=URL)
    assert result is not None, "the fast path should accept this document"
    assert result == parse_with_feedparser(body, content_type=content_type, url=URL)
    return result


def declined(body: bytes, content_type: str | None = "application/rss+xml") -> ParsedFeed:
    """feedparser's reading of a document the fast path must leave to it."""
    assert parse_simple(body, content_type=content_type, url=URL) is None
    result = parse_feed(body, content_type=content_type, url=URL)
    assert result == parse_with_feedparser(body, content_type=content_type, url=URL)
    return result


# --- whole corpora --------------------------------------------------------------------------


def _corpus_files(folder: Path) -> list[Path]:
    suffixes = (".xml", ".rdf", ".atom", ".rss")
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in suffixes)


def _rss2_or_atom1(body: bytes) -> bool:
    """Well-formed RSS 2.0 or Atom 1.0: what the fast path is for."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return False
    if root.tag == "rss":
        return (root.get("version") or "").startswith("2.")
    return root.tag == "{http://www.w3.org/2005/Atom}feed"


def _reference(body: bytes, content_type: str | None) -> ParsedFeed | ParseError:
    try:
        return parse_with_feedparser(body, content_type=content_type, url=URL)
    except ParseError as error:
        return error


@pytest.mark.parametrize("content_type", [None, "text/xml; charset=utf-8", "text/html"])
def test_feedparser_corpus_reads_the_same_both_ways(content_type: str | None) -> None:
    files = _corpus_files(shared("feedparser-corpus"))
    accepted = simple = 0
    for path in files:
        body = path.read_bytes()
        simple += _rss2_or_atom1(body)
        result = parse_simple(body, content_type=content_type, url=URL)
        if result is None:
            continue
        accepted += 1
        assert result == _reference(body, content_type), path
    print(f"{content_type}: fast path took {accepted} of {simple} RSS 2.0/Atom 1.0, {len(files)}")
    if content_type == "text/html":  # feedparser warns about the media type: never taken
        assert accepted == 0
    else:  # measured: 666 of 1021 (1021 of the 2106 documents are well-formed RSS 2.0/Atom)
        assert accepted >= 600
        assert accepted >= simple * 0.6


def _bench_feeds() -> list[bytes]:
    feeds = [corpus.feed(i) for i in range(60) if not corpus.is_list(i)]
    return feeds + [corpus.feed(i, changed=True) for i in range(60) if corpus.is_changed(i)]


def test_every_benchmark_feed_takes_the_fast_path() -> None:
    feeds = _bench_feeds()
    assert len(feeds) > 50
    for body in feeds:
        result = fast(body)
        assert result.items and all(item.summary for item in result.items)


def test_random_html_bodies_read_the_same_both_ways() -> None:
    """HTML bodies built from the awkward tokens that split sgmllib from lxml."""
    tokens = [
        "<p>", "</p>", "<p/>", "<b>", "</B >", "<br>", "<br/>", "</br>", '<img src="a.png"/>',
        "<script>", "</script>", '<script src="x.js"/>', "<style>", "</style>", "<applet>",
        "<iframe>", "</iframe>", "<table>", "<td>", "<html>", "<body>", "<title>", "<noscript>",
        '<a href="/x" title=\'t\'>', "</a>", "<!-- wp:paragraph -->", "<!---->", "<!-- a -- b -->",
        "text", " ", "\n", "é", "Ã", "©", "\xa0", "ж", "<", "< ", "<3", "&", "& ", "Q&A", "&copy",
        "&copy;", "&amp;", "&AMP;", "&foo;", "&a.b", "&#39;", "&#039;", "&#150;", "&#x2019;",
        "&#65", "&#", "&nbsp;", ">", "'", '"',
    ]  # fmt: skip
    rng = random.Random(20251005)
    taken = 0
    for _ in range(300):
        items = ""
        for number in range(3):
            html = "".join(rng.choice(tokens) for _ in range(rng.randint(1, 12)))
            escaped = html.replace("&", "&amp;").replace("<", "&lt;")
            items += (
                f"<item><title>{escaped}</title><guid>urn:{number}</guid>"
                f"<description>{escaped}</description></item>"
            )
        body = rss(items)
        result = parse_simple(body, content_type=None, url=URL)
        if result is not None:
            taken += 1
            assert result == parse_with_feedparser(body, content_type=None, url=URL), body
    print(f"{taken} of 300 random documents taken")
    assert taken > 90


def _strip_html_reference(text: str) -> str:
    """strip_html as it was: lxml.html's fragment reading."""
    if "<" not in text and "&" not in text:
        return " ".join(text.split())
    with contextlib.suppress(ParserError, ValueError):
        text = lxml.html.fragment_fromstring(text, create_parent="div").text_content()
    return " ".join(text.split())


def test_faster_strip_html_reads_like_lxml_html() -> None:
    texts = []
    for path in _corpus_files(shared("feedparser-corpus")):
        parsed = feedparser.parse(path.read_bytes())
        texts.append(parsed.get("feed", {}).get("title", ""))
        for entry in parsed.get("entries", []):
            texts += [entry.get("title", ""), entry.get("summary", "")]
            texts += [part.get("value", "") for part in entry.get("content", [])]
    for body in _bench_feeds()[:10]:
        for entry in feedparser.parse(body).entries:
            texts += [entry.title, entry.summary]
    texts += ["\x01<b>x</b>", "<!DOCTYPE html><p>x</p>", "  <html><body>a</body></html>", "&#0;"]
    texts += ["&#12 leading <b>x</b>", "<b>inner &#1;</b>", "&#xFFFE;x", "<p>a</p>&#12 tail"]
    markup = [text for text in texts if "<" in text or "&" in text]
    assert len(markup) > 1000
    for text in markup:
        assert strip_html(text) == _strip_html_reference(text), text


def test_a_document_without_body_is_text_not_an_error() -> None:
    assert strip_html("<html></html>x<b>y") == "<html></html>x<b>y"


# --- what feedparser does, case by case ---------------------------------------------------------


def test_script_and_style_text_is_dropped() -> None:
    description = (
        "&lt;p&gt;Hello&lt;script&gt;alert('x')&lt;/script&gt; "
        "&lt;style&gt;p { color: red }&lt;/style&gt;world&lt;/p&gt;"
    )
    [item] = fast(
        rss(f"<item><guid>urn:1</guid><description>{description}</description></item>")
    ).items
    assert item.summary == "Hello world"


def test_a_relative_link_is_left_to_feedparser() -> None:
    [item] = declined(rss("<item><title>x</title><link>/news/1</link></item>")).items
    assert (item.url, item.item_id) == (
        "http://example.org/news/1",
        "link:http://example.org/news/1",
    )


@pytest.mark.parametrize(
    ("content_type", "warned"),
    [("application/xml", False), ("application/rss+xml; charset=utf-8", True)],
)
def test_a_cp1251_document(content_type: str, warned: bool) -> None:
    body = rss("<item><guid>urn:1</guid><title>Талибан</title></item>", title="Новости")
    body = body.decode().replace('encoding="utf-8"', 'encoding="windows-1251"').encode("cp1251")
    if warned:  # the header says UTF-8, the bytes are not: feedparser warns, so it reads
        result = declined(body, content_type)
        assert result.warning and "windows-1251" in result.warning
    else:
        result = fast(body, content_type)
    assert (result.title, result.items[0].title) == ("Новости", "Талибан")


def test_guid_is_the_link_unless_it_says_otherwise() -> None:
    items = fast(
        rss(
            "<item><guid>http://example.org/a</guid></item>"
            '<item><guid isPermaLink="false">http://example.org/b</guid></item>'
            '<item><guid isPermaLink="true"> http://example.org/c </guid>'
            "<link>http://example.org/c-link</link></item>"
            '<item><guid isPermaLink="false">urn:d</guid><link>http://example.org/d</link></item>'
        )
    ).items
    assert [(i.item_id, i.url) for i in items] == [
        ("guid:http://example.org/a", "http://example.org/a"),
        ("guid:http://example.org/b", ""),
        ("guid:http://example.org/c", "http://example.org/c-link"),
        ("guid:urn:d", "http://example.org/d"),
    ]


def test_a_relative_permalink_guid_is_left_to_feedparser() -> None:
    [item] = declined(rss("<item><guid>12345</guid><title>x</title></item>")).items
    assert item.item_id == "guid:http://example.org/feeds/12345"


def test_identity_falls_back_to_link_then_text() -> None:
    items = fast(
        rss(
            "<item><title>linked</title><link>http://example.org/1?a=1&amp;b=2</link></item>"
            "<item><title>bare</title><description>just text</description></item>"
        )
    ).items
    assert items[0].item_id == "link:http://example.org/1?a=1&b=2"
    assert items[1].item_id.startswith("hash:") and items[1].url == ""


def test_atom_takes_the_alternate_html_link() -> None:
    entry = (
        "<entry><id>tag:example.org,2024:1</id><title>t</title>"
        '<link rel="self" href="http://example.org/self"/>'
        '<link rel="alternate" type="application/pdf" href="http://example.org/a.pdf"/>'
        '<link href="http://example.org/page"/>'
        '<link rel="enclosure" href="http://example.org/a.mp3"/>'
        "<updated>2024-10-06T08:30:00Z</updated></entry>"
        "<entry><id>http://example.org/by-id</id><title>u</title>"
        '<link rel="self" href="http://example.org/self2"/></entry>'
    )
    items = fast(atom(entry), "application/atom+xml").items
    assert [(i.item_id, i.url) for i in items] == [
        ("guid:tag:example.org,2024:1", "http://example.org/page"),
        ("guid:http://example.org/by-id", "http://example.org/by-id"),
    ]


def test_dates_in_rfc_822_and_iso_8601() -> None:
    items = fast(
        rss(
            "<item><guid>urn:1</guid><pubDate>Sat, 05 Oct 2024 10:00:00 +0300</pubDate></item>"
            "<item><guid>urn:2</guid><dc:date>2024-10-06T08:30:00+05:30</dc:date></item>"
            "<item><guid>urn:3</guid><pubDate>sometime soon</pubDate>"
            "<dc:date>2024-10-06T08:30:00Z</dc:date></item>"
            "<item><guid>urn:4</guid><pubDate>never</pubDate></item>"
        )
    ).items
    assert [i.published for i in items] == [
        "2024-10-05T07:00:00Z",
        "2024-10-06T03:00:00Z",
        "2024-10-06T08:30:00Z",
        None,
    ]


def test_titles_with_entities_and_markup() -> None:
    items = fast(
        rss(
            "<item><guid>urn:1</guid><title>AT&amp;T &amp; friends</title></item>"
            "<item><guid>urn:2</guid><title>&lt;b&gt;Bold&lt;/b&gt; &amp;amp; more</title></item>"
            "<item><guid>urn:3</guid><title><![CDATA[5 < 6 & «quotes»]]></title></item>"
            "<item><guid>urn:4</guid><title>Q&amp;A: R&amp;D &amp;copy 2024</title></item>"
        ),
        None,
    ).items
    assert [i.title for i in items] == [
        "AT&T & friends",
        "Bold & more",
        "5 < 6 & «quotes»",
        "Q&A: R&D © 2024",
    ]


def test_content_and_summary_as_feedparser_pairs_them() -> None:
    items = fast(
        rss(
            "<item><guid>urn:1</guid><description>short</description>"
            "<content:encoded>&lt;p&gt;long &lt;!-- wp:more --&gt;body&lt;/p&gt;</content:encoded>"
            "</item>"
            "<item><guid>urn:2</guid><content:encoded>only body</content:encoded></item>"
        )
    ).items
    assert [(i.summary, i.content) for i in items] == [("short", "long body"), ("only body", "")]


def test_ordinary_extras_are_taken() -> None:
    item = (
        "<item><title>t</title><link>http://example.org/1</link>"
        '<guid isPermaLink="false">urn:1</guid><dc:creator>Desk</dc:creator>'
        '<category domain="x">Politics</category><slash:comments>3</slash:comments>'
        '<enclosure url="http://example.org/a.jpg" length="1" type="image/jpeg"/>'
        '<media:content url="http://example.org/a.jpg" medium="image"/><comments>http://example.org/c</comments>'
        "</item>"
    )
    head = '<atom:link href="http://example.org/feed" rel="self" type="application/rss+xml"/>'
    head += "<image><url>http://example.org/i.png</url><title>Logo</title></image>"
    fast(rss(item, head=head))


@pytest.mark.parametrize(
    "body",
    [
        rss("<item><title>unclosed</item>"),  # not well-formed
        rss("<item><title>x</title><source url='http://e.org/'>elsewhere</source></item>"),
        rss("<item><title>a</title><title>b</title></item>"),  # feedparser keeps the first
        rss("<item><media:title>x</media:title></item>"),
        rss("<item><description>&lt;svg&gt;&lt;/svg&gt;</description></item>"),
        rss("<item><description>&lt;![CDATA[x]]&gt;</description></item>"),
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "x">]><rss version="2.0"><channel>'
        b"<title>&e;</title></channel></rss>",
        atom('<entry xml:base="http://other.example/"><link href="http://e.org/"/></entry>'),
        # the same checks in any case: a lower-case doctype, a capitalised base attribute
        b'<?xml version="1.0"?><!doctype rss><rss version="2.0"><channel><title>x</title>'
        b"</channel></rss>",
        atom('<entry Base ="http://other.example/"><link href="http://e.org/"/></entry>'),
        # feedparser maps the document's prefix "content" to Atom 0.3, and so reads c:id as an id
        b'<rss version="2.0" xmlns:content="http://purl.org/atom/ns#"'
        b' xmlns:c="http://purl.org/rss/1.0/modules/content/"><channel>'
        b"<item><c:id>http://e.org/1</c:id></item></channel></rss>",
        atom(
            '<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">x</div></title></entry>'
        ),
    ],
)
def test_what_the_fast_path_leaves_to_feedparser(body: bytes) -> None:
    assert parse_simple(body, content_type=None, url=URL) is None
    with contextlib.suppress(ParseError):  # feedparser reads it, or says why not
        parse_feed(body, content_type=None, url=URL)


def test_an_unchecked_feedparser_version_gets_no_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    body = rss("<item><guid>urn:1</guid></item>")
    assert parse_simple(body, content_type=None, url=URL) is not None
    monkeypatch.setattr(feedparser, "__version__", "7.0.0")
    assert parse_simple(body, content_type=None, url=URL) is None

"""The lxml fast path names, links and dates every item as feedparser does, or stands aside.

Differential: wherever ``fastfeed.read`` answers, each item's identity, link and date equal
feedparser's, over feedparser's own test corpus, the benchmark's feeds and generated documents
built from the elements that decide them. Titles and bodies may differ (both are made by
monitor.text, from raw and from sanitised markup).
"""

from __future__ import annotations

import hashlib
import random
import sys
from collections.abc import Callable

import pytest

from monitor.errors import ParseError
from monitor.sources import fastfeed
from monitor.sources.feed import parse_feed, parse_with_feedparser
from monitor.sources.feeditems import ParsedFeed
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
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    ' xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"'
    ' xmlns:foo="http://example.org/foo"'
)


def rss(items: str, *, encoding: str = "utf-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0" {NAMESPACES}><channel>'
        f"<title>News</title><link>http://example.org/</link>{items}</channel></rss>"
    ).encode(encoding)


def atom(entries: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>News</title><id>urn:feed</id>{entries}</feed>"
    ).encode()


Decided = list[tuple[str, str, str | None]]


def decided(feed: ParsedFeed) -> Decided:
    """What must not depend on the reader: identity, link, date, and the order of items."""
    return [(item.item_id, item.url, item.published) for item in feed.items]


def agrees(body: bytes, content_type: str | None = None) -> bool:
    """True when the fast path read the document as feedparser does; False when it stood aside."""
    quick = fastfeed.read(body, content_type=content_type, url=URL)
    if quick is None:
        return False
    reference = parse_with_feedparser(body, content_type=content_type, url=URL)
    assert decided(quick) == decided(reference), body
    return True


# --- corpora ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", [None, "text/xml; charset=utf-8", "application/atom+xml", "text/html"]
)
def test_feedparser_corpus_reads_the_same_both_ways(content_type: str | None) -> None:
    corpus_dir = shared("feedparser-corpus")
    suffixes = (".xml", ".rdf", ".atom", ".rss")
    files = sorted(p for p in corpus_dir.rglob("*") if p.is_file() and p.suffix in suffixes)
    accepted = [path for path in files if agrees(path.read_bytes(), content_type)]
    print(f"{content_type}: the fast path read {len(accepted)} of {len(files)} documents")
    if content_type == "text/html":  # not an XML media type: feedparser's to judge
        assert not accepted
    else:  # measured: 222-226; most of the corpus has items with neither guid nor link
        assert len(accepted) >= 200


def _bench_feeds() -> list[bytes]:
    feeds = [corpus.feed(i) for i in range(60) if not corpus.is_list(i)]
    return feeds + [corpus.feed(i, changed=True) for i in range(60) if corpus.is_changed(i)]


def test_every_benchmark_feed_takes_the_fast_path() -> None:
    feeds = _bench_feeds()
    assert len(feeds) > 50
    for body in feeds:
        assert agrees(body, "application/rss+xml")
        feed = parse_feed(body, content_type="application/rss+xml", url=URL)
        assert feed.items and all(item.title and item.summary for item in feed.items)


# --- generated documents ------------------------------------------------------------------------

RSS_CHILDREN = [
    "<title>t &amp; u</title>", "<title></title>", "<description>&lt;p&gt;x&lt;/p&gt;</description>",
    "<content:encoded>&lt;b&gt;y&lt;/b&gt;</content:encoded>", "<link>http://example.org/a</link>",
    "<link>/relative</link>", "<link></link>", "<link>http://example.org/q?a=1&amp;b=2</link>",
    "<link>http://example.org/q?a=1&amp;amp;b=2</link>", "<link>HTTP://Example.org/x</link>",
    "<link>http://example.org/a?</link>", "<link> http://example.org/sp </link>",
    "<link>http:///example.org/three</link>", "<link>mailto:a@example.org</link>",
    "<link>http:relative</link>", "<link>//example.org/schemeless</link>",
    "<link>http://example.org/café</link>", "<link>http://example.org/ж</link>",
    "<link>http://[bad/</link>", "<Link>http://example.org/Upper</Link>",
    '<link rel="alternate" href="http://example.org/rsshref">text</link>',
    "<guid>http://example.org/g</guid>", '<guid isPermaLink="false">x1</guid>', "<guid>rel-1</guid>",
    '<guid isPermaLink="true">urn:x</guid>', '<guid isPermaLink="True">http://example.org/T</guid>',
    "<guid/>", "<guid>tag:example.org,2024:1</guid>", '<guid isPermaLink="false"> spaced </guid>',
    "<guid>urn:ж</guid>", "<GUID>http://example.org/UG</GUID>", "<atom:id>urn:a</atom:id>",
    '<atom:link href="http://example.org/alt" rel="alternate"/>',
    '<atom:link href="http://example.org/self" rel="self"/>',
    '<atom:link href="http://example.org/pdf" type="application/pdf"/>',
    '<atom:link href="http://example.org/xhtml" type="xhtml"/>', '<atom:link href="/relhref"/>',
    '<atom:link href=""/>', '<atom:link url="http://example.org/url"/>',
    '<atom:link href="http://example.org/R" rel="ALTERNATE" type="TEXT/HTML"/>',
    '<z:link xmlns:z="http://www.w3.org/2005/Atom" href="http://example.org/z"/>',
    "<pubDate>Sat, 05 Oct 2024 10:00:00 +0300</pubDate>", "<pubDate>sometime</pubDate>",
    "<pubDate></pubDate>", "<pubDate>2024-10-06T08:30:00Z</pubDate>",
    "<dc:date>2024-10-06T08:30:00+05:30</dc:date>", "<dcterms:modified>2024-10-07</dcterms:modified>",
    "<pubDate>Mon, 30 Feb 2024 10:00:00 GMT</pubDate>", "<pubDate>Sat, 05 Oct 24 10:00:00 GMT</pubDate>",
    "<atom:updated>2024-10-06T08:30:00.5Z</atom:updated>", "<PubDate>Sat, 05 Oct 2024 10:00 GMT</PubDate>",
    "<lastBuildDate>Sun, 06 Oct 2024 11:00 GMT</lastBuildDate>", "<pubDate>5 oct 2024 10:00:00 -0000</pubDate>",
    "<dcterms:created>2024-10-01t01:02:03z</dcterms:created>", "<dc:date>2024-10-06T08:30+01:00</dc:date>",
    "<atom:published>2024-10-06T08:30:00-02:30</atom:published>",
    "<pubDate>Sat, 05 Oct 2024 24:00:00 GMT</pubDate>",
    '<y:date xmlns:y="http://purl.org/dc/elements/1.1/">2024-01-01</y:date>',
    '<source url="http://example.org/">Outlet</source>', "<author><name>x</name></author>",
    "<media:group><media:title>x</media:title></media:group>",
    "<foo:bar><link>http://example.org/inner</link></foo:bar>", '<foo xmlns="http://x.org/">1</foo>',
    '<enclosure url="http://example.org/a.mp3" type="audio/mpeg"/>', "<category>x</category>",
    "<comments>http://example.org/c</comments>",
]  # fmt: skip
ATOM_CHILDREN = [
    "<title>t</title>", '<title type="html">&lt;b&gt;x&lt;/b&gt;</title>',
    '<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">x</div></title>',
    '<link href="http://example.org/a"/>', '<link rel="alternate" type="text/html" href="http://example.org/b"/>',
    '<link rel="self" href="http://example.org/self"/>', '<link rel="related" href="http://example.org/rel"/>',
    '<link href="http://example.org/c" type="application/xhtml+xml"/>', '<link href="rel/d"/>',
    "<link>http://example.org/text</link>", "<id>urn:uuid:1</id>", "<id>http://example.org/id</id>",
    "<id>tag:x.org,2024:ж</id>", "<id>1234</id>", "<id></id>",
    "<published>2024-10-06T08:30:00Z</published>", "<updated>2024-10-07T08:30:00+02:00</updated>",
    "<updated>2024-10-07</updated>", "<published>bad</published>", "<updated>2024-13-07T00:00:00Z</updated>",
    "<created>2024-10-01T00:00:00Z</created>", "<summary>s</summary>",
    '<content type="html">&lt;p&gt;c&lt;/p&gt;</content>', '<content type="text/plain" mode="base64">aGk=</content>',
    '<content src="http://example.org/src"/>', "<author><name>a</name><uri>http://example.org/u</uri></author>",
    "<source><id>urn:src</id><title>s</title></source>", '<x:foo xmlns:x="http://x.org/"><x:bar>1</x:bar></x:foo>',
]  # fmt: skip


@pytest.mark.parametrize(("wrap", "children"), [(rss, RSS_CHILDREN), (atom, ATOM_CHILDREN)])
def test_generated_items_read_the_same_both_ways(
    wrap: Callable[[str], bytes], children: list[str]
) -> None:
    """Items made of the elements that decide a link, an id or a date, in any order and number."""
    rng = random.Random(20251005)
    tag = "item" if wrap is rss else "entry"
    taken = 0
    for _ in range(800):
        item = f"<{tag}>{''.join(rng.choices(children, k=rng.randint(1, 4)))}</{tag}>"
        taken += agrees(wrap(item), rng.choice([None, "application/xml", "text/xml"]))
    print(f"the fast path read {taken} of 800 generated documents")
    assert taken > 150


# --- what it leaves to feedparser ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        rss("<item><title>no guid, no link</title></item>"),  # identity by a hash of the text
        rss("<item><link>/news/1</link></item>"),  # relative: resolved against the feed's URL
        rss("<item><guid>12345</guid></item>"),  # a permalink guid is resolved as a link
        rss("<item><title>unclosed</item>"),  # not well-formed
        rss("<item><guid>urn:1</guid><guid>urn:2</guid></item>"),
        rss("<item><guid>urn:1</guid><pubDate>next Tuesday</pubDate></item>"),
        rss('<item xml:base="http://other.example/"><link>http://e.org/</link></item>'),
        rss("<item><foo:bar><guid>urn:hidden</guid></foo:bar><link>http://e.org/</link></item>"),
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "x">]><rss version="2.0"><channel>'
        b"<item><guid>urn:&e;</guid></item></channel></rss>",
        b'<rss version="2.0" xmlns:dc="http://example.org/not-dc"><channel><item>'
        b"<guid>urn:1</guid><dc:date>2024-01-01</dc:date></item></channel></rss>",
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns="http://purl.org/rss/1.0/"><item rdf:about="http://e.org/1"/></rdf:RDF>',
    ],
)
def test_what_the_fast_path_leaves_to_feedparser(body: bytes) -> None:
    assert fastfeed.read(body, content_type=None, url=URL) is None
    try:
        feed = parse_feed(body, content_type=None, url=URL)
    except ParseError:  # feedparser reads it, or says why not
        return
    assert feed == parse_with_feedparser(body, content_type=None, url=URL)


def test_a_relative_link_is_resolved_by_feedparser() -> None:
    [item] = parse_feed(rss("<item><link>/news/1</link></item>"), content_type=None, url=URL).items
    assert (item.url, item.item_id) == (
        "http://example.org/news/1",
        "link:http://example.org/news/1",
    )


def test_guid_link_and_date_as_recorded() -> None:
    body = rss(
        '<item><guid isPermaLink="false">urn:1</guid><link>http://example.org/1?a=1&amp;b=2</link>'
        "<pubDate>Sat, 05 Oct 2024 10:00:00 +0300</pubDate>"
        "<description>&lt;p&gt;Listed&lt;br/&gt;under&lt;/p&gt;&lt;p&gt;SDGT&lt;/p&gt;</description>"
        "</item><item><guid>http://example.org/2</guid><dc:date>2024-10-06T08:30:00+05:30</dc:date>"
        "</item>"
    )
    assert agrees(body)
    first, second = parse_feed(body, content_type=None, url=URL).items
    assert (first.item_id, first.url, first.published, first.summary) == (
        "guid:urn:1",
        "http://example.org/1?a=1&b=2",
        "2024-10-05T07:00:00Z",
        "Listed under SDGT",
    )
    assert (second.item_id, second.url, second.published) == (
        "guid:http://example.org/2",
        "http://example.org/2",
        "2024-10-06T03:00:00Z",
    )


def test_an_item_without_guid_or_link_keeps_the_identity_on_record() -> None:
    """Its id hashes the text as feeds were read before block elements broke words."""
    body = rss(
        "<item><title>T</title><description>&lt;p&gt;a&lt;/p&gt;&lt;p&gt;b&lt;/p&gt;</description></item>"
    )
    [item] = parse_feed(body, content_type=None, url=URL).items
    assert item.summary == "a b"
    assert item.item_id == "hash:" + hashlib.sha256(b"T\nab\n").hexdigest()


# --- the switch, and a slip ---------------------------------------------------------------------


def test_the_fast_path_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    body = _bench_feeds()[0]
    calls: list[bytes] = []
    monkeypatch.setattr(fastfeed, "read", lambda body, **_: calls.append(body))
    slow = parse_feed(body, content_type=None, url=URL, fast=False)
    assert not calls
    assert slow == parse_with_feedparser(body, content_type=None, url=URL)
    parse_feed(body, content_type=None, url=URL)
    assert calls == [body]


def test_a_fault_in_the_fast_path_costs_speed_not_the_feed(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(fastfeed, "_Reader", broken)
    body = _bench_feeds()[0]
    assert parse_feed(body, content_type=None, url=URL).items
    assert "fast feed reader failed" in caplog.text


def test_a_fault_in_feedparser_fails_the_source_readably(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise AttributeError("module 'feedparser.urls' has no attribute '_urljoin'")

    monkeypatch.setattr("feedparser.parse", broken)
    with pytest.raises(ParseError, match="not a readable feed: feedparser failed"):
        parse_feed(rss("<item><title>x</title></item>"), content_type=None, url=URL)

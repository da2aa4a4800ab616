"""Lists published as RSS or Atom feeds."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from monitor.config import Source
from monitor.errors import ParseError
from monitor.sources.lists import parse_list

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Designations</title><link>https://example.org/</link>
<item><title>«Taliban»</title><link>/list/6636</link><guid>urn:1</guid>
  <description>&lt;p&gt;Listed&lt;br/&gt;under&lt;/p&gt;&lt;p&gt;SDGT&lt;/p&gt;</description>
  <pubDate>Sat, 05 Oct 2024 10:00:00 +0300</pubDate></item>
<item><title>Other</title><guid isPermaLink="false">urn:2</guid><pubDate>sometime soon</pubDate></item>
<item><title> </title><guid>urn:3</guid></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:feed</id>
<updated>2024-10-06T00:00:00Z</updated>
<entry><title type="html">&lt;b&gt;Movement&lt;/b&gt; X</title><id>urn:x</id>
  <updated>2024-10-06T08:30:00Z</updated><summary>plain &amp; simple</summary></entry>
</feed>"""


def _source(**options: Any) -> Source:
    return Source(
        id="test", kind="list", url="https://example.org/feed.xml", format="feed", **options
    )


def test_all_five_fields_when_none_are_configured() -> None:
    entries = parse_list(RSS.encode(), _source(), content_type="application/rss+xml")
    assert entries == [
        {
            "key": '"Taliban"',
            "title": '"Taliban"',
            "summary": "Listed under SDGT",
            "link": "https://example.org/list/6636",
            "published": "2024-10-05T07:00:00+00:00",
            "id": "urn:1",
        },
        {
            "key": "Other",
            "title": "Other",
            "summary": "",
            "link": "",
            "published": "sometime soon",
            "id": "urn:2",
        },
    ]


def test_mapped_fields() -> None:
    source = _source(key="name", fields={"name": "title", "aliases": "summary"})
    entries = parse_list(RSS.encode(), source)
    assert entries[0] == {"key": '"Taliban"', "name": '"Taliban"', "aliases": "Listed under SDGT"}


def test_key_by_a_feed_field_that_is_not_mapped() -> None:
    entries = parse_list(RSS.encode(), _source(key="id", fields={"name": "title"}))
    assert [(e["key"], e["name"]) for e in entries] == [
        ("urn:1", '"Taliban"'),
        ("urn:2", "Other"),
        ("urn:3", ""),
    ]


def test_atom_html_title_and_updated_date() -> None:
    [entry] = parse_list(ATOM.encode(), _source(key="id"))
    assert entry["title"] == "Movement X"
    assert entry["summary"] == "plain & simple"
    assert entry["published"] == "2024-10-06T08:30:00+00:00"
    assert entry["key"] == "urn:x"


def test_encoding_override() -> None:
    body = RSS.replace("Other", "Талибан")  # declared utf-8, sent as windows-1251
    entries = parse_list(body.encode("cp1251"), _source(encoding="windows-1251"))
    assert entries[1]["title"] == "Талибан"


def test_empty_feed_gives_no_entries() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    assert parse_list(body, _source()) == []


@pytest.mark.parametrize("body", [b"", b"just some text", b"<html><body>no feed</body></html>"])
def test_not_a_feed_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError, match="not an RSS or Atom feed"):
        parse_list(body, _source())


def test_body_is_never_taken_for_a_path_or_url(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(RSS)
    for body in (str(feed).encode(), feed.as_uri().encode(), b"http://127.0.0.1:9/feed.xml"):
        started = time.monotonic()
        with pytest.raises(ParseError):
            parse_list(body, _source())
        assert time.monotonic() - started < 2

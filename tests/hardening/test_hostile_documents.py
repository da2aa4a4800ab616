"""Hostile documents: entity bombs, external entities, deep nesting, invalid bytes.

Each parse runs in a child process with a hard memory limit, so "within memory limits" is enforced
by the kernel rather than hoped for.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO

MEMORY_LIMIT = 1024 * 1024 * 1024  # 1 GiB of address space for the child

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    from monitor.config import Source
    from monitor.errors import ParseError
    from monitor.sources.feed import parse_feed
    from monitor.sources.lists import parse_list
    body = open(sys.argv[1], "rb").read()
    kind = sys.argv[2]
    started = time.monotonic()
    try:
        if kind == "feed":
            found = len(parse_feed(body, content_type="application/xml", url="http://x/").items)
        else:
            fields = {{"name": "NAME"}} if kind == "xml" else {{"name": "td"}}
            entries = "//ENTRY" if kind == "xml" else "tr"
            source = Source(id="h", kind="list", format=kind, url="http://x/", entries=entries, fields=fields)
            found = len(parse_list(body, source, content_type=None))
        outcome = "parsed"
    except ParseError as exc:
        found, outcome = 0, "refused: " + str(exc)
    print(json.dumps({{"outcome": outcome, "found": found, "seconds": time.monotonic() - started}}))
    """
).format(limit=MEMORY_LIMIT)


def parse_in_child(tmp_path: Path, body: bytes, kind: str) -> dict:
    document = tmp_path / "hostile"
    document.write_bytes(body)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(document), kind],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<LIST><ENTRY><NAME>&lol9;</NAME></ENTRY></LIST>"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<LIST><ENTRY><NAME>a&secret;</NAME></ENTRY></LIST>"""

RSS_BOMB = BILLION_LAUGHS.replace(
    b"<LIST><ENTRY><NAME>&lol9;</NAME></ENTRY></LIST>",
    b"<rss version='2.0'><channel><title>t</title><item><title>&lol9;</title></item></channel></rss>",
)

DEEP = 10 * 1024 * 1024 // 6  # about 10 MB of nested tags


@pytest.mark.parametrize(
    ("name", "body", "kind"),
    [
        ("billion laughs in a list", BILLION_LAUGHS, "xml"),
        ("billion laughs in a feed", RSS_BOMB, "feed"),
        ("external entity in a list", EXTERNAL, "xml"),
        ("10 MB of nested XML", b"<LIST>" + b"<a>" * DEEP + b"</a>" * DEEP + b"</LIST>", "xml"),
        (
            "10 MB of nested HTML",
            b"<html><body>" + b"<div>" * DEEP + b"<table><tr><td>x</td></tr></table>",
            "html",
        ),
        (
            "10 MB of nested feed",
            b"<rss><channel>" + b"<x>" * DEEP + b"</x>" * DEEP + b"</channel></rss>",
            "feed",
        ),
        (
            "invalid bytes in XML",
            b"<?xml version='1.0' encoding='utf-8'?><LIST><ENTRY><NAME>\xff\xfe\x00bad</NAME></ENTRY></LIST>",
            "xml",
        ),
        ("invalid bytes in HTML", b"<table><tr><td>\xff\xfe\x00\x81ok</td></tr></table>", "html"),
        ("random bytes as a feed", bytes(range(256)) * 4000, "feed"),
    ],
)
def test_hostile_document_is_refused_or_parsed_safely(
    tmp_path: Path, name: str, body: bytes, kind: str
) -> None:
    result = parse_in_child(tmp_path, body, kind)
    assert result["seconds"] < 60, (name, result)
    if "external entity" in name:
        assert result["outcome"].startswith("refused") or result["found"] == 1
        return
    if "billion laughs" in name:
        assert result["outcome"].startswith("refused") or result["found"] <= 1
    assert result["outcome"] in ("parsed",) or result["outcome"].startswith("refused: "), result


def test_external_entities_never_leak_file_contents() -> None:
    from monitor.config import Source
    from monitor.errors import ParseError
    from monitor.sources.lists import parse_list

    source = Source(
        id="h",
        kind="list",
        format="xml",
        url="http://x/",
        entries="//ENTRY",
        fields={"name": "NAME"},
    )
    try:
        entries = parse_list(EXTERNAL, source)
    except ParseError:
        return
    assert all("root:" not in json.dumps(e) for e in entries)

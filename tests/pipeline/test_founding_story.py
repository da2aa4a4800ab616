"""The founding story: VOA (5 Oct 2024) and MENAFN (6 Oct 2024), each an item of its own feed."""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import escape

from pytest_httpserver import HTTPServer

from tests.conftest import shared, write_config

WATCH_AND_TOPIC = """
[[watch]]
entity = "Taliban"
aliases = ["Taleban", "Талибан"]

[[topic]]
name = "Moscow Format"
match = ["Moscow Format", "Moscow-format", "Московский формат", "Московского формата"]
"""


def feed_of(article: Path, guid: str, link: str, day: str) -> str:
    text = article.read_text(encoding="utf-8").split("\n", 2)[2].strip()
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    title = paragraphs[0].split(". ")[0]
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>wire</title>'
        f"<item><title>{escape(title)}</title><link>{link}</link>"
        f'<guid isPermaLink="false">{guid}</guid><pubDate>{day}</pubDate>'
        f"<description>{escape(paragraphs[0])}</description>"
        f"<content:encoded xmlns:content='http://purl.org/rss/1.0/modules/content/'>{escape(' '.join(paragraphs[1:]))}</content:encoded>"
        "</item></channel></rss>"
    )


def test_one_alert_one_corroboration_one_topic(
    httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    voa = shared("seed-articles/voa-2024-10-05.txt")
    menafn = shared("seed-articles/menafn-2024-10-06.txt")
    httpserver.expect_request("/voa.xml").respond_with_data(
        feed_of(
            voa,
            "voa-1",
            "https://www.voanews.com/a/russia-taliban/1.html",
            "Sat, 05 Oct 2024 09:00:00 GMT",
        ),
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/menafn.xml").respond_with_data(
        feed_of(
            menafn,
            "menafn-1",
            "https://menafn.com/1108750000/russia-taliban",
            "Sun, 06 Oct 2024 08:00:00 GMT",
        ),
        content_type="application/rss+xml",
    )
    sources = "".join(
        f'[[source]]\nid = "{name}"\nkind = "feed"\nurl = "{httpserver.url_for(f"/{name}.xml")}"\n'
        for name in ("voa", "menafn")
    )
    config = write_config(tmp_path, sources + WATCH_AND_TOPIC)
    assert invoke(config, "poll", "voa").code == 0
    assert invoke(config, "poll", "menafn").code == 0

    events = [json.loads(x) for x in invoke(config, "log", "--json").out.splitlines()]
    by_type: dict[str, list[dict]] = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event)
    reported = by_type["designation_reported"]
    assert len(reported) == 1
    assert reported[0]["source"] == "voa"
    data = reported[0]["data"]
    assert (data["actor"], data["entity"], data["action"]) == ("RU", "Taliban", "announced_removal")
    assert data["watched"] is True and "principal decision" in data["evidence"]
    assert data["url"] == "https://www.voanews.com/a/russia-taliban/1.html"
    assert data["lang"] == "en" and data["signals"]["rule"]  # what decided, kept in the event

    corroborated = by_type["designation_corroborated"]
    assert len(corroborated) == 1 and corroborated[0]["source"] == "menafn"
    assert corroborated[0]["data"]["story"] == data["story"]

    topics = by_type["topic_reported"]
    assert len(topics) == 1 and topics[0]["source"] == "voa"
    assert topics[0]["data"]["topic"] == "Moscow Format"
    assert topics[0]["data"]["lang"] == "en" and topics[0]["data"]["signals"]["phrase"]
    assert "topic_corroborated" not in by_type or all(
        e["source"] == "menafn" for e in by_type["topic_corroborated"]
    )

    shown = json.loads(invoke(config, "show", str(reported[0]["id"]), "--json").out)
    reports = shown["evidence"]["story"]["reports"]
    assert [r["source"] for r in reports] == ["voa", "menafn"]
    text = invoke(config, "show", str(reported[0]["id"])).out
    assert "lang: en" in text and "signals:" in text
    assert invoke(config, "replay").code == 0

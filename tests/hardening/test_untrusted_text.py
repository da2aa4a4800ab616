"""Untrusted text (feed titles, list entries, HTTP reason phrases, selectors) is shown literally.

Rich markup in it is printed as the characters it is, never read; terminal controls (ESC, OSC,
BEL, C1, bidi overrides, newlines inside one value) are printed as visible escapes. Also the
reading commands' edge cases of issue 19: `state` says why it shows no entry, `show --document`
decodes the document, `log --entity` knows the configured aliases.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from rich.console import Console
from werkzeug import Response

from monitor.columns import visible
from tests.conftest import write_config

UNBALANCED = "[/b]Unbalanced Front"
LINK = "[link=http://evil.example]Turkmenistan[/link]"
ESCAPES = "Red\x1b[31m Brigade\x1b]0;owned\x07\x9b2J \u202eevil\u2066x\u2069"
ESCAPES_SHOWN = r"Red\x1b[31m Brigade\x1b]0;owned\x07\x9b2J \u202eevil\u2066x\u2069"
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\u2069")
REASON = "[/b]Broken [link=http://evil.example]here[/link]"

LIST_PAGE = (
    "<html><body><table>"
    f"<tr><td>{UNBALANCED}</td></tr><tr><td>{LINK}</td></tr><tr><td>{ESCAPES}</td></tr>"
    "</table></body></html>"
)
FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
    f"<item><title>{UNBALANCED}</title><link>https://n.example.org/1</link></item>"
    f"<item><title>{LINK}</title><link>https://n.example.org/2</link></item>"
    f"<item><title>{ESCAPES}</title><link>https://n.example.org/3</link></item>"
    "</channel></rss>"
)
CONFIG = """
[[source]]
id = "hostile-list"
kind = "list"
format = "html"
url = "{base}/list.html"
entries = "table tr"
key = "name"
[source.fields]
name = "td"

[[source]]
id = "hostile-feed"
kind = "feed"
url = "{base}/feed.xml"

[[source]]
id = "hostile-status"
kind = "feed"
url = "{base}/broken.xml"
fail_after = 1
"""


def test_visible_shows_every_control_and_keeps_other_text() -> None:
    assert visible(ESCAPES) == ESCAPES_SHOWN
    assert visible("a\nb\r\tc\x00\x7f\u200e\u202a\u2028") == r"a\nb\r\tc\x00\x7f\u200e\u202a\u2028"
    assert visible("line one\nline two\tcell", lines=True) == "line one\nline two\tcell"
    assert visible("Движение «Талибан» — [b]", lines=True) == "Движение «Талибан» — [b]"
    assert visible(42) == "42"


@pytest.mark.parametrize("text", [UNBALANCED, LINK, REASON, "[bold red]x", "a :thumbs_up: b"])
def test_visible_for_rich_prints_markup_literally(text: str) -> None:
    console = Console(
        file=io.StringIO(), force_terminal=True, width=200, emoji=False, highlight=False
    )
    console.print(visible(text, markup=True))
    printed = console.file.getvalue()  # type: ignore[attr-defined]
    assert printed == text + "\n", "printed as written: no style, no link, no emoji"
    assert "\x1b]8;" not in printed


@pytest.fixture
def hostile(httpserver: HTTPServer, tmp_path: Path, invoke) -> Path:
    httpserver.expect_request("/list.html").respond_with_data(
        LIST_PAGE, content_type="text/html; charset=utf-8"
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        FEED, content_type="application/rss+xml"
    )
    httpserver.expect_request("/broken.xml").respond_with_handler(
        lambda _r: Response("down", status=f"500 {REASON}")
    )
    config = write_config(tmp_path, CONFIG.format(base=httpserver.url_for("").rstrip("/")))
    invoke(config, "run", "--once")
    return config


def assert_safe(result, *literals: str) -> None:
    assert result.code == 0, result
    text = result.out + result.err
    assert "Traceback" not in text and "MarkupError" not in text, result
    for control in RAW_CONTROLS:
        assert control not in text, (control, result)
    for literal in literals:
        assert literal in result.out, (literal, result)


def test_log_prints_untrusted_text_literally_and_controls_visibly(hostile: Path, invoke) -> None:
    assert_safe(invoke(hostile, "log"), UNBALANCED, LINK, ESCAPES_SHOWN, REASON)


def test_show_of_every_event_prints_it_literally(hostile: Path, invoke) -> None:
    events = [json.loads(line) for line in invoke(hostile, "log", "--json").out.splitlines()]
    assert len(events) >= 7
    seen = ""
    for event in events:
        shown = invoke(hostile, "show", str(event["id"]))
        assert_safe(shown)
        seen += shown.out
    for literal in (UNBALANCED, LINK, ESCAPES_SHOWN, REASON):
        assert literal in seen, literal


def test_state_prints_entries_literally(hostile: Path, invoke) -> None:
    assert_safe(invoke(hostile, "state", "hostile-list"), UNBALANCED, LINK, ESCAPES_SHOWN)


def test_sources_and_poll_print_errors_literally(hostile: Path, invoke) -> None:
    polled = invoke(hostile, "poll", "hostile-status")
    assert polled.code == 1 and REASON in polled.out, polled
    assert_safe(invoke(hostile, "sources"))


def test_sources_check_prints_a_selector_literally(tmp_path: Path, invoke) -> None:
    config = write_config(
        tmp_path,
        '[[source]]\nid = "bad-selector"\nkind = "list"\nformat = "html"\n'
        'url = "https://x.example/"\nentries = "[/b]"\n[source.fields]\nname = "td"\n',
    )
    checked = invoke(config, "sources", "--check")
    assert checked.code in (1, 2), checked  # a problem, whether --check or loading finds it
    assert "[/b]" in checked.err and "Traceback" not in checked.err + checked.out, checked


# --- reading: state, show --document, log --entity ---------------------------------------------

READING = """
[[watch]]
entity = "Taliban"
aliases = ["Taleban", "Талибан", "Движение «Талибан»"]

[[source]]
id = "ru-list"
kind = "list"
format = "html"
url = "{base}/ru.html"
entries = "table tr"
key = "name"
[source.fields]
name = "td"

[[source]]
id = "later-list"
kind = "list"
format = "html"
url = "{base}/later.html"
entries = "table tr"
key = "name"
[source.fields]
name = "td"

[[source]]
id = "wire"
kind = "feed"
url = "{base}/wire.xml"
"""
RU_PAGE = (
    '<html><head><meta charset="windows-1251"></head><body><table>'
    "<tr><td>Движение Талибан</td></tr><tr><td>Правый сектор</td></tr>"
    "</table></body></html>"
).encode("cp1251")


@pytest.fixture
def reading(httpserver: HTTPServer, tmp_path: Path, invoke) -> Path:
    httpserver.expect_request("/ru.html").respond_with_data(
        RU_PAGE, content_type="text/html; charset=windows-1251"
    )
    httpserver.expect_request("/wire.xml").respond_with_data(
        FEED.replace(ESCAPES, "Quiet news"), content_type="application/rss+xml"
    )
    config = write_config(tmp_path, READING.format(base=httpserver.url_for("").rstrip("/")))
    assert invoke(config, "poll", "ru-list", "wire").code == 0
    return config


def test_log_entity_matches_a_configured_alias(reading: Path, invoke) -> None:
    found = [
        json.loads(line)
        for line in invoke(reading, "log", "--entity", "Taliban", "--json").out.splitlines()
    ]
    assert [e["data"]["entry"]["name"] for e in found] == ["Движение Талибан"]
    by_alias = invoke(reading, "log", "--entity", "Талибан", "--json").out.splitlines()
    assert [json.loads(line)["id"] for line in by_alias] == [e["id"] for e in found]
    assert invoke(reading, "log", "--entity", "Hezbollah", "--json").out == ""


def test_show_document_prints_the_document_decoded(reading: Path, invoke) -> None:
    event = json.loads(invoke(reading, "log", "--source", "ru-list", "--json").out.splitlines()[0])
    document = invoke(reading, "show", str(event["id"]), "--document")
    assert document.code == 0, document
    assert "Движение Талибан" in document.out and "Правый сектор" in document.out


def test_state_says_why_it_shows_no_entry(reading: Path, invoke) -> None:
    unpolled = invoke(reading, "state", "later-list")
    assert unpolled.code == 0 and "0 entries" in unpolled.out, unpolled
    assert "not been polled" in unpolled.out, unpolled
    before = invoke(reading, "state", "ru-list", "--at", "2000-01-01")
    assert before.code == 0 and "0 entries" in before.out, before
    assert "first recorded" in before.out, before
    feed = invoke(reading, "state", "wire")
    assert feed.code == 2 and "feed" in feed.err and "monitor log --source wire" in feed.err, feed

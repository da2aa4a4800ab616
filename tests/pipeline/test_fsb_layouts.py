"""The FSB list as the live page is laid out: items after 72 each in a one-row table of their own,
a <thead>, bare numbers, windows-1251 or UTF-8. Built from the page in ../shared/data/ru_fsb/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.config import Settings, load_settings
from monitor.sources.lists import parse_list
from tests.conftest import REPO, catalogue_source, shared, write_config

SOURCE_ID = "ru-fsb-terrorist-list"
ROW = re.compile(r"<tr><td>(\d+)\.</td>.*?</tr>", re.DOTALL)
NEW_ITEM = (
    "<tr><td>78</td><td>«Вымышленное сообщество для теста»</td>"
    "<td>Суд, от 01.12.2026 № 1-1/2026, вступило в силу 03.12.2026</td></tr>"
)


def original() -> str:
    return shared("ru_fsb/fsb_terror_list_2024.html").read_text(encoding="cp1251")


def live_layout(page: str, extra: str = "") -> str:
    """Items 1-72 in the first table under a <thead>, each later item a one-row table of its own,
    numbers without their dot."""
    rows = [(int(m.group(1)), m.group(0)) for m in ROW.finditer(page)]
    header = re.search(r"<tr><td><b>№ п/п.*?</tr>", page, re.DOTALL)
    assert header and len(rows) == 37

    def bare(row: str) -> str:
        return re.sub(r"<tr><td>(\d+)\.</td>", r"<tr><td>\1</td>", row)

    first = "".join(bare(r) for n, r in rows if n <= 72)
    later = "".join(f'<table border="1"><tr>{bare(r)[4:]}</table>' for n, r in rows if n > 72)
    if extra:
        later += f'<table border="1">{extra}</table>'
    tables = f'<table border="1"><thead>{header.group(0)}</thead><tbody>{first}</tbody></table>'
    start, end = page.index("<table"), page.index("</table>") + len("</table>")
    return page[:start] + tables + later + page[end:]


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(REPO / "monitor.toml", env={})


def keys(body: bytes, settings: Settings, content_type: str) -> list[str]:
    source = settings.source(SOURCE_ID)
    return [str(e["key"]) for e in parse_list(body, source, content_type=content_type)]


@pytest.mark.parametrize(
    ("encoding", "content_type"),
    [
        ("windows-1251", "text/html"),  # as fsb.ru: the charset only in the <meta>
        ("windows-1251", "text/html; charset=utf-8"),  # a wrong server charset
        ("utf-8", "text/html"),
        ("utf-8", "text/html; charset=windows-1251"),  # a stale server charset
    ],
)
def test_every_item_of_the_live_layout_in_either_encoding(
    settings: Settings, encoding: str, content_type: str
) -> None:
    page = original()
    expected = keys(page.encode("cp1251"), settings, "text/html")
    assert len(expected) == 37 and expected[-1] == 'Террористическое сообщество "ULTIMA"'
    laid_out = live_layout(page).replace("charset=windows-1251", f"charset={encoding}")
    assert laid_out.count("<table") == 5 and "<thead>" in laid_out
    assert keys(laid_out.encode(encoding), settings, content_type) == expected


def test_an_item_added_as_a_one_row_table_is_one_entry_added(
    httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    current = {"body": live_layout(original()).encode("cp1251")}
    httpserver.expect_request("/terror.htm").respond_with_handler(
        lambda _r: Response(current["body"], content_type="text/html")
    )
    source = catalogue_source("ru.toml", SOURCE_ID, httpserver.url_for("/terror.htm"))
    config = write_config(tmp_path, source)
    assert invoke(config, "poll", SOURCE_ID).code == 0
    current["body"] = live_layout(original(), extra=NEW_ITEM).encode("cp1251")
    assert invoke(config, "poll", SOURCE_ID).code == 0

    events = [json.loads(x) for x in invoke(config, "log", "--json").out.splitlines()]
    baseline = [e for e in events if e["data"].get("baseline")]
    assert len(baseline) == 37
    changes = [
        e for e in events if e["type"].startswith("entry_") and not e["data"].get("baseline")
    ]
    assert [(e["type"], e["data"]["entry"]["name"]) for e in changes] == [
        ("entry_added", '"Вымышленное сообщество для теста"')
    ]

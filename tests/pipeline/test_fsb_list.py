"""The FSB page (windows-1251, rowspan cells): one edited decision cell is one entry_changed."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.conftest import RU_HTML_LIST, shared, write_config


def _events(invoke, config: Path, after: int = 0) -> list[dict]:
    rows = [json.loads(x) for x in invoke(config, "log", "--json").out.splitlines()]
    return [r for r in rows if r["id"] > after]


def serve(httpserver: HTTPServer, current: dict) -> str:
    httpserver.expect_request("/terror.htm").respond_with_handler(
        lambda _r: Response(current["body"], content_type="text/html")  # no charset, as fsb.ru
    )
    return httpserver.url_for("/terror.htm")


def test_one_edited_decision_is_one_entry_changed(
    httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    page = shared("ru_fsb/fsb_terror_list_2024.html").read_bytes()
    current = {"body": page}
    config = write_config(
        tmp_path, RU_HTML_LIST.format(id="ru-fsb", url=serve(httpserver, current))
    )
    assert invoke(config, "poll", "ru-fsb").code == 0
    baseline = _events(invoke, config)
    assert baseline and all(e["type"] == "entry_added" and e["data"]["baseline"] for e in baseline)
    names = {e["data"]["entry"]["name"] for e in baseline}
    taliban = [n for n in names if "Талибан" in n]
    assert taliban == ['"Движение Талибан"']
    # Rows under one rowspan decision all carry it.
    decisions = [e["data"]["entry"]["decision"] for e in baseline]
    assert all(decisions) and len(set(decisions)) < len(decisions)

    # Edit the decision cell of entry 18 alone.
    text = page.decode("cp1251")
    old = "<td>18.</td>"
    row = text[text.index(old) : text.index("</tr>", text.index(old))]
    edited_row = row.replace("</td><td>Верховный", "</td><td>Изменено. Верховный")
    assert edited_row != row
    current["body"] = text.replace(row, edited_row).encode("cp1251")
    last = max(e["id"] for e in baseline)
    assert invoke(config, "poll", "ru-fsb").code == 0
    new = _events(invoke, config, last)
    assert [e["type"] for e in new] == ["entry_changed"]
    assert new[0]["data"]["entry"]["decision"].startswith("Изменено. Верховный")
    assert new[0]["data"]["before"]["decision"].startswith("Верховный")


def test_the_taliban_suspension_split_out_of_a_rowspan_is_one_change(
    httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    """2025: the Taliban row keeps its place and its decision gains the suspension."""
    page = shared("ru_fsb/fsb_terror_list_2024.html").read_bytes()
    current = {"body": page}
    config = write_config(
        tmp_path, RU_HTML_LIST.format(id="ru-fsb", url=serve(httpserver, current))
    )
    assert invoke(config, "poll", "ru-fsb").code == 0
    last = max(e["id"] for e in _events(invoke, config))

    text = page.decode("cp1251")
    start = text.index('<td rowspan="15">') + len('<td rowspan="15">')
    decision = text[start : text.index("</td>", start)]
    text = text.replace('<td rowspan="15">', '<td rowspan="10">')
    suspended = (
        f"{decision}. Запрет деятельности приостановлен решением Верховного Суда РФ от 17.04.2025"
    )
    text = text.replace(
        "<td>«Движение Талибан»</td></tr>",
        f"<td>«Движение Талибан»</td><td>{suspended}</td></tr>",
    )
    for number in (12, 13, 14, 15):
        row_start = text.index(f"<tr><td>{number}.</td>")
        row_end = text.index("</tr>", row_start)
        text = text[:row_end] + f"<td>{decision}</td>" + text[row_end:]
    current["body"] = text.encode("cp1251")
    assert invoke(config, "poll", "ru-fsb").code == 0
    new = _events(invoke, config, last)
    assert [e["type"] for e in new] == ["entry_changed"]
    change = new[0]["data"]
    assert change["entry"]["name"] == '"Движение Талибан"'
    assert change["before"]["decision"] == " ".join(decision.split())
    assert "Запрет деятельности приостановлен" in change["entry"]["decision"]


def test_a_vanished_table_is_suspect_not_removals(
    httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    page = shared("ru_fsb/fsb_terror_list_2024.html").read_bytes()
    current = {"body": page}
    config = write_config(
        tmp_path, RU_HTML_LIST.format(id="ru-fsb", url=serve(httpserver, current))
    )
    assert invoke(config, "poll", "ru-fsb").code == 0
    last = max(e["id"] for e in _events(invoke, config))

    text = page.decode("cp1251")
    start, end = text.index("<table"), text.index("</table>") + len("</table>")
    current["body"] = (text[:start] + "<p>Страница на реконструкции</p>" + text[end:]).encode(
        "cp1251"
    )
    result = invoke(config, "poll", "ru-fsb")
    assert result.code == 0 and "suspect" in result.out
    new = _events(invoke, config, last)
    assert [e["type"] for e in new] == ["parse_suspect"]
    assert new[0]["data"]["found"] == 0 and new[0]["data"]["expected"] > 0
    sources = [json.loads(x) for x in invoke(config, "sources", "--json").out.splitlines()]
    assert sources[0]["health"].startswith("parse suspect")

    # Polled again while still broken: no second parse_suspect, still no removal.
    current["body"] = current["body"] + b"<!-- changed -->"
    assert invoke(config, "poll", "ru-fsb").code == 0
    assert [e["type"] for e in _events(invoke, config, last)] == ["parse_suspect"]

    # The layout returns: the suspicion ends, and nothing spurious is recorded.
    current["body"] = page
    assert invoke(config, "poll", "ru-fsb").code == 0
    new = _events(invoke, config, last)
    assert [e["type"] for e in new] == ["source_recovered", "parse_suspect"]
    assert new[0]["data"]["after"] == "parse_suspect"
    assert invoke(config, "replay").code == 0


def test_accept_records_the_removals(httpserver: HTTPServer, tmp_path: Path, invoke) -> None:
    page = shared("ru_fsb/fsb_terror_list_2024.html").read_bytes()
    current = {"body": page}
    config = write_config(
        tmp_path, RU_HTML_LIST.format(id="ru-fsb", url=serve(httpserver, current))
    )
    assert invoke(config, "poll", "ru-fsb").code == 0
    before = [json.loads(x) for x in invoke(config, "state", "ru-fsb", "--json").out.splitlines()]
    text = page.decode("cp1251")
    rows = text.split("</tr>")
    kept = "</tr>".join(rows[:4] + rows[-1:])  # header and three entries
    current["body"] = kept.encode("cp1251")
    assert invoke(config, "poll", "ru-fsb").code == 0
    assert invoke(config, "accept", "ru-fsb").code == 0
    after = [json.loads(x) for x in invoke(config, "state", "ru-fsb", "--json").out.splitlines()]
    assert len(after) == 3
    removed = [e for e in _events(invoke, config) if e["type"] == "entry_removed"]
    assert len(removed) == len(before) - 3
    assert all(e["data"]["accepted"] for e in removed)
    assert invoke(config, "accept", "ru-fsb").code == 2  # no longer suspect

"""Every command on a populated store; JSON Lines; exit statuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.conftest import FIXTURES, REPO, write_config

LIST_PAGE = """<html><body><table>
<tr><th>No</th><th>Name</th><th>Decision</th></tr>
<tr><td>1</td><td>«Alpha Front»</td><td>Court A, 2003</td></tr>
<tr><td>2</td><td>“Beta Brigade”</td><td>Court B, 2010</td></tr>
<tr><td>3</td><td>Gamma   Group</td><td>Court C, 2015</td></tr>
</table></body></html>"""

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Alpha Front delisted</title><link>https://n.example.org/1</link>
<guid isPermaLink="false">n1</guid><pubDate>Sat, 05 Oct 2024 09:00:00 GMT</pubDate></item>
</channel></rss>"""

CONFIG = """
[[source]]
id = "example-list"
kind = "list"
format = "html"
url = "{base}/list.html"
jurisdiction = "XX"
every = "6h"
entries = "table tr:not(:first-child)"
key = "name"
[source.fields]
name = "td:nth-of-type(2)"
decision = "td:nth-of-type(3)"

[[source]]
id = "example-feed"
kind = "feed"
url = "{base}/feed.xml"
every = "15m"

[[source]]
id = "broken"
kind = "feed"
url = "{base}/missing.xml"
fail_after = 1
"""


@pytest.fixture
def populated(httpserver: HTTPServer, tmp_path: Path, invoke) -> Path:
    page = {"body": LIST_PAGE}
    httpserver.expect_request("/list.html").respond_with_handler(
        lambda _r: Response(page["body"], content_type="text/html; charset=utf-8")
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        FEED, content_type="application/rss+xml"
    )
    httpserver.expect_request("/missing.xml").respond_with_data("gone", status=404)
    config = write_config(tmp_path, CONFIG.format(base=httpserver.url_for("").rstrip("/")))
    result = invoke(config, "run", "--once")
    assert result.code == 1, result  # one source failed: exit 1, the others still recorded
    time.sleep(1.1)  # `state --at` below reads the log by second-precision times
    page["body"] = (
        LIST_PAGE.replace("Court B, 2010", "Court B, 2010; amended 2024")
        .replace("<tr><td>3</td><td>Gamma   Group</td><td>Court C, 2015</td></tr>", "")
        .replace("</table>", "<tr><td>4</td><td>Delta Cell</td><td>Court D</td></tr></table>")
    )
    assert invoke(config, "poll", "example-list").code == 0
    return config


def jsonl(text: str) -> list[dict]:
    lines = text.splitlines()
    assert lines, "expected JSON Lines on stdout"
    return [json.loads(line) for line in lines]


def test_log_filters_and_json(populated: Path, invoke) -> None:
    events = jsonl(invoke(populated, "log", "--json").out)
    ids = [e["id"] for e in events]
    assert ids == sorted(ids, reverse=True), "newest first"
    assert {e["type"] for e in events} >= {
        "entry_added",
        "entry_removed",
        "entry_changed",
        "item_published",
        "source_failed",
    }
    for event in events:
        assert set(event) == {"id", "type", "recorded_at", "source", "data"}
        assert event["recorded_at"].endswith("Z")
    changed = jsonl(invoke(populated, "log", "--type", "entry_changed", "--json").out)
    assert [e["data"]["entry"]["name"] for e in changed] == ['"Beta Brigade"']
    assert changed[0]["data"]["before"]["decision"] == "Court B, 2010"
    assert len(jsonl(invoke(populated, "log", "--limit", "2", "--json").out)) == 2
    only_feed = jsonl(invoke(populated, "log", "--source", "example-feed", "--json").out)
    assert {e["source"] for e in only_feed} == {"example-feed"}
    gamma = jsonl(invoke(populated, "log", "--entity", "gamma", "--json").out)
    assert {e["type"] for e in gamma} == {"entry_added", "entry_removed"}
    # --entity keeps the other filters and the limit: the newest first, as the whole log is
    newest = jsonl(invoke(populated, "log", "--entity", "gamma", "--limit", "1", "--json").out)
    assert newest == [max(gamma, key=lambda e: e["id"])]
    added = jsonl(
        invoke(populated, "log", "--entity", "gamma", "--type", "entry_added", "--json").out
    )
    assert [e["type"] for e in added] == ["entry_added"]
    assert invoke(populated, "log", "--entity", "gamma", "--source", "example-feed").code == 0
    assert (
        invoke(populated, "log", "--entity", "gamma", "--source", "example-feed", "--json").out
        == ""
    )
    assert invoke(populated, "log", "--since", "2999-01-01", "--json").out == ""
    assert len(
        jsonl(
            invoke(populated, "log", "--since", "1h", "--until", "2999-01-01T00:00", "--json").out
        )
    ) == len(events)
    table = invoke(populated, "log")
    assert table.code == 0 and "Beta Brigade" in table.out
    header, *rows = table.out.splitlines()
    assert header.split() == ["id", "recorded", "(UTC)", "type", "source", "what"]
    # one row per event, in the order --json gives them (newest first), id and type in columns
    assert [(row.split()[0], row.split()[2]) for row in rows] == [
        (str(e["id"]), e["type"]) for e in events
    ]


def test_show_state_sources_replay(populated: Path, invoke) -> None:
    changed = jsonl(invoke(populated, "log", "--type", "entry_changed", "--json").out)[0]
    shown = jsonl(invoke(populated, "show", str(changed["id"]), "--json").out)
    assert len(shown) == 1 and shown[0]["id"] == changed["id"]
    assert shown[0]["evidence"]["document"]["sha256"] == changed["data"]["document"]
    text = invoke(populated, "show", str(changed["id"]))
    assert text.code == 0 and "before:" in text.out and "Court B, 2010" in text.out
    document = invoke(populated, "show", str(changed["id"]), "--document")
    assert "amended 2024" in document.out

    state = jsonl(invoke(populated, "state", "example-list", "--json").out)
    assert sorted(e["key"] for e in state) == ['"Alpha Front"', '"Beta Brigade"', "Delta Cell"]
    first_moment = jsonl(invoke(populated, "log", "--type", "entry_added", "--json").out)[-1][
        "recorded_at"
    ]
    old = jsonl(
        invoke(
            populated,
            "state",
            "example-list",
            "--at",
            first_moment.replace("Z", ".999999"),
            "--json",
        ).out
    )
    assert sorted(e["key"] for e in old) == ['"Alpha Front"', '"Beta Brigade"', "Gamma Group"]
    assert "3 entries" in invoke(populated, "state", "example-list").out

    sources = jsonl(invoke(populated, "sources", "--json").out)
    by_id = {s["id"]: s for s in sources}
    assert by_id["broken"]["health"].startswith("failing")
    assert by_id["example-list"]["last_change"] is not None
    assert by_id["example-feed"]["next_poll"] is not None
    assert invoke(populated, "sources").code == 0

    replay = jsonl(invoke(populated, "replay", "--json").out)
    assert replay == [
        {"events": replay[0]["events"], "matches": True, "written": False, "differences": {}}
    ]
    assert invoke(populated, "replay").code == 0
    assert invoke(populated, "replay", "--write").code == 0
    assert invoke(populated, "db", "upgrade").code == 0


def test_usage_errors_exit_2(populated: Path, invoke) -> None:
    cases = [
        (("poll", "no-such-source"), "no-such-source"),
        (("log", "--since", "last tuesday"), "--since"),
        (("log", "--type", "entry_exploded"), "--type"),
        (("show", "999999"), "999999"),
        (("state", "nope"), "nope"),
        (("accept", "example-list"), "not in parse_suspect"),
        (("frobnicate",), "frobnicate"),
    ]
    for args, needle in cases:
        result = invoke(populated, *args)
        assert result.code == 2, (args, result)
        assert needle in result.err, (args, result)
        assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (
            '[[source]]\nid = "a"\nkind = "feed"\nurl = "https://x.example/"\nevery = "soon"\n',
            'source "a".every',
        ),
        (
            '[[source]]\nid = "a"\nkind = "feed"\nurl = "https://x.example/"\nfrequency = "1h"\n',
            'source "a".frequency: unknown key',
        ),
        ('[[source]]\nid = "a"\nkind = "rss"\nurl = "https://x.example/"\n', 'source "a".kind'),
        ('[http]\ntimeout = 5\nmax_bytes = "lots"\n', "http.max_bytes"),
        ('[[channel]]\nname = "x"\nurl = "${NOT_SET_ANYWHERE}"\n', "NOT_SET_ANYWHERE"),
        (
            '[[source]]\nid = "a"\nkind = "feed"\nurl = "https://x.example/"\n[[source]]\nid = "a"\nkind = "feed"\nurl = "https://y.example/"\n',
            "duplicate source id",
        ),
        ("[store\n", "not valid TOML"),
        ("surprise = 1\n", "surprise: unknown key"),
    ],
)
def test_bad_config_exits_2_naming_the_key(tmp_path: Path, invoke, body: str, needle: str) -> None:
    config = write_config(tmp_path, body)
    result = invoke(config, "sources")
    assert result.code == 2, result
    assert needle in result.err and str(config) in result.err, result
    assert "Traceback" not in result.err


def test_missing_config_file_exits_2(tmp_path: Path, invoke) -> None:
    result = invoke(tmp_path / "nope.toml", "log")
    assert result.code == 2 and "nope.toml" in result.err


def test_fixture_folder_exists() -> None:
    assert FIXTURES.is_dir()


def test_sources_show_only_a_live_lease_as_the_holder(populated: Path, invoke) -> None:
    from datetime import timedelta

    from monitor.clock import utcnow
    from monitor.config import load_settings
    from monitor.store import Store

    store = Store(load_settings(populated).store.url)
    try:
        store.save_source_state(
            "example-list", lease_owner="host:1", lease_until=utcnow() + timedelta(minutes=5)
        )
        store.save_source_state(
            "example-feed", lease_owner="host:2", lease_until=utcnow() - timedelta(minutes=5)
        )
    finally:
        store.close()
    rows = {r["id"]: r for r in jsonl(invoke(populated, "sources", "--json").out)}
    assert rows["example-list"]["worker"] == "host:1"
    assert rows["example-feed"]["worker"] is None, "an expired lease holds nothing"


def test_a_large_run_lists_only_the_polls_that_found_something(
    httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    feed = (
        '<rss version="2.0"><channel><title>t</title><item><title>{title}</title>'
        "<link>https://example.org/{n}</link></item></channel></rss>"
    )
    current = {"n": 0}
    httpserver.expect_request("/quiet.xml").respond_with_data(
        feed.format(title="old", n=0), content_type="application/rss+xml"
    )
    httpserver.expect_request("/busy.xml").respond_with_handler(
        lambda _r: Response(
            feed.format(title=f"item {current['n']}", n=current["n"]),
            content_type="application/rss+xml",
        )
    )
    quiet = httpserver.url_for("/quiet.xml")
    sources = "".join(
        f'[[source]]\nid = "quiet-{i:02d}"\nkind = "feed"\nurl = "{quiet}"\n' for i in range(60)
    )
    sources += (
        f'[[source]]\nid = "busy"\nkind = "feed"\nurl = "{httpserver.url_for("/busy.xml")}"\n'
    )
    config = write_config(tmp_path, "[service]\nprocesses = 0\n" + sources)
    first = invoke(config, "run", "--once")
    assert first.code == 0 and "quiet-59" in first.out  # every poll found its first items
    current["n"] = 1
    second = invoke(config, "run", "--once")
    assert second.code == 0
    assert "busy" in second.out and "quiet-" not in second.out
    header, busy, summary = second.out.splitlines()
    assert header.split() == ["source", "status", "http", "bytes", "events", "seconds", "error"]
    assert busy.split()[:3] == ["busy", "changed", "200"]
    assert summary == "61 sources polled: 1 changed, 60 unchanged"


def loaded_by(config: Path, args: list[str], modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh process has imported once the command ``args`` is done."""
    code = (
        "import sys\n"
        "from monitor.cli import main\n"
        "try:\n"
        f"    main(['--config', sys.argv[1], *{args!r}])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        f"loaded = [m for m in {modules!r} if m in sys.modules]\n"
        "print('loaded:', *loaded, file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(config)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stderr.strip().splitlines()[-1].split()[1:]


def test_run_once_starts_without_the_libraries_it_does_not_use(tmp_path: Path) -> None:
    """`run --once` with nothing to parse never imports the parsers (feedparser, lxml): they are
    most of the start-up a poll that finds nothing would pay for."""
    # A source that is off: a config with none at all is refused by `run`.
    off = '[[source]]\nid = "off"\nkind = "feed"\nurl = "https://x.example/"\nenabled = false\n'
    config = write_config(tmp_path, off)
    assert loaded_by(config, ["run", "--once"], ("feedparser", "lxml")) == []


def test_commands_that_read_the_store_start_without_the_http_client(tmp_path: Path, invoke) -> None:
    """`log`, `state` and the other commands that only read the store never fetch: they do not
    import httpx (nor its command line's rich and pygments) or httpcore."""
    config = write_config(
        tmp_path, '[[source]]\nid = "a"\nkind = "feed"\nurl = "https://x.example/"\n'
    )
    assert invoke(config, "db", "upgrade").code == 0
    assert loaded_by(config, ["log"], ("httpx", "httpcore", "pygments")) == []

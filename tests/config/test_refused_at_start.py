"""A wrong config is refused at start — by `run`, `poll` and `sources --check` alike — with exit
2 and one message naming the file, the key and a reason in plain words (issue 19, item 5)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.config import load_settings
from monitor.errors import ConfigError
from tests.conftest import REPO, write_config

FEED = '[[source]]\nid = "s"\nkind = "feed"\nurl = "http://127.0.0.1:9/feed.xml"\n'
LIST = (
    '[[source]]\nid = "s"\nkind = "list"\nformat = "{format}"\nurl = "http://127.0.0.1:9/l"\n'
    'entries = "{entries}"\nkey = "name"\n[source.fields]\nname = "{name}"\n'
)
REMOTE_FEED = (  # never resolves (RFC 6761): had the config been accepted, no request leaves
    '[[source]]\nid = "s"\nkind = "feed"\nurl = "https://example.invalid/feed"\n'
)
# What pydantic says about itself, which a user cannot act on.
INTERNALS = ("literal[", "Input should", "type=", "pydantic", "function-", "errors.pydantic.dev")

CASES = {
    "invalid CSS selector": (
        LIST.format(format="html", entries="table tr[", name="td"),
        'source "s".entries',
        "not a valid CSS selector",
    ),
    "invalid XPath": (
        LIST.format(format="xml", entries="//row", name="//a["),
        'source "s".fields.name',
        "not a valid XPath",
    ),
    "markup in a selector": (
        LIST.format(format="html", entries="[/b]", name="td"),
        'source "s".entries',
        "'[/b]'",
    ),
    "unknown channel scheme": (
        FEED + '[[channel]]\nname = "desk"\nurl = "nosuchscheme://user:hunter2@foo"\n',
        'channel "desk".url',
        "nosuchscheme",
    ),
    "channel URL apprise cannot use": (
        FEED + '[[channel]]\nname = "slack"\nurl = "slack://"\n',
        'channel "slack".url',
        "apprise cannot use",
    ),
    "every as a bare number": (REMOTE_FEED + "every = 1\n", 'source "s".every', "no unit"),
    "every too short": (REMOTE_FEED + 'every = "10s"\n', 'source "s".every', "at least 1m"),
    "every too long": (REMOTE_FEED + 'every = "999999999d"\n', 'source "s".every', "at most 7d"),
    "include that matches nothing": (
        'include = ["catalogue/*.toml"]\n' + FEED,
        "include",
        'no file matches "catalogue/*.toml"',
    ),
    "processes neither auto nor a number": (
        FEED + '[service]\nprocesses = "many"\n',
        "service.processes",
        'must be "auto" or a number',
    ),
    "unknown list format": (
        LIST.format(format="pdf", entries="tr", name="td"),
        'source "s".format',
        "must be one of: html, xml, csv, json, feed",
    ),
    "a whole number that is text": (
        FEED + '[http]\nconcurrency = "lots"\n',
        "http.concurrency",
        'must be a whole number, got "lots"',
    ),
}


def _config(folder: Path, body: str) -> Path:
    """write_config, with the body's top-level keys (those before its first table) first."""
    top, tables = re.split(r"^(?=\[)", body, maxsplit=1, flags=re.MULTILINE)
    path = write_config(folder, tables)
    path.write_text(top + path.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def _run_service(config: Path, timeout: float = 30) -> tuple[int, str]:
    """`monitor run` in its own process: if the config were accepted it would serve until the
    timeout, and the test would fail rather than hang."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(config), "run"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return -1, "`monitor run` started with this config"
    return done.returncode, done.stderr


def _assert_refused(code: int, err: str, config: Path, key: str, reason: str) -> None:
    assert code == 2, err
    # The config's folder and name: the shared temporary root may be masked by the log redaction
    # an earlier test of this process armed with its channel URLs.
    where = f"{config.parent.name}/{config.name}: "
    assert where in err and key in err and reason in err, err
    assert "Traceback" not in err, err
    assert not [word for word in INTERNALS if word in err], err
    assert "hunter2" not in err, "a channel URL's password is never printed"
    assert "apprise:" not in err, "apprise's own complaint (it repeats the URL) is not logged"


@pytest.mark.parametrize("case", list(CASES))
def test_a_wrong_config_is_refused_at_start(tmp_path: Path, invoke, case: str) -> None:
    body, key, reason = CASES[case]
    config = _config(tmp_path, body)
    for args in (("poll", "s"), ("sources", "--check")):
        result = invoke(config, *args)
        _assert_refused(result.code, result.err, config, key, reason)
    _assert_refused(*_run_service(config), config, key, reason)
    assert not (tmp_path / "state").exists(), "nothing was started, no store was made"


def test_every_config_error_is_one_line_per_problem(tmp_path: Path) -> None:
    config = write_config(tmp_path, FEED + '[http]\ntimeout = 5\nmax_bytes = "lots"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    lines = str(caught.value).splitlines()
    assert lines == [
        f'{config}: http.timeout: must be a duration such as "30s", "15m", "6h" or "1d", '
        "got 5 (a bare number has no unit)",
        f'{config}: http.max_bytes: must be a size such as "500KB" or "25MB", got "lots"',
    ]


def test_a_source_on_this_machine_may_be_polled_more_often(tmp_path: Path) -> None:
    """The 1m floor spares remote sites; a local test server or mirror may be polled each second."""
    config = write_config(tmp_path, FEED + 'every = "2s"\n')
    assert load_settings(config, env={}).source("s").every == 2
    config = write_config(tmp_path, FEED + 'every = "500ms"\n')
    with pytest.raises(ConfigError, match=r'source "s"\.every: .*at least 1s'):
        load_settings(config, env={})


def test_a_disabled_channel_is_not_checked(tmp_path: Path) -> None:
    config = write_config(tmp_path, FEED + '[[channel]]\nname = "off"\nurl = "${UNSET:-}"\n')
    assert not load_settings(config, env={}).channels[0].enabled


def test_the_demo_channel_scheme_is_known(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, FEED + f'[[channel]]\nname = "desk"\nurl = "alertfile://{tmp_path}/a.txt"\n'
    )
    assert load_settings(config, env={}).channels[0].enabled


def test_no_source_at_all_is_refused_by_the_commands_that_poll(tmp_path: Path, invoke) -> None:
    config = write_config(tmp_path, '[[channel]]\nname = "off"\nurl = ""\n')
    for args in (("run", "--once"), ("poll", "s"), ("sources", "--check")):
        result = invoke(config, *args)
        _assert_refused(result.code, result.err, config, "source", "no [[source]] is configured")
    # Reading and notify-test need no source: a store can outlive its catalogue.
    assert load_settings(config, env={}).sources == []


def test_no_source_at_all_is_refused_by_the_service(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[[channel]]\nname = "off"\nurl = ""\n')
    _assert_refused(*_run_service(config, 8), config, "source", "no [[source]] is configured")

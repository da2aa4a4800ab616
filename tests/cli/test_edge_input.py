"""Edge input ends in a clear error and exit 2, never a traceback (issue 19, item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.demo.runner import run_demo
from monitor.errors import UsageError
from tests.conftest import write_config

SOURCE = (
    '[[source]]\nid = "l"\nkind = "list"\nformat = "html"\nurl = "http://127.0.0.1:9/l"\n'
    'entries = "tr"\n[source.fields]\nname = "td"\n'
)
FAR = "99999999d"  # a timedelta, but no datetime: `now` minus it is before year 1


@pytest.fixture
def config(tmp_path: Path, invoke) -> Path:
    path = write_config(tmp_path, SOURCE)
    assert invoke(path, "db", "upgrade").code == 0
    return path


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("log", "--since", FAR), "--since"),
        (("log", "--until", FAR), "--until"),
        (("state", "l", "--at", FAR), "--at"),
        (("log", "--since", "9999999999999d"), "--since"),  # too many days for a timedelta
        (("log", "--since", "9" * 5000 + "d"), "--since"),  # more digits than int() reads
        (("log", "--until", "0001-01-01T00:00+01:00"), "--until"),  # before year 1 in UTC
        (("state", "l", "--at", "9999-12-31T23:59-01:00"), "--at"),  # after year 9999 in UTC
    ],
)
def test_dates_out_of_range_are_usage_errors(config: Path, invoke, args, option: str) -> None:
    result = invoke(config, *args)
    assert result.code == 2, result
    assert option in result.err and "out of range" in result.err, result
    assert "Traceback" not in result.err and "Overflow" not in result.err, result


def test_a_date_at_the_edge_of_the_range_still_reads(config: Path, invoke) -> None:
    assert invoke(config, "log", "--since", "0001-01-01", "--until", "9999-12-31").code == 0


@pytest.mark.parametrize(
    ("option", "key"),
    [
        ('every = "999999999d"', 'source "l".every'),
        ('timeout = "999999999d"', 'source "l".timeout'),
        ('max_bytes = "' + "9" * 400 + 'MB"', 'source "l".max_bytes'),
    ],
)
def test_huge_durations_and_sizes_are_refused_then_poll(
    tmp_path: Path, invoke, option: str, key: str
) -> None:
    config = write_config(tmp_path, SOURCE.replace("[source.fields]", f"{option}\n[source.fields]"))
    result = invoke(config, "poll", "l")
    assert result.code == 2, result
    where = f"{tmp_path.name}/monitor.toml: "  # the temporary root may be masked (see config tests)
    assert where in result.err and key in result.err and "at most" in result.err, result
    assert "Traceback" not in result.err, result


@pytest.mark.parametrize(
    "table", ['[delivery]\ngive_up_after = "999999999d"', '[alerts]\nstory_window = "9999999999w"']
)
def test_huge_windows_are_refused(tmp_path: Path, invoke, table: str) -> None:
    config = write_config(tmp_path, SOURCE + table + "\n")
    result = invoke(config, "run", "--once")
    assert result.code == 2 and "at most 36500d" in result.err, result


def test_demo_refuses_to_keep_its_store_in_a_file(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"--keep: .*notes\.txt is a file, not a folder"):
        run_demo(target)
    assert target.read_text(encoding="utf-8") == "mine\n"


def test_demo_keep_file_exits_2(tmp_path: Path, invoke) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine\n", encoding="utf-8")
    result = invoke(None, "demo", "--keep", str(target))
    assert result.code == 2 and "is a file, not a folder" in result.err, result

"""`monitor demo --keep DIR` can be run again, and the hints it prints run as printed (issue 19,
item 10)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from monitor.config import load_settings
from monitor.demo.runner import runnable_hints
from monitor.store import Store

HINT = re.compile(r"details: (monitor [^\n]*?show \d+)")


def _events(folder: Path) -> list[tuple[str, str]]:
    store = Store(load_settings(folder / "monitor.toml", env={}).store.url)
    try:
        # Sorted: the sources of one phase are polled at once, in no fixed order.
        return sorted((e.type, e.source or "") for e in store.read())
    finally:
        store.close()


def test_a_second_demo_in_the_same_folder_tells_the_same_story(tmp_path: Path, invoke) -> None:
    folder = tmp_path / "demo"
    first = invoke(None, "demo", "--keep", str(folder))
    assert first.code == 0, first
    events, alerts = _events(folder), (folder / "alerts.txt").read_text(encoding="utf-8")
    second = invoke(None, "demo", "--keep", str(folder))
    assert second.code == 0, second
    again = _events(folder)
    assert again == events, "the second run starts from a clean store"
    assert not [e for e in again if e[0] == "entry_removed" and e[1] == "ru-fsb-terrorist-list"]
    assert (folder / "alerts.txt").read_text(encoding="utf-8").count("=" * 78) == alerts.count(
        "=" * 78
    ), "no spurious alert"


def test_the_demo_hints_run_as_printed(tmp_path: Path, invoke) -> None:
    folder = tmp_path / "kept"
    result = invoke(None, "demo", "--keep", str(folder))
    assert result.code == 0, result
    hints = HINT.findall(result.out)
    assert hints, result
    for hint in hints:
        words = shlex.split(hint)
        assert words[:2] == ["monitor", "--config"], hint
        shown = invoke(Path(words[2]), *words[3:])
        event_id = words[-1]
        assert shown.code == 0 and f"#{event_id} " in shown.out, (hint, shown)


def test_a_hint_quotes_a_path_the_shell_would_split() -> None:
    alerts = "Event #52 — details: monitor show 52\n"
    hinted = runnable_hints(alerts, Path("/srv/kept here/monitor.toml"))
    assert HINT.findall(hinted) == ["monitor --config '/srv/kept here/monitor.toml' show 52"]


def test_without_keep_no_hint_points_at_a_store_that_is_gone(invoke) -> None:
    result = invoke(None, "demo")
    assert result.code == 0, result
    assert not re.search(r"details: monitor show \d+", result.out), result
    assert re.search(r"monitor demo --keep DIR", result.out), result


def test_a_folder_holding_something_else_is_left_alone(tmp_path: Path, invoke) -> None:
    (tmp_path / "monitor.toml").write_text("# my own monitor\n", encoding="utf-8")
    result = invoke(None, "demo", "--keep", str(tmp_path))
    assert result.code == 2 and "not written by `monitor demo`" in result.err, result
    assert (tmp_path / "monitor.toml").read_text(encoding="utf-8") == "# my own monitor\n"

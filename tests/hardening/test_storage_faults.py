"""Storage faults: a full disk, a read-only folder, a locked SQLite file, PostgreSQL going away.

Each ends in a clear message and a non-zero exit (or a retry), and nothing half-written.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.conftest import write_config

LIST = """
[[source]]
id = "big-list"
kind = "list"
format = "html"
url = "{url}"
entries = "table tr"
key = "name"
[source.fields]
name = "td"
"""


def page(count: int, salt: str = "") -> str:
    rows = "".join(f"<tr><td>Organisation {salt}{i} {'x' * 200}</td></tr>" for i in range(count))
    return f"<html><body><table>{rows}</table></body></html>"


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB filesystem of our own (we are root here); skipped where mounting is not allowed."""
    mount = tmp_path / "fs"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def serve(httpserver: HTTPServer, current: dict) -> str:
    httpserver.expect_request("/list.html").respond_with_handler(
        lambda _r: Response(current["body"], content_type="text/html; charset=utf-8")
    )
    return httpserver.url_for("/list.html")


def events(invoke, config: Path) -> list[dict]:
    return [json.loads(x) for x in invoke(config, "log", "--json").out.splitlines()]


def test_a_full_disk_fails_cleanly_and_loses_nothing(
    httpserver: HTTPServer, tmpfs: Path, tmp_path: Path, invoke
) -> None:
    current = {"body": page(20)}
    store = f"sqlite:///{tmpfs / 'monitor.db'}"
    config = write_config(tmp_path, LIST.format(url=serve(httpserver, current)), store=store)
    assert invoke(config, "poll", "big-list").code == 0
    before = events(invoke, config)
    assert len(before) == 20

    filler = tmpfs / "filler"
    with filler.open("wb") as f:  # fill what is left of the filesystem
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    current["body"] = page(4000, salt="new ")  # ~900 KB of new entries: cannot fit
    result = invoke(config, "poll", "big-list")
    assert result.code == 1, result
    assert "full" in result.err and "Traceback" not in result.err

    filler.unlink()
    assert events(invoke, config) == before, "nothing half-written"
    current["body"] = page(40)
    assert invoke(config, "poll", "big-list").code == 0
    assert len(events(invoke, config)) == 40
    assert invoke(config, "replay").code == 0


def test_a_read_only_state_folder_is_a_clear_error(
    httpserver: HTTPServer, tmpfs: Path, tmp_path: Path, invoke
) -> None:
    current = {"body": page(5)}
    store = f"sqlite:///{tmpfs / 'monitor.db'}"
    config = write_config(tmp_path, LIST.format(url=serve(httpserver, current)), store=store)
    assert invoke(config, "poll", "big-list").code == 0
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    current["body"] = page(6)
    result = invoke(config, "poll", "big-list")
    assert result.code == 1, result
    assert "read-only" in result.err or "readonly" in result.err
    assert "Traceback" not in result.err


def test_a_locked_database_waits_then_says_so(
    httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    current = {"body": page(5)}
    db = tmp_path / "state" / "monitor.db"
    config = write_config(
        tmp_path, LIST.format(url=serve(httpserver, current)), store=f"sqlite:///{db}"
    )
    config.write_text(config.read_text().replace("[store]\n", '[store]\nlock_timeout = "1s"\n', 1))
    assert invoke(config, "poll", "big-list").code == 0
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        current["body"] = page(6)
        result = invoke(config, "poll", "big-list")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.code == 1, result
    assert "locked" in result.err and "Traceback" not in result.err
    assert len(events(invoke, config)) == 5
    assert invoke(config, "poll", "big-list").code == 0
    assert len(events(invoke, config)) == 6


def test_postgresql_connections_dropped_between_polls_are_replaced(
    httpserver: HTTPServer, pg_url: str, tmp_path: Path
) -> None:
    from monitor.app import App
    from monitor.config import load_settings

    current = {"body": page(5)}
    config = write_config(tmp_path, LIST.format(url=serve(httpserver, current)), store=pg_url)
    app = App(load_settings(config))
    try:
        assert not app.poll_now(app.sources())[0].failed
        killer = sa.create_engine(pg_url.split("?")[0])
        with killer.begin() as conn:
            terminated = (
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE pid <> pg_backend_pid() AND datname = current_database() AND application_name = 'monitor'"
                    )
                )
                .scalars()
                .all()
            )
        assert terminated and all(terminated), "the monitor's pooled connections were cut"
        killer.dispose()
        current["body"] = page(7)
        assert not app.poll_now(app.sources())[0].failed
        assert len(app.store.read(types=["entry_added"])) == 7
    finally:
        app.close()


def test_an_unreachable_postgresql_is_a_clear_error(tmp_path: Path, invoke) -> None:
    config = write_config(tmp_path, "", store="postgresql+psycopg://postgres@127.0.0.1:1/none")
    result = invoke(config, "log")
    assert result.code == 1, result
    assert "database" in result.err.lower() or "connect" in result.err.lower()
    assert "Traceback" not in result.err

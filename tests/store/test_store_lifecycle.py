"""Where a store comes from and what happens when it goes: read commands never create one, writes
do; a file deleted, replaced or damaged under an open store stops its writers with a clear error."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.errors import NoStoreError, StoreLostError
from monitor.store import Store
from tests.conftest import write_config

PAGE = "<html><body><table>{rows}</table></body></html>"

LIST = """
[[source]]
id = "short-list"
kind = "list"
format = "html"
url = "{url}"
entries = "table tr"
key = "name"
[source.fields]
name = "td"

[[channel]]
name = "hook"
url = "json://127.0.0.1:9/"
"""

READ_COMMANDS = [
    ("log",),
    ("log", "--json"),
    ("show", "1"),
    ("state", "short-list"),
    ("sources",),
    ("sources", "--json"),
    ("deliveries",),
    ("replay",),
]


def page(names: list[str]) -> str:
    return PAGE.format(rows="".join(f"<tr><td>{name}</td></tr>" for name in names))


def serve(httpserver: HTTPServer, names: list[str]) -> str:
    httpserver.expect_request("/list.html").respond_with_handler(
        lambda _r: Response(page(names), content_type="text/html; charset=utf-8")
    )
    return httpserver.url_for("/list.html")


@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_read_commands_create_no_store_and_say_so(
    tmp_path: Path, invoke, command: tuple[str, ...]
) -> None:
    missing = tmp_path / "nonexistent"
    store = f"sqlite:///{missing / 'x' / 'm.db'}"
    config = write_config(tmp_path, LIST.format(url="http://127.0.0.1:9/list.html"), store=store)
    result = invoke(config, *command)
    assert result.code == 2, result
    assert f"no store at {missing / 'x' / 'm.db'}" in result.err, result
    assert "monitor poll" in result.err, result
    assert result.out == "", result
    assert not missing.exists()


def test_a_writing_command_creates_the_store_and_its_folders(
    httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    database = tmp_path / "nonexistent" / "x" / "m.db"
    url = serve(httpserver, ["Alpha", "Beta"])
    config = write_config(tmp_path, LIST.format(url=url), store=f"sqlite:///{database}")
    assert invoke(config, "poll", "short-list").code == 0
    assert database.is_file()
    logged = invoke(config, "log", "--json")
    assert logged.code == 0, logged
    assert len(logged.out.splitlines()) == 2
    # The channel's horizon was registered when the first write made the store.
    deliveries = invoke(config, "deliveries", "--json")
    assert '"channel": "hook"' in deliveries.out, deliveries


def test_db_upgrade_creates_the_store(tmp_path: Path, invoke) -> None:
    database = tmp_path / "new" / "m.db"
    config = write_config(tmp_path, "", store=f"sqlite:///{database}")
    result = invoke(config, "db", "upgrade")
    assert result.code == 0, result
    assert database.is_file()
    assert invoke(config, "log").code == 0


def test_an_unopened_store_is_made_by_its_first_write(tmp_path: Path) -> None:
    database = tmp_path / "later" / "m.db"
    store = Store(f"sqlite:///{database}", create=False)
    try:
        with pytest.raises(NoStoreError):
            store.last_position()
        assert not database.parent.exists()
        store.save_source_state("a", last_status="changed")
        assert database.is_file()
        assert store.source_state("a").last_status == "changed"
    finally:
        store.close()


def open_store(tmp_path: Path) -> tuple[Store, Path]:
    database = tmp_path / "m.db"
    store = Store(f"sqlite:///{database}")
    store.save_source_state("a", last_status="changed")
    return store, database


def test_a_deleted_store_stops_the_next_write(tmp_path: Path) -> None:
    store, database = open_store(tmp_path)
    try:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        with pytest.raises(StoreLostError, match=f"{database}.*deleted"):
            store.save_source_state("a", last_status="unchanged")
        with pytest.raises(StoreLostError):
            store.source_state("a")
        assert not database.exists()  # nothing recreated in its place
    finally:
        store.close()


def test_a_replaced_store_stops_the_next_write(tmp_path: Path) -> None:
    store, database = open_store(tmp_path)
    try:
        copy = tmp_path / "copy.db"
        shutil.copyfile(database, copy)
        os.replace(copy, database)
        with pytest.raises(StoreLostError, match=f"{database}.*replaced"):
            store.save_source_state("a", last_status="unchanged")
    finally:
        store.close()


def test_a_store_overwritten_with_garbage_stops_the_next_write(tmp_path: Path) -> None:
    store, database = open_store(tmp_path)
    try:
        size = database.stat().st_size
        with database.open("r+b") as damaged:
            damaged.write(b"not a database, just garbage " * (size // 29 + 1))
        with pytest.raises(StoreLostError, match=f"{database}.*damaged"):
            store.save_source_state("a", last_status="unchanged")
    finally:
        store.close()


def corrupt_pages(database: Path, first: int, count: int) -> None:
    """Garbage over some pages past the header: SQLite opens the file and fails only where it
    reads them."""
    with database.open("r+b") as damaged:
        damaged.seek(4096 * first)
        damaged.write(os.urandom(4096 * count))


@pytest.mark.parametrize("first_page", [5, 20])
def test_damaged_pages_give_a_clear_error_and_no_more_writes(
    httpserver: HTTPServer, tmp_path: Path, invoke, first_page: int
) -> None:
    database = tmp_path / "state" / "m.db"
    url = serve(httpserver, [f"Organisation {i} {'x' * 100}" for i in range(60)])
    config = write_config(tmp_path, LIST.format(url=url), store=f"sqlite:///{database}")
    assert invoke(config, "poll", "short-list").code == 0
    for suffix in ("-wal", "-shm"):
        assert not Path(f"{database}{suffix}").exists()  # checkpointed at close
    corrupt_pages(database, first_page, 3)
    damaged = database.read_bytes()
    for command in (("replay",), ("poll", "short-list"), ("run", "--once")):
        result = invoke(config, *command)
        assert result.code == 1, (command, result)
        assert f"the store {database} is damaged" in result.err, (command, result)
        assert "Traceback" not in result.err, (command, result)
    assert database.read_bytes() == damaged  # nothing written into it

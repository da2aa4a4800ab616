"""A store that vanishes or is damaged under a running `monitor run` stops it, non-zero, with a
message naming the store: nothing is recorded into a file that nobody will read again."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import write_config
from tests.service.test_run import Server, events, list_source, page, start, wait_for

pytestmark = pytest.mark.slow


def delete(database: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    return "was deleted"


def replace(database: Path) -> str:
    copy = database.with_name("copy.db")
    shutil.copyfile(database, copy)
    os.replace(copy, database)
    return "was replaced"


def overwrite(database: Path) -> str:
    size = database.stat().st_size
    with database.open("r+b") as damaged:
        damaged.write(b"garbage " * (size // 8 + 1))
    return "is damaged"


@pytest.mark.parametrize("mishap", [delete, replace, overwrite], ids=lambda f: f.__name__)
def test_the_service_stops_when_its_store_goes(
    httpserver: HTTPServer, tmp_path: Path, invoke, mishap: Callable[[Path], str]
) -> None:
    server = Server(httpserver)
    url = server.serve("/list.html", page(["Alpha", "Beta"]))
    database = tmp_path / "state" / "m.db"
    config = write_config(
        tmp_path,
        list_source("short", url, "2s") + '\n[service]\ntick = "0.2s"\n',
        store=f"sqlite:///{database}",
    )
    log = tmp_path / "service.log"
    process = start(config, log)
    try:
        wait_for(lambda: len(events(invoke, config)) == 2, 30, "the baseline")
        said = mishap(database)
        after = database.read_bytes() if database.exists() else None
        code = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the service kept running:\n{log.read_text()}") from None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text()
    assert code == 1, text
    assert f"the store {database} {said}" in text, text
    assert "Traceback" not in text, text
    assert "poll source=" not in text.split(said)[-1], "polled on after the store went"
    if mishap is not overwrite:
        # Nothing was written into the file that now sits at the path, nor one made there.
        # (A file damaged in place is the same file: closing, SQLite checkpoints into it what
        # was committed before the damage was seen.)
        assert (database.read_bytes() if database.exists() else None) == after

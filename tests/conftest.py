"""Shared test helpers: real data from ../shared/data, config files, the CLI in-process, stores."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.mail import smtp  # noqa: F401  (the SMTP server fixture, for every test folder)

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
FIXTURES = REPO / "tests" / "fixtures"


def shared(relative: str) -> Path:
    """A file of ../shared/data, or skip the test saying it is missing."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} is missing (the shared data folder is not beside the repo)")
    return path


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MONITOR_CONFIG", "MONITOR_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL schema for one test."""
    base = os.environ.get("MONITOR_TEST_DATABASE_URL")
    if not base:
        pytest.skip("MONITOR_TEST_DATABASE_URL is not set (CI sets it; no PostgreSQL here)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Store-level tests run on both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'monitor.db'}"
    return request.getfixturevalue("pg_url")


def catalogue_source(file: str, source_id: str, url: str) -> str:
    """The ``[[source]]`` block of ``source_id`` in ``feeds/<file>``, as shipped, fetching from
    ``url`` (a local server) instead, without its offline sample."""
    text = (REPO / "feeds" / file).read_text(encoding="utf-8")
    for block in re.split(r"(?m)^(?=\[\[source\]\])", text):
        if re.search(rf'(?m)^id = "{re.escape(source_id)}"$', block):
            block = re.sub(r'(?m)^url = ".*"$', f'url = "{url}"', block)
            return re.sub(r"(?m)^sample = .*$", "", block)
    raise KeyError(f"no source {source_id!r} in feeds/{file}")


# A list source laid out as the FSB page is (number, name, court decision), for tests' own pages.
RU_HTML_LIST = """
[[source]]
id = "{id}"
kind = "list"
format = "html"
url = "{url}"
jurisdiction = "RU"
entries = "table tr:not(:first-child)"
key = "name"
[source.fields]
name = "td:nth-of-type(2)"
decision = "td:nth-of-type(3)"
"""


def write_config(folder: Path, body: str, *, store: str | None = None) -> Path:
    store = store or f"sqlite:///{folder / 'state' / 'monitor.db'}"
    path = folder / "monitor.toml"
    path.write_text(f'[store]\nurl = "{store}"\n\n{body}', encoding="utf-8")
    return path


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"Result(code={self.code}, out={self.out[-2000:]!r}, err={self.err[-2000:]!r})"


@pytest.fixture
def invoke(capsys: pytest.CaptureFixture[str]):
    """Run the CLI in this process: invoke(config, "log", "--json") → Result."""
    from monitor.cli import main

    def run(config: Path | None, *args: str) -> Result:
        argv = (["--config", str(config)] if config else []) + list(args)
        capsys.readouterr()
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run

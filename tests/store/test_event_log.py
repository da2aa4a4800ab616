"""The event log on SQLite and PostgreSQL: append-only, versions, positions, documents."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from monitor.documents import Document
from monitor.errors import ConcurrencyError
from monitor.store import Store
from monitor.store.projections.lists import current_entries
from monitor.store.projections.replay import replay
from tests.factories import added, removed


@pytest.fixture
def store(store_url: str):
    store = Store(store_url)
    yield store
    store.close()


def test_append_assigns_positions_versions_and_utc_times(store: Store) -> None:
    first = store.append([added("a"), added("b")], expected={"source:s1": 0})
    second = store.append([added("x", "s2")])
    assert [e.version for e in first] == [1, 2]
    assert second[0].version == 1
    ids = [e.id for e in first + second]
    assert ids == sorted(ids) and len(set(ids)) == 3
    read = store.read()
    assert [e.id for e in read] == ids
    assert all(
        e.recorded_at.tzinfo is not None and e.recorded_at.utcoffset().total_seconds() == 0
        for e in read
    )
    assert read[0].payload == first[0].payload and read[0].payload.entry["key"] == "a"
    assert store.stream_version("source:s1") == 2


def test_one_append_across_streams_keeps_its_order_and_returns_each_events_own_id(
    store: Store,
) -> None:
    """A feed's poll appends to its source's stream and to story streams, interleaved: each
    returned event carries the id its row got, and ids follow the order of the append."""
    store.append([added("old", "s2")])
    events = [added(f"k{i}", "s1" if i % 3 else "s2") for i in range(40)]
    recorded = store.append(events)
    ids = [e.id for e in recorded]
    assert ids == sorted(ids) and len(set(ids)) == len(events)
    assert [e.payload.entry["key"] for e in recorded] == [f"k{i}" for i in range(40)]
    stored = {e.id: e for e in store.read()}
    for event in recorded:
        row = stored[event.id]
        assert (row.stream, row.version, row.payload) == (
            event.stream,
            event.version,
            event.payload,
        )
    assert [e.version for e in recorded if e.stream == "source:s2"][:2] == [2, 3]
    assert store.stream_version("source:s1") == 26 and store.stream_version("source:s2") == 15


def test_stale_expected_version_is_refused(store: Store) -> None:
    store.append([added("a")], expected={"source:s1": 0})
    with pytest.raises(ConcurrencyError):
        store.append([added("b")], expected={"source:s1": 0})
    assert [e.payload.entry["key"] for e in store.read()] == ["a"]


def test_the_database_refuses_updates_and_deletes(store: Store) -> None:
    store.append(
        [added("a")],
        documents=[
            Document.of(b"doc", url="http://x", content_type=None, fetched_at=datetime.now(UTC))
        ],
    )
    for statement in (
        "UPDATE events SET type = 'entry_removed'",
        "DELETE FROM events",
        "DELETE FROM documents",
        "UPDATE documents SET size = 0",
    ):
        with pytest.raises(sa.exc.DBAPIError), store.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    if store.dialect == "postgresql":
        with pytest.raises(sa.exc.DBAPIError), store.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE events")
    assert len(store.read()) == 1


def test_documents_are_kept_once_by_content_hash(store: Store) -> None:
    now = datetime.now(UTC)
    doc = Document.of(
        b"<html>list</html>",
        url="http://example.org/list",
        content_type="text/html",
        fetched_at=now,
    )
    store.append([added("a")], documents=[doc])
    store.append([added("b")], documents=[doc])
    kept = store.document(doc.sha256)
    assert (
        kept is not None
        and kept.content == b"<html>list</html>"
        and kept.url == "http://example.org/list"
    )


def test_projection_follows_appends_and_replay_matches(store: Store) -> None:
    store.append([added("a"), added("b"), added("c")])
    store.append([removed("b")])
    with store.read_tx() as conn:
        assert sorted(current_entries(conn, "s1")) == ["a", "c"]
    report = replay(store)
    assert report.matches and report.events == 4
    # Tamper with a projection: replay notices, --write repairs it.
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM list_entries")
    report = replay(store)
    assert not report.matches and report.differences["list_entries"] == (2, 0)
    assert replay(store, write=True).events == 4
    assert replay(store).matches


def test_concurrent_appenders_never_record_the_same_version_twice(store: Store) -> None:
    errors: list[Exception] = []

    def writer(n: int) -> None:
        for i in range(10):
            while True:
                version = store.stream_version("source:s1")
                try:
                    store.append([added(f"w{n}-{i}")], expected={"source:s1": version})
                    break
                except ConcurrencyError:
                    continue
                except Exception as exc:  # pragma: no cover - reported below
                    errors.append(exc)
                    return

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    events = store.read()
    assert sorted(e.version for e in events) == list(range(1, 31))
    assert [e.id for e in events] == sorted(e.id for e in events)


def test_the_known_head_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from monitor.store import migrate

    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    assert scripts.get_current_head() == migrate.HEAD

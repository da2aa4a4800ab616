"""``replay`` compares the rebuilt projections with the stored ones in the database, JSON
columns included, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
import sqlalchemy as sa

from monitor.events import NewEvent, RecordedEvent, encode
from monitor.store import Health, Store
from monitor.store.projections import replay as replay_module
from monitor.store.projections.lists import TABLE as LIST_ENTRIES
from monitor.store.projections.replay import replay
from monitor.store.tables import JsonType
from tests import factories


def added(key: str, source: str = "s1") -> NewEvent:
    return factories.added(key, source, aliases=[f"{key}-1", f"{key}-2"])


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = Store(store_url)
    store.append([added("a"), added("b"), added("c")])
    store.append([added("x", "s2")])
    yield store
    store.close()


def set_entry(store: Store, key: str, entry: dict[str, object]) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.update(LIST_ENTRIES).where(LIST_ENTRIES.c.key == key).values(entry=entry))


def test_untampered_projections_match(store: Store) -> None:
    report = replay(store)
    assert report.matches and report.events == 4 and not report.written
    assert replay(store, write=True).matches
    assert replay(store).matches


def test_a_tampered_json_value_is_a_missing_and_an_extra_row(store: Store) -> None:
    set_entry(store, "b", {"key": "b", "name": "B (edited)", "aliases": ["b-1", "b-2"]})
    report = replay(store)
    assert report.differences == {"list_entries": (1, 1)}
    # Without --write the tampered row stays; with it, the rebuilt one replaces it.
    assert replay(store).differences == {"list_entries": (1, 1)}
    assert replay(store, write=True).differences == {"list_entries": (1, 1)}
    assert replay(store).matches


def test_a_tampered_json_list_order_is_a_difference(store: Store) -> None:
    set_entry(store, "c", {"key": "c", "name": "c", "aliases": ["c-2", "c-1"]})
    assert replay(store).differences == {"list_entries": (1, 1)}


def test_json_written_with_another_key_order_still_matches(store: Store) -> None:
    """Same JSON value, other key order (as another writer might store it): no difference."""
    set_entry(store, "a", {"aliases": ["a-1", "a-2"], "name": "a", "key": "a"})
    assert replay(store).matches


def test_deleted_and_added_rows_are_missing_and_extra(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.delete(LIST_ENTRIES).where(LIST_ENTRIES.c.key == "x"))
        conn.execute(
            sa.insert(LIST_ENTRIES).values(
                source="s9", key_hash="0" * 40, key="ghost", entry={"key": "ghost"}, event_id=99
            )
        )
    report = replay(store)
    assert report.differences == {"list_entries": (1, 1)}


def test_differences_do_not_depend_on_the_batch(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_entry(store, "b", {"key": "b", "name": "edited"})
    monkeypatch.setattr(replay_module, "BATCH", 1)
    assert replay(store).differences == {"list_entries": (1, 1)}


def test_a_replay_leaves_no_temporary_table_and_can_run_again(store: Store) -> None:
    for _ in range(3):
        assert replay(store).matches
    query = (
        "SELECT name FROM temp.sqlite_master"
        if store.dialect == "sqlite"
        else "SELECT tablename FROM pg_tables WHERE schemaname LIKE 'pg_temp%%'"
    )
    with store.engine.connect() as conn:
        names = list(conn.exec_driver_sql(query).scalars())
    assert not [n for n in names if n.startswith("replay_before_")]


def health_events(source: str) -> list[list[NewEvent]]:
    """Appends that set and clear every field of a source's health, in turn."""

    def event(kind: str, **data: object) -> NewEvent:
        return factories.event(kind, f"source:{source}", data, source=source)

    return [
        [event("entry_added", entry={"key": "1", "name": "1"}, baseline=True)],
        [event("source_failed", error="HTTP 503")],
        [event("item_published", item_id="2"), event("parse_suspect")],
        [event("source_recovered"), event("source_failed", error="timeout")],
        [event("source_recovered", after="parse_suspect")],
        [event("entry_added", entry={"key": "3", "name": "3"}, baseline=True)],
    ]


@pytest.mark.parametrize("batch", [1, 2, 5000])
def test_source_health_folds_the_same_live_and_on_replay(
    store_url: str, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(store_url)
    try:
        for append in zip(*(health_events(s) for s in ("h1", "h2")), strict=True):
            store.append([e for events in append for e in events])
        store.append(health_events("h3")[0])
        with store.reading() as tx:
            health = tx.all_health()
        h1 = health["h1"]
        assert h1.failing and h1.error == "timeout" and h1.failing_since is not None
        assert not h1.suspect and h1.suspect_since is None
        item_2 = next(e for e in store.read(source="h1") if e.type == "item_published")
        assert h1.last_change_id == item_2.id and h1.last_change_at == item_2.recorded_at
        assert health["h3"] == Health()  # a baseline is no change: healthy, nothing changed
        monkeypatch.setattr(replay_module, "BATCH", batch)
        assert replay(store).matches
    finally:
        store.close()


class Keyless:
    """A projection whose table has no primary key: compared with EXCEPT both ways."""

    name = "keyless"
    table = sa.Table(
        "replay_test_keyless",
        sa.MetaData(),
        sa.Column("event_id", sa.BigInteger, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("payload", JsonType, nullable=False),
    )
    tables = (table,)

    def apply(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        rows = [{"event_id": e.id, "note": None, "payload": encode(e.payload)} for e in events]
        conn.execute(sa.insert(self.table), rows)


def test_a_table_without_a_key_is_compared_too(store_url: str) -> None:
    store = Store(store_url)
    try:
        Keyless.table.create(store.engine)
        store.projections.append(Keyless())
        store.append([added("a"), added("b")])
        store.append([added("c")])
        assert replay(store).matches
        first = sa.select(sa.func.min(Keyless.table.c.event_id)).scalar_subquery()
        with store.engine.begin() as conn:
            conn.execute(
                sa.update(Keyless.table)
                .where(Keyless.table.c.event_id == first)
                .values(payload={"entry": {"key": "a", "name": "edited"}})
            )
            conn.execute(sa.insert(Keyless.table).values(event_id=0, payload={}))
        assert replay(store).differences == {"replay_test_keyless": (1, 2)}
        assert replay(store, write=True).differences == {"replay_test_keyless": (1, 2)}
        assert replay(store).matches
    finally:
        store.close()

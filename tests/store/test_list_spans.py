"""A list at any moment, read from ``list_entry_spans`` a page at a time, is what folding the log
gives, on SQLite and PostgreSQL: whatever the batches the events came in, when recorded_at goes
back between two appends, when one poll changes a key twice, after a replay, and after the
migration that fills the projection of a store that had none."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from monitor.events import EntryAdded, EntryChanged, EntryRemoved, NewEvent, source_stream, thaw
from monitor.store import ListVersion, Store
from monitor.store.migrate import alembic_config
from monitor.store.projections.lists import SPANS
from monitor.store.projections.replay import replay
from tests.factories import added, entry, removed

T0 = datetime(2024, 10, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = Store(store_url)
    yield store
    store.close()


def changed(key: str, source: str = "s1", **fields: Any) -> NewEvent:
    payload = EntryChanged(entry(key, **fields), "XX", before=entry(key), document="0" * 64)
    return NewEvent(source_stream(source), payload, source=source)


def folded(store: Store, source: str, moment: datetime | None) -> list[dict[str, Any]]:
    """The list as the log implies it at ``moment``: its entry events recorded by then, folded
    in log order (what ``entries_at`` did before the projection)."""
    state: dict[str, dict[str, Any]] = {}
    for event in store.read(source=source):
        change = event.payload
        if moment is not None and event.recorded_at > moment:
            continue
        if isinstance(change, EntryRemoved):
            state.pop(change.entry["key"], None)
        elif isinstance(change, EntryAdded | EntryChanged):
            state[change.entry["key"]] = thaw(change.entry)
    return [state[k] for k in sorted(state)]


def paged(store: Store, source: str, moment: datetime | None, limit: int) -> list[dict[str, Any]]:
    """Every page of the list at ``moment``, each page's count checked."""
    entries: list[dict[str, Any]] = []
    after = None
    with store.reading() as tx:
        while True:
            page = tx.entries_at(source, moment, after=after, limit=limit)
            entries += page.entries
            assert len(page.entries) <= limit
            if page.after is None:
                assert page.count == len(entries)
                return entries
            assert len(page.entries) == limit and page.after == page.entries[-1]["key"]
            after = page.after


def random_log(store: Store, seed: int, appends: int = 40) -> list[datetime]:
    """Appends of random changes to two lists; each append's recorded_at mostly later than the
    last, sometimes the same, sometimes earlier (as another worker's clock may be)."""
    rng = random.Random(seed)
    keys = ["Alpha", "alpha", "Beta", "Бета", "Ωmega", "x" * 250 + "1", "x" * 250 + "0", "z"]
    present: dict[str, set[str]] = {"s1": set(), "s2": set()}
    moment, moments = T0, []
    for _ in range(appends):
        moment += rng.choice([timedelta(hours=1), timedelta(0), -timedelta(minutes=30), MICRO])
        moments.append(moment)
        events = []
        for _ in range(rng.randint(1, 6)):
            source, key = rng.choice(["s1", "s2"]), rng.choice(keys)
            if key not in present[source]:
                events.append(added(key, source, n=rng.randint(0, 9)))
                present[source].add(key)
            elif rng.random() < 0.4:
                events.append(removed(key, source))
                present[source].discard(key)
            else:  # one append may change the same key more than once
                events.append(changed(key, source, n=rng.randint(0, 9)))
        store.append(events, now=moment)
    return moments


def check_every_moment(store: Store, moments: list[datetime]) -> None:
    probes = sorted({m + d for m in moments for d in (-MICRO, timedelta(0), MICRO)})
    for source in ("s1", "s2"):
        for moment in [None, T0 - timedelta(days=1), *probes]:
            expected = folded(store, source, moment)
            for limit in (1, 3, 1000):
                assert paged(store, source, moment, limit) == expected, (source, moment, limit)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_page_at_any_moment_is_the_folded_log(store: Store, seed: int) -> None:
    moments = random_log(store, seed)
    check_every_moment(store, moments)
    assert replay(store).matches  # appended a poll at a time, rebuilt 5,000 events at a time


def test_replay_in_small_batches_builds_the_same_spans(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    random_log(store, 4)
    from monitor.store.projections import replay as replay_module

    monkeypatch.setattr(replay_module, "BATCH", 3)
    assert replay(store).matches


def test_keys_sort_by_code_point_on_both_databases(store: Store) -> None:
    keys = ["b", "B", "a", "É", "e", "Бета", "alpha", "Alpha", "a b", "a-b", "ab"]
    store.append([added(k) for k in keys], now=T0)
    assert [e["key"] for e in paged(store, "s1", None, 4)] == sorted(keys)


def hours(version: ListVersion) -> int:
    return (version.recorded_at - T0) // timedelta(hours=1)


def test_the_versions_near_a_moment_and_their_pages(store: Store) -> None:
    for hour in range(30):
        events = [added(f"k{hour}")] + ([removed(f"k{hour - 1}")] if hour % 3 == 2 else [])
        store.append(events, now=T0 + timedelta(hours=hour))
    moment = T0 + timedelta(hours=10, minutes=30)
    with store.reading() as tx:
        window = tx.list_versions("s1", around=moment, limit=6)
        # The version known then (10 h) and the two before it, the three after it.
        assert [hours(v) for v in window.versions] == [8, 9, 10, 11, 12, 13]
        assert (window.total, window.older, window.newer) == (30, True, True)
        assert [(v.added, v.removed) for v in window.versions[:3]] == [(1, 1), (1, 0), (1, 0)]
        older = tx.list_versions("s1", before=window.versions[0].recorded_at, limit=6)
        assert [hours(v) for v in older.versions] == [2, 3, 4, 5, 6, 7]
        assert older.older and older.newer
        newer = tx.list_versions("s1", after=window.versions[-1].recorded_at, limit=100)
        assert [hours(v) for v in newer.versions] == list(range(14, 30))
        assert newer.older and not newer.newer
        latest = tx.list_versions("s1", limit=4)  # now: the newest
        assert [hours(v) for v in latest.versions] == [26, 27, 28, 29]
        assert latest.older and not latest.newer
        first = tx.list_versions("s1", around=T0 - timedelta(days=1), limit=4)
        assert [hours(v) for v in first.versions] == [0, 1, 2, 3]
        assert not first.older and first.newer
        version = tx.list_versions("s1", around=T0 + timedelta(hours=2), limit=1).versions
        assert [(v.first_event, v.last_event) for v in version] == [(3, 4)]
        assert tx.list_versions("nothing") == tx.list_versions("nothing", around=T0)
        assert tx.list_versions("nothing").versions == []


def test_the_migration_fills_the_spans_of_an_existing_store(store: Store) -> None:
    """A store that upgrades to 0005 gets the rows the projection keeps, from its log."""
    moments = random_log(store, 5)
    with store.engine.connect() as conn:
        kept = conn.execute(sa.select(SPANS).order_by(SPANS.c.from_event)).all()
    config = alembic_config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
    with store.engine.connect() as conn:
        assert not sa.inspect(conn).has_table("list_entry_spans")
    store.upgrade()
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(SPANS).order_by(SPANS.c.from_event)).all() == kept
    assert replay(store).matches
    check_every_moment(store, moments)

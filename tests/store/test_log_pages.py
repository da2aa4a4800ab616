"""The reads the web app adds to the storage interface: pages of the log (keyset, filtered, a
bounded text search), following the log, a list's versions, the stories; on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.events import NewEvent, source_stream
from monitor.store import LogQuery, Store
from tests.factories import added, item, removed


def filled(url: str) -> Store:
    store = Store(url)
    start = datetime(2024, 10, 5, 9, 0, tzinfo=UTC)
    store.append([added("Alpha Front"), added("Бета Бригада")], now=start)
    store.append(
        [NewEvent(source_stream("wire"), item(f"n{i}", title=f"story {i}"), "wire") for i in range(30)],
        now=start + timedelta(hours=1),
    )  # fmt: skip
    store.append([removed("Alpha Front"), added("Gamma Group")], now=start + timedelta(days=1))
    return store


def test_keyset_pages_and_filters(store_url: str) -> None:
    store = filled(store_url)
    everything = [e.id for e in store.read(newest_first=True)]
    with store.reading() as tx:
        seen: list[int] = []
        before = None
        while True:
            page = tx.page(LogQuery(), before=before, limit=7)
            seen += [e.id for e in page.events]
            if page.cursor is None:
                break
            before = page.cursor
        assert seen == everything
        lists = tx.page(LogQuery(sources=("s1",)), limit=50).events
        assert [e.type for e in lists] == [
            "entry_added",
            "entry_removed",
            "entry_added",
            "entry_added",
        ]
        assert tx.page(LogQuery(sources=()), limit=50).events == []
        assert tx.page(LogQuery(types=("entry_removed",)), limit=50).events[0].source == "s1"
        day_one = LogQuery(until=datetime(2024, 10, 5, 23, 0, tzinfo=UTC), sources=("s1",))
        assert len(tx.page(day_one, limit=50).events) == 2
    store.close()


def test_text_search_reads_every_script_and_stops_where_it_looked(store_url: str) -> None:
    store = filled(store_url)
    with store.reading() as tx:
        found = tx.page(LogQuery(text="бета  БРИГАДА"), limit=10)
        assert [e.payload.entry["name"] for e in found.events] == ["Бета Бригада"]  # type: ignore[union-attr]
        assert found.cursor is None
        stories = tx.page(LogQuery(text="Story 2"), limit=3)  # "story 2", "story 20".. newest first
        assert [e.payload.title for e in stories.events] == ["story 29", "story 28", "story 27"]  # type: ignore[union-attr]
        rest = tx.page(LogQuery(text="story 2"), before=stories.cursor, limit=50)
        assert [e.payload.title for e in rest.events][-1] == "story 2"  # type: ignore[union-attr]
    from monitor.store import log

    with store.reading() as tx:  # a search that runs out of its scan hands back where it stopped
        bounded = log.page(tx.connection, LogQuery(text="nowhere"), limit=5, scan=10)
        assert bounded.events == [] and bounded.cursor is not None
    store.close()


def test_following_the_log_moves_past_what_does_not_match(store_url: str) -> None:
    store = filled(store_url)
    last = store.last_position()
    with store.reading() as tx:
        page = tx.newer(LogQuery(types=("entry_added",)), after=0)
        assert [e.type for e in page.events] == ["entry_added"] * 3
        assert page.cursor == last
        assert tx.newer(LogQuery(types=("entry_added",)), after=last).events == []
        limited = tx.newer(LogQuery(), after=0, limit=5)
        assert len(limited.events) == 5 and limited.cursor == limited.events[-1].id
    store.close()


def test_list_versions_and_stories(store_url: str) -> None:
    store = filled(store_url)
    with store.reading() as tx:
        versions = tx.list_versions("s1").versions
        assert [(v.added, v.removed, v.changed) for v in versions] == [(2, 0, 0), (1, 1, 0)]
        assert versions[0].recorded_at < versions[1].recorded_at
        assert [e["key"] for e in tx.entries_at("s1", versions[0].recorded_at).entries] == [
            "Alpha Front",
            "Бета Бригада",
        ]
        assert tx.list_versions("wire").versions == []
        assert tx.stories() == []
    store.close()

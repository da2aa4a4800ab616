"""Free text in the change log (issue 22): matched in SQL on the ``event_text`` projection, and
still exactly what ``LogQuery.text`` means — a casefolded substring of an event's type, source
and payload texts, in every script — on both databases."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from monitor.events import source_stream
from monitor.store import LogQuery, Store
from monitor.store.log import EVENT_TEXT, EVENTS
from tests.conftest import FIXTURES
from tests.factories import added

NOW = datetime(2024, 10, 5, 9, 0, tzinfo=UTC)


def names(store: Store, text: str) -> list[str]:
    with store.reading() as tx:
        events = tx.page(LogQuery(text=text), limit=50).events
    return [e.payload.entry["name"] for e in events]  # type: ignore[union-attr]


def test_every_script_matches_as_casefold_does(store_url: str) -> None:
    store = Store(store_url)
    store.append(
        [
            added("Террористическая организация «Восток»"),
            added("Straße Front"),
            added("ΣΟΦΊΑ Group"),
            added("Ordinary Front"),
        ],
        now=NOW,
    )
    assert names(store, "ТЕРРОРИСТИЧЕСКАЯ  организация") == [
        "Террористическая организация «Восток»"
    ]
    assert names(store, "«восток»") == ["Террористическая организация «Восток»"]
    assert names(store, "strasse") == ["Straße Front"]  # casefold: ß is ss
    assert names(store, "σοφία") == ["ΣΟΦΊΑ Group"]
    assert names(store, "front") == ["Ordinary Front", "Straße Front"]
    assert names(store, "entry_added s1") == names(store, "")  # the type and source are text too
    with store.reading() as tx:  # what the projection holds for each event
        texts = tx.connection.execute(select(EVENT_TEXT.c.text).order_by(EVENT_TEXT.c.id)).all()
    assert texts[1][0].startswith("entry_added s1 ") and "strasse front" in texts[1][0]
    store.close()


def test_like_wildcards_in_the_needle_are_plain_characters(store_url: str) -> None:
    store = Store(store_url)
    store.append(
        [added("Rate 50% Front"), added("a_b Group"), added("axb Group"), added(r"back\slash")],
        now=NOW,
    )
    assert names(store, "%") == ["Rate 50% Front"]
    assert names(store, "50%") == ["Rate 50% Front"]
    assert names(store, "a_b") == ["a_b Group"]
    assert names(store, "_b") == ["a_b Group"]
    assert names(store, "\\s") == ["back\\slash"]
    assert names(store, "%_") == []
    store.close()


def test_rows_of_an_older_schema_are_matched_as_they_read_today(store_url: str) -> None:
    """A row written before payload versions (schema 1) is upcast when read: its text today
    holds what the upcast adds, whatever ``event_text`` was given. A row with no text at all
    (written around the store) is decoded and matched too."""
    store = Store(store_url)
    store.append([added("Alpha Front")], now=NOW)
    with store.writing() as tx:
        conn = tx.connection
        for version in (1, 2):
            conn.execute(
                insert(EVENTS),
                {
                    "stream": source_stream("s9"),
                    "version": version,
                    "type": "parse_suspect",
                    "source": "s9",
                    "recorded_at": NOW,
                    "data": {"expected": 120, "found": version},
                    "schema_version": 1,
                },
            )
        newest = select(EVENTS.c.id).order_by(EVENTS.c.id.desc()).limit(2)
        no_text, stale = conn.execute(newest).scalars().all()
        # The text an older release wrote: without the problems the upcast reads into it.
        conn.execute(insert(EVENT_TEXT), {"id": stale, "text": "parse_suspect s9"})
    with store.reading() as tx:
        found = tx.page(LogQuery(text="where 120 were recorded"), limit=50).events
        assert [e.id for e in found] == [no_text, stale]
        assert [e.payload.problems for e in found] == [  # type: ignore[union-attr]
            ("found 2 entries where 120 were recorded",),
            ("found 1 entries where 120 were recorded",),
        ]
        assert tx.page(LogQuery(text="Alpha front"), limit=50).events[0].type == "entry_added"
    store.close()


def test_a_search_looks_at_a_window_of_positions_and_goes_on_from_where_it_stopped(
    store_url: str,
) -> None:
    from monitor.store import log

    store = Store(store_url)
    store.append([added(f"Group {i}") for i in range(30)], now=NOW)
    store.append([added("Needle Front")], now=NOW)
    store.append([added(f"Group {i}", source="s2") for i in range(30)], now=NOW)
    seen: list[str] = []
    pages = 0
    with store.reading() as tx:
        before = None
        while True:
            page = log.page(tx.connection, LogQuery(text="needle"), before=before, scan=7)
            seen += [e.payload.entry["name"] for e in page.events]  # type: ignore[union-attr]
            pages += 1
            if page.cursor is None:
                break
            assert page.cursor < (before or 10**9)
            before = page.cursor
    assert seen == ["Needle Front"] and pages == 9  # 61 positions, 7 a page
    with store.reading() as tx:
        many = log.page(tx.connection, LogQuery(text="group"), limit=20)
        assert len(many.events) == 20 and many.cursor == many.events[-1].id
    store.close()


def test_an_upgrade_gives_the_recorded_events_their_text(tmp_path: Path) -> None:
    """Migration 0004 fills ``event_text`` for a store written before it (the upgrade test
    then shows that a replay builds the same rows)."""
    shutil.copyfile(FIXTURES / "stores" / "demo-at-33a1724.db", tmp_path / "monitor.db")
    store = Store(f"sqlite:///{tmp_path / 'monitor.db'}")
    with store.reading() as tx:
        count = select(func.count()).select_from(EVENT_TEXT)
        assert tx.connection.execute(count).scalar() == tx.last_position() == 65
        found = tx.page(LogQuery(text="taliban"), limit=50).events
    assert {e.type for e in found} >= {"designation_reported", "designation_corroborated"}
    store.close()


def test_a_type_and_source_filter_is_one_index_search_on_sqlite(tmp_path: Path) -> None:
    """SQLite keeps no statistics: without ``ix_events_source_type_id`` it walked every event
    of the type, reading each row for its source."""
    store = Store(f"sqlite:///{tmp_path / 'monitor.db'}")
    store.append([added("Alpha Front")], now=NOW)
    with store.reading() as tx:
        query = select(EVENTS.c.id).where(
            EVENTS.c.source.in_(["s1"]), EVENTS.c.type.in_(["item_published"])
        )
        compiled = (
            query.order_by(EVENTS.c.id.desc())
            .limit(51)
            .compile(tx.connection, compile_kwargs={"literal_binds": True})
        )
        plan = tx.connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
    detail = json.dumps([row[-1] for row in plan])
    assert "ix_events_source_type_id (source=? AND type=?)" in detail, detail
    store.close()

"""``monitor replay``: rebuild every projection from the log and compare with the stored one.

The comparison runs in the database, not in Python: each projection table is copied into a
temporary table before the rebuild and compared with the rebuilt one afterwards (by key, or with
``EXCEPT``), so a replay's memory does not grow with the size of the projections (a Python set of
every row did: ~0.5 GB for a million events).
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Connection,
    Select,
    Table,
    Text,
    and_,
    cast,
    column,
    delete,
    except_,
    exists,
    func,
    select,
    table,
)
from sqlalchemy.sql.expression import TableClause

from monitor.store import log
from monitor.store.projections import POSITIONS, apply_all
from monitor.store.tables import JsonType

if TYPE_CHECKING:
    from monitor.store import Store

BATCH = 5000
# SQLite page cache for the replay's one big transaction (KiB, as PRAGMA cache_size wants it
# negative): the default 2 MB makes the rebuilt indexes spill dirty pages to the WAL mid-way.
SQLITE_CACHE_KIB = 64 * 1024
_COPY_PREFIX = "replay_before_"


@dataclass(frozen=True)
class ReplayReport:
    events: int
    written: bool
    differences: dict[str, tuple[int, int]] = field(default_factory=dict)  # table: (missing, extra)

    @property
    def matches(self) -> bool:
        return not self.differences


def replay(store: Store, *, write: bool = False) -> ReplayReport:
    """Rebuild in one transaction; keep the result only with ``write``."""
    tables = _tables(store)
    with store.engine.connect() as conn:
        conn = conn.execution_options(write=True)
        with _sqlite_cache(conn), _gc_frozen():
            tx = conn.begin()
            try:
                for table_ in tables:
                    _copy_before(conn, table_)
                    conn.execute(delete(table_))
                count = 0
                batch = []
                for event in log.iter_all(conn, batch=BATCH):
                    batch.append(event)
                    if len(batch) >= BATCH:
                        apply_all(conn, store.projections, batch)
                        count += len(batch)
                        batch = []
                apply_all(conn, store.projections, batch)
                count += len(batch)
                differences = {}
                for table_ in tables:
                    missing, extra = _compare(conn, table_)
                    if missing or extra:
                        differences[table_.name] = (missing, extra)
                    _drop_copy(conn, table_)
                if write:
                    tx.commit()
                else:
                    tx.rollback()
            except BaseException:
                if tx.is_active:
                    tx.rollback()
                raise
    return ReplayReport(events=count, written=write, differences=differences)


def _tables(store: Store) -> list[Table]:
    seen: dict[str, Table] = {}
    for projection in store.projections:
        for table_ in projection.tables:
            seen[table_.name] = table_
    seen[POSITIONS.name] = POSITIONS
    return list(seen.values())


@contextmanager
def _sqlite_cache(conn: Connection) -> Iterator[None]:
    """A bigger page cache for this connection while it replays (it goes back to the pool)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    # On the driver's connection: through ``conn`` the PRAGMA would open a transaction.
    driver = conn.connection.driver_connection
    assert driver is not None
    previous = int(driver.execute("PRAGMA cache_size").fetchone()[0])
    driver.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        # A connection that failed is discarded anyway: do not hide why it failed.
        with contextlib.suppress(conn.dialect.loaded_dbapi.Error):
            driver.execute(f"PRAGMA cache_size={previous}")


@contextmanager
def _gc_frozen() -> Iterator[None]:
    """Leave the objects that exist before the replay out of the cyclic GC while it runs.

    Each batch's events outlive the young generations, so every other batch or so the GC makes
    a full pass, over every object of every imported module too: ~4 s of a million-event
    replay. Frozen, those are skipped; what the replay allocates is still collected. Not when
    something else froze objects already (unfreezing would undo that).
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# --- comparison, in the database ----------------------------------------------------------


def _json_columns(table_: Table) -> list[str]:
    return [c.name for c in table_.columns if isinstance(c.type, (JSON, JsonType))]


def _rows(table_: Table) -> Select[Any]:
    """Every row of ``table_``, JSON columns as their text: PostgreSQL's json type has no
    equality at all (jsonb's text is canonical), and the copy keeps text on every database."""
    json_columns = set(_json_columns(table_))
    return select(
        *(cast(c, Text).label(c.name) if c.name in json_columns else c for c in table_.columns)
    )


def _copy(conn: Connection, table_: Table) -> TableClause:
    """The temporary copy of ``table_``, named in the temporary schema so that no table of the
    store's own schema can ever be meant."""
    schema = "temp" if conn.dialect.name == "sqlite" else "pg_temp"
    name = f"{_COPY_PREFIX}{table_.name}"
    return table(name, *(column(c.name) for c in table_.columns), schema=schema)


def _qualified(conn: Connection, copy: TableClause) -> str:
    quote = conn.dialect.identifier_preparer.quote
    return f"{quote(copy.schema or '')}.{quote(copy.name)}"


def _copy_before(conn: Connection, table_: Table) -> None:
    """Keep the stored rows in a temporary table (dropped before the transaction ends)."""
    copy = _copy(conn, table_)
    query = _rows(table_).compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_qualified(conn, copy)}")
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {conn.dialect.identifier_preparer.quote(copy.name)} AS {query}"
    )


def _drop_copy(conn: Connection, table_: Table) -> None:
    conn.exec_driver_sql(f"DROP TABLE {_qualified(conn, _copy(conn, table_))}")


def _compare(conn: Connection, table_: Table) -> tuple[int, int]:
    """(rows only the rebuild has, rows only the stored table had)."""
    copy = _copy(conn, table_)
    if table_.primary_key.columns:
        missing, extra = _compare_by_key(conn, table_, copy)
    else:
        missing = _count(conn, except_(_rows(table_), select(*copy.columns)))
        extra = _count(conn, except_(select(*copy.columns), _rows(table_)))
    json_columns = _json_columns(table_)
    if (missing or extra) and json_columns:
        # The JSON text differs, but perhaps only in how it was written (key order, spacing,
        # by an older version): compare the differing rows again with their JSON normalised.
        # Both sets are keyed rows, so a row that changed is in both as its two versions.
        after, before = _rows(table_), select(*copy.columns)
        positions = [i for i, c in enumerate(table_.columns) if c.name in json_columns]
        only_after = {_normalised(row, positions) for row in conn.execute(except_(after, before))}
        only_before = {_normalised(row, positions) for row in conn.execute(except_(before, after))}
        missing, extra = len(only_after - only_before), len(only_before - only_after)
    return missing, extra


def _compare_by_key(conn: Connection, table_: Table, copy: TableClause) -> tuple[int, int]:
    """``EXCEPT`` both ways, in one pass over the copy with the table's own key index: each row
    of either side has at most one identical row on the other (its key's), so the rows the
    rebuild lacks are the copy's unmatched ones and the rest of the rebuild is new."""
    key = {c.name for c in table_.primary_key.columns}
    live = _rows(table_).selected_columns
    same = and_(
        *(
            live[c.name] == copy.c[c.name]
            if c.name in key
            else live[c.name].is_not_distinct_from(copy.c[c.name])
            for c in table_.columns
        )
    )
    unmatched = select(func.count()).select_from(copy).where(~exists().where(same))
    extra = int(conn.execute(unmatched).scalar() or 0)
    before = int(conn.execute(select(func.count()).select_from(copy)).scalar() or 0)
    after = int(conn.execute(select(func.count()).select_from(table_)).scalar() or 0)
    return after - (before - extra), extra


def _count(conn: Connection, query: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(query.subquery())).scalar() or 0)


def _normalised(row: Any, positions: list[int]) -> tuple[Any, ...]:
    values = list(row)
    for i in positions:
        if values[i] is not None:
            values[i] = json.dumps(json.loads(values[i]), sort_keys=True)
    return tuple(values)

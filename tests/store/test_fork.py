"""A forked process (a worker) never uses or closes the connections its parent holds."""

from __future__ import annotations

import json
import os

import sqlalchemy as sa

from monitor.store import Store


def _session(conn: sa.Connection) -> int:
    """The database's name for this connection: PostgreSQL's backend process; SQLite has none
    (0), but the connection is used all the same."""
    if conn.dialect.name == "postgresql":
        return int(conn.execute(sa.text("select pg_backend_pid()")).scalar_one())
    conn.execute(sa.text("select count(*) from events"))
    return 0


def test_a_forked_child_leaves_the_parents_connections_alone(store_url: str) -> None:
    store = Store(store_url)
    try:
        store.engine.dispose()  # one pooled connection (the migrations may have left two)
        with store.read_tx() as conn:
            before = _session(conn)
        assert store.engine.pool.checkedin() == 1  # the parent keeps it for its next query
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report what it sees, then leave without any cleanup
            code = 1
            try:
                inherited = store.engine.pool.checkedin()
                with store.read_tx() as conn:
                    own = _session(conn)
                store.close()  # closes only what the child opened
                os.write(write, json.dumps([inherited, own]).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        with os.fdopen(read) as pipe:
            reported = pipe.read()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        inherited, own = json.loads(reported)
        assert inherited == 0, "the child's pool still held the parent's connection"
        with store.read_tx() as conn:
            assert _session(conn) == before  # the parent's connection survived the child
        if store.dialect == "postgresql":
            assert own != before  # the child spoke on a connection of its own
    finally:
        store.close()

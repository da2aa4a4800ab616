"""Workers that start together register the same channels at once: the first one wins and the
others carry on (a worker once died at start-up on the primary key of delivery_channels)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from monitor.config import load_settings
from monitor.notify.outbox import wanted
from monitor.store import Store
from monitor.store.outbox import horizon, register_channels
from tests.conftest import write_config


def test_two_workers_registering_the_same_channel_at_once(pg_url: str, tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        '[[source]]\nid = "s"\nkind = "feed"\nurl = "http://127.0.0.1:9/f"\n'
        '[[channel]]\nname = "desk"\nurl = "json://127.0.0.1:9/hook"\nnotify = ["designation"]\n',
        store=pg_url,
    )
    pairs = wanted(load_settings(config))
    first, second = Store(pg_url), Store(pg_url)
    failures: list[BaseException] = []

    def register_too() -> None:
        try:
            with second.engine.begin() as two:  # reads before the first commits, then waits
                register_channels(two, pairs)
        except BaseException as exc:
            failures.append(exc)

    try:
        with first.engine.connect() as one, one.begin():
            assert register_channels(one, pairs) == [("desk", "designation")]
            other = threading.Thread(target=register_too)
            other.start()
            time.sleep(0.5)  # the second worker's insert now waits on the first one's row
        other.join(timeout=10)
        assert failures == []  # was: UniqueViolation on delivery_channels_pkey
        with first.reading() as tx:
            assert list(horizon(tx.connection)) == [("desk", "designation")]
    finally:
        first.close()
        second.close()

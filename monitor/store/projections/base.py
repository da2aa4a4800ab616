"""What a projection is: tables derived from the log, folded from events in batches.

A projection applies a batch of events with a handful of statements, whether the batch is the
few events of one poll (inside the append's transaction) or ten thousand during a replay.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Connection, Table

from monitor.events import RecordedEvent


class Projection(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def tables(self) -> tuple[Table, ...]: ...

    def apply(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        """Fold ``events`` (in log order) into this projection's tables."""
        ...


def short_hash(text: str) -> str:
    """A fixed-size index key for values (names, URLs) that can be kilobytes long."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()

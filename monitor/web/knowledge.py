"""Entity resolution, kept per process for the web app: the entity pages and the change log's
``entity`` filter resolve from the whole log's list entries (:func:`gather`), too slow to repeat
on every request, so the last resolution is reused until an event that could change it (a list
change, a designation report) is recorded."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from fastapi import Request

from monitor.config import Settings
from monitor.entities.timeline import Knowledge, gather
from monitor.events import DESIGNATION_CORROBORATED, DESIGNATION_REPORTED, ENTRY_EVENTS
from monitor.store import Transaction

# The events whose arrival can change what gather() resolved: a list entry's history, a
# designation story (its first report names the entity, a corroboration adds an outlet).
RESOLVED_FROM = sorted({*ENTRY_EVENTS, DESIGNATION_REPORTED, DESIGNATION_CORROBORATED})


@dataclass(frozen=True)
class _Resolved:
    position: int  # the log's last position when it was read
    knowledge: Knowledge


class KnowledgeCache:
    """The latest :func:`gather`, keyed by the log's last position: a page view costs one look
    at the log's end while nothing relevant was recorded, not a resolution of every list."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one resolution at a time; the others wait and reuse it
        self._resolved: _Resolved | None = None

    def knowledge(self, tx: Transaction, settings: Settings) -> Knowledge:
        position = tx.last_position()
        with self._lock:
            resolved = self._resolved
            if resolved is not None and resolved.position == position:
                return resolved.knowledge
            # Notifications and news items are most of the log: they change no entity.
            if (
                resolved is not None
                and position > resolved.position
                and not tx.events(after=resolved.position, types=RESOLVED_FROM, limit=1)
            ):
                self._resolved = _Resolved(position, resolved.knowledge)
                return resolved.knowledge
            knowledge = gather(tx, settings)
            self._resolved = _Resolved(position, knowledge)
            return knowledge


def resolved(request: Request, tx: Transaction) -> Knowledge:
    """The resolution as of ``tx``, from this web app's cache."""
    cache: KnowledgeCache = request.app.state.entity_knowledge
    return cache.knowledge(tx, request.app.state.settings)

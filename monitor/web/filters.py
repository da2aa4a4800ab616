"""The change log's filters, read once from a request's query for the page, the API, the Atom
feed and the live stream alike, and checked as ``monitor log`` checks its options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request

from monitor.clock import utcnow
from monitor.config import Settings
from monitor.errors import UsageError
from monitor.events import EVENT_TYPES
from monitor.store import EntityScope, LogQuery
from monitor.timeutil import parse_user_time

MAX_TEXT = 200
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# The largest event id: the log's ids are signed 64-bit integers (SQLite's INTEGER, PostgreSQL's
# bigint), so a larger number in a URL is refused as invalid (422) before it reaches the store,
# whose driver cannot even bind it.
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class LogFilters:
    """The filters as given (to fill the form and build links) and as the store reads them."""

    types: tuple[str, ...] = ()
    source: str = ""
    jurisdiction: str = ""
    since: str = ""
    until: str = ""
    q: str = ""
    entity: str = ""
    query: LogQuery = field(default_factory=LogQuery)

    def params(self) -> list[tuple[str, str]]:
        """The non-empty filters as query parameters, in a stable order."""
        pairs = [("type", t) for t in self.types]
        for name in ("source", "jurisdiction", "since", "until", "q", "entity"):
            value = getattr(self, name)
            if value:
                pairs.append((name, value))
        return pairs

    def url(self, path: str, **extra: object) -> str:
        pairs = self.params() + [(k, str(v)) for k, v in extra.items() if v is not None]
        return f"{path}?{urlencode(pairs)}" if pairs else path

    @property
    def active(self) -> bool:
        return bool(self.params())


def jurisdictions(settings: Settings) -> list[str]:
    return sorted({s.jurisdiction for s in settings.sources if s.jurisdiction})


def resolve(
    settings: Settings,
    *,
    types: list[str] | None = None,
    source: str | None = None,
    jurisdiction: str | None = None,
    since: str | None = None,
    until: str | None = None,
    q: str | None = None,
    entity: str | None = None,
    scope: Callable[[str], EntityScope | None] | None = None,
    now: datetime | None = None,
) -> LogFilters:
    """Check the filters and turn them into a :class:`LogQuery`; a bad one raises
    :class:`UsageError` saying which and why (the app answers 400). ``scope`` resolves an
    entity's name to where it is in the log (None: no entity has it, so nothing matches)."""
    wanted = tuple(dict.fromkeys(t.strip() for t in types or () if t.strip()))
    for name in wanted:
        if name not in EVENT_TYPES:
            raise UsageError(f"type: unknown event type {name!r} (one of {', '.join(EVENT_TYPES)})")
    source = (source or "").strip()
    known = {s.id for s in settings.sources}
    if source and source not in known:
        raise UsageError(f"source: unknown source {source!r} (see /sources for the configured ids)")
    jurisdiction = (jurisdiction or "").strip()
    sources: tuple[str, ...] | None = (source,) if source else None
    if jurisdiction:
        ruled = {
            s.id
            for s in settings.sources
            if s.jurisdiction and s.jurisdiction.casefold() == jurisdiction.casefold()
        }
        if not ruled:
            raise UsageError(
                f"jurisdiction: no source has jurisdiction {jurisdiction!r} "
                f"(known: {', '.join(jurisdictions(settings)) or 'none'})"
            )
        sources = tuple(sorted(ruled if sources is None else ruled & set(sources)))
    moment = now or utcnow()
    since, until = (since or "").strip(), (until or "").strip()
    start = parse_user_time(since, now=moment, option="since") if since else None
    end = parse_user_time(until, now=moment, option="until") if until else None
    if start is not None and end is not None and end < start:
        raise UsageError("until: comes before since")
    text = " ".join((q or "").split())
    if len(text) > MAX_TEXT:
        raise UsageError(f"q: at most {MAX_TEXT} characters")
    entity = " ".join((entity or "").split())
    if len(entity) > MAX_TEXT:
        raise UsageError(f"entity: at most {MAX_TEXT} characters")
    where = None
    if entity:
        where = (scope(entity) if scope is not None else None) or EntityScope()
    return LogFilters(
        types=wanted,
        source=source,
        jurisdiction=jurisdiction,
        since=since,
        until=until,
        q=text,
        entity=entity,
        query=LogQuery(
            sources=sources,
            types=wanted or None,
            since=start,
            until=end,
            text=text or None,
            entity=where,
        ),
    )


def log_filters(
    request: Request,
    types: Annotated[
        list[str] | None,
        Query(alias="type", description="Only events of this type (repeat for several)."),
    ] = None,
    source: Annotated[str | None, Query(description="Only this source (its id).")] = None,
    jurisdiction: Annotated[
        str | None, Query(description="Only the sources of this jurisdiction (RU, UN, ...).")
    ] = None,
    since: Annotated[
        str | None,
        Query(
            description="Recorded from this moment: ISO 8601 (UTC unless a zone "
            "is given) or relative (7d, 12h)."
        ),
    ] = None,
    until: Annotated[str | None, Query(description="Recorded up to this moment.")] = None,
    q: Annotated[
        str | None, Query(description="Words the event contains (any field, any case).")
    ] = None,
    entity: Annotated[
        str | None,
        Query(
            description="Only the events of the entity this name (any script) resolves to: "
            "its entries' changes on every list and its news stories"
        ),
    ] = None,
) -> LogFilters:
    """The filters as a FastAPI dependency (so the OpenAPI document lists them once)."""

    def scope(name: str) -> EntityScope | None:
        from monitor.entities.timeline import scope_of  # only when an entity is asked for
        from monitor.web.knowledge import resolved

        with request.app.state.store.reading() as tx:
            return scope_of(resolved(request, tx), name)

    return resolve(
        request.app.state.settings,
        types=types,
        source=source,
        jurisdiction=jurisdiction,
        since=since,
        until=until,
        q=q,
        entity=entity,
        scope=scope,
    )

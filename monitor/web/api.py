"""The JSON API under ``/api/``: the objects ``--json`` prints (events exactly as
:meth:`RecordedEvent.to_dict` gives them), with the change log's filters, and the live stream of
new events (server-sent events). Its OpenAPI document is ``/api/openapi.json``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from monitor.events import RecordedEvent, format_time
from monitor.store import LogQuery, Store
from monitor.web.filters import DEFAULT_LIMIT, MAX_ID, MAX_LIMIT, LogFilters, log_filters
from monitor.web.present import (
    ListView,
    event_row,
    event_with_evidence,
    list_view,
    precise_time,
    web_deliveries,
    web_sources,
)

router = APIRouter(prefix="/api", tags=["api"])

FOLLOW_EVERY = 1.0  # seconds between two looks at the log for the live stream
HEARTBEAT = 15.0  # a comment line this often keeps proxies from closing a quiet stream


class Problem(BaseModel):
    """A refusal: what was wrong with the request (an unknown source, a bad filter or
    moment), or what it names that does not exist."""

    detail: str


BAD_FILTER: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "A filter is wrong: which and why"}
}


class Event(BaseModel):
    """An event as ``monitor log --json`` prints it."""

    id: int
    type: str
    recorded_at: str = Field(description="UTC, ISO 8601, to the second")
    source: str | None
    data: dict[str, Any] = Field(description="The payload, as the log stores it")


class EventPage(BaseModel):
    events: list[Event] = Field(description="Newest first")
    older: int | None = Field(description="`before` for the next, older page; null: no older")
    next: str | None = Field(description="The next page's URL (null: none)")


class EventWithEvidence(Event):
    """An event as ``monitor show --json`` prints it, but a story's reports a page at a time."""

    evidence: dict[str, Any] = Field(description="The fetched document's facts and the story")


class ListVersionOut(BaseModel):
    recorded_at: str = Field(description="UTC to the microsecond: pass it as `at`")
    first_event: int
    last_event: int
    added: int
    removed: int
    changed: int


class ListState(BaseModel):
    source: str
    at: str | None = Field(description="The moment asked for (UTC); null: now")
    entries: list[dict[str, Any]] = Field(
        description="A page of them, by key, as `monitor state --json` prints them"
    )
    count: int = Field(description="The entries at that moment, on all pages")
    next: str | None = Field(description="The next page's URL (null: this is the last)")
    versions: list[ListVersionOut] = Field(
        description="Moments the list changed: those around `at` (or now), or before "
        "`versions_before` or after `versions_after`, oldest first"
    )
    versions_total: int = Field(description="How many moments the list changed, in all")
    versions_older: str | None = Field(description="The URL of the versions before these")
    versions_newer: str | None = Field(description="The URL of the versions after these")
    why_empty: str | None = None


class Story(BaseModel):
    id: str
    kind: str
    key: list[str]
    first_event_id: int
    first_published: str
    last_published: str
    reports: int
    sources: list[str]
    urls: list[str]


class SourceRow(BaseModel):
    """As ``monitor sources --json`` (the URL masked)."""

    id: str
    kind: str
    every: str
    url: str
    enabled: bool
    last_poll: str | None
    last_status: str | None
    last_error: str | None
    consecutive_failures: int
    last_change: str | None
    last_change_id: int | None
    health: str
    next_poll: str | None
    worker: str | None
    last_worker: str | None


class DeliveryRow(BaseModel):
    """As ``monitor deliveries --json``, without the channel's URL."""

    channel: str
    notify: list[str]
    state: str
    pending: int
    failing: int
    sent: int
    failed: int
    last_sent: str | None
    last_failed: str | None
    next_attempt: str | None
    last_error: str | None
    notifications: list[dict[str, Any]]


def _store(request: Request) -> Store:
    return request.app.state.store


@router.get(
    "/events",
    response_model=EventPage,
    summary="The change log, newest first",
    responses=BAD_FILTER,
)
def events(
    request: Request,
    filters: Annotated[LogFilters, Depends(log_filters)],
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only events older than this id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> dict[str, Any]:
    with _store(request).reading() as tx:
        page = tx.page(filters.query, before=before, limit=limit)
    older = page.cursor
    return {
        "events": [e.to_dict() for e in page.events],
        "older": older,
        "next": filters.url("/api/events", before=older, limit=limit) if older else None,
    }


@router.get(
    "/events/stream",
    summary="New events as they are recorded (server-sent events)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **BAD_FILTER},
)
async def stream(
    request: Request,
    filters: Annotated[LogFilters, Depends(log_filters)],
    after: Annotated[
        int, Query(ge=0, le=MAX_ID, description="Follow the log from this event id")
    ] = 0,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Each matching event recorded after ``after`` is one message (``event: change``, its
    ``data`` the event as in ``/api/events`` plus ``summary``); a reconnecting browser goes on
    from its ``Last-Event-ID``."""
    if last_event_id and last_event_id.isdigit():
        after = max(after, int(last_event_id))
    return StreamingResponse(
        _follow(request, _store(request), filters.query, after),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )


async def _follow(
    request: Request, store: Store, query: LogQuery, after: int
) -> AsyncIterator[str]:
    def newer(position: int) -> tuple[list[RecordedEvent], int]:
        with store.reading() as tx:
            page = tx.newer(query, after=position)
        return page.events, page.cursor if page.cursor is not None else position

    position, quiet = after, 0.0
    yield "retry: 3000\n\n"
    while not request.app.state.stopping and not await request.is_disconnected():
        found, position = await asyncio.to_thread(newer, position)
        for event in found:
            message = {**event.to_dict(), **event_row(event)}
            yield f"id: {event.id}\nevent: change\ndata: {json.dumps(message)}\n\n"
        quiet = 0.0 if found else quiet + FOLLOW_EVERY
        if quiet >= HEARTBEAT:
            quiet = 0.0
            yield ": still here\n\n"
        await asyncio.sleep(FOLLOW_EVERY)


@router.get(
    "/events/{event_id}",
    response_model=EventWithEvidence,
    summary="One event with its evidence",
    responses={404: {"model": Problem, "description": "No such event"}},
)
def event(
    request: Request,
    event_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    reports_before: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_ID,
            description="A news report's story: the corroborations before this story version "
            "(`evidence.story.older` of the page before)",
        ),
    ] = None,
) -> dict[str, Any]:
    """As ``monitor show --json``, but a story lists its first report and its latest
    corroborations (``evidence.story.older``: where the older ones go on)."""
    found, evidence = event_with_evidence(request, event_id, reports_before)
    return {**found.to_dict(), "evidence": evidence}


@router.get(
    "/lists/{source_id}",
    response_model=ListState,
    summary="A page of a list's entries now, or as known at a past moment",
    responses={
        404: {"model": Problem, "description": "No such source"},
        400: {"model": Problem, "description": "Not a list, or a moment or key is wrong"},
    },
)
def list_entries(view: Annotated[ListView, Depends(list_view)]) -> dict[str, Any]:
    state = view.state
    source, moment = state.source, state.moment
    links = view.links(f"/api/lists/{quote(source.id, safe='')}")
    return {
        "source": source.id,
        "at": precise_time(moment) if moment else None,
        "entries": state.entries,
        "count": state.page.count,
        "next": links["next"],
        "versions": [
            {**v.__dict__, "recorded_at": precise_time(v.recorded_at)}
            for v in state.versions.versions
        ],
        "versions_total": state.versions.total,
        "versions_older": links["versions_older"],
        "versions_newer": links["versions_newer"],
        "why_empty": state.why or None,
    }


@router.get("/stories", response_model=list[Story], summary="News stories, latest first")
def stories(
    request: Request,
    kind: Annotated[str | None, Query(pattern="^(designation|topic)$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> list[dict[str, Any]]:
    with _store(request).reading() as tx:
        found = tx.stories(kind=kind, limit=limit)
    return [
        {
            **story.__dict__,
            "key": list(story.key),
            "sources": list(story.sources),
            "urls": list(story.urls),
            "first_published": format_time(story.first_published),
            "last_published": format_time(story.last_published),
        }
        for story in found
    ]


@router.get("/sources", response_model=list[SourceRow], summary="Each source and its health")
def sources(request: Request) -> list[dict[str, Any]]:
    return web_sources(request.app.state.settings, _store(request))


@router.get("/deliveries", response_model=list[DeliveryRow], summary="The outbox per channel")
def deliveries(request: Request) -> list[dict[str, Any]]:
    return web_deliveries(request.app.state.settings, _store(request))

"""One organisation's thread in the web app (issue 23): ``/entities`` finds an entity by any of
its names, ``/entities/ID`` shows what ``monitor entity NAME`` prints, and ``/api/entities``
answers what ``monitor entity --json`` prints.

Entities are resolved once per change of the log that matters (:mod:`monitor.web.knowledge`).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field
from starlette.responses import Response

from monitor.clock import utcnow
from monitor.config import Settings
from monitor.detect.confirm import Status
from monitor.entities.mentions import mention_of_news
from monitor.entities.resolve import Entity
from monitor.entities.timeline import (
    Listing,
    StoryThread,
    Timeline,
    by_id,
    entity_dict,
    find,
    timeline,
)
from monitor.events import (
    DesignationConfirmed,
    DesignationReported,
)
from monitor.store import Store
from monitor.web.api import Event, Problem
from monitor.web.filters import MAX_ID
from monitor.web.knowledge import resolved
from monitor.web.pages import render
from monitor.web.present import NotFound, event_row, web_link

router = APIRouter()

MAX_NAME = 500  # a name asked for: longer ones name nothing, and are refused (422)
MAX_ENTITY_ID = 1000  # ids are slugs of names, with a short hash
HITS_SHOWN = 100  # entities a search lists, at most
THREAD_PAGE = 500  # events of a thread on one page (a story may have 1,400 reports)


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _store(request: Request) -> Store:
    return request.app.state.store


def _search(request: Request, name: str) -> list[Entity]:
    with _store(request).reading() as tx:
        return find(resolved(request, tx), name)


def _thread(request: Request, entity_id: str) -> Timeline:
    settings = _settings(request)
    with _store(request).reading() as tx:
        knowledge = resolved(request, tx)
        entity = by_id(knowledge, entity_id)
        if entity is None:
            raise NotFound(f"no entity with id {entity_id!r}: find one by name at /entities")
        return timeline(tx, knowledge, entity, settings, utcnow())


def _in_the_news(request: Request) -> list[Entity]:
    """The entities of the designation stories: where a search form with no name starts."""
    with _store(request).reading() as tx:
        knowledge = resolved(request, tx)
    found: dict[str, Entity] = {}
    for _, first in knowledge.stories:
        if isinstance(first.payload, DesignationReported):
            entity = knowledge.resolution.of(mention_of_news(first.payload.entity).ref)
            if entity is not None:
                found.setdefault(entity.id, entity)
    return sorted(found.values(), key=lambda e: e.name.casefold())


def entity_url(entity: Entity) -> str:
    return f"/entities/{quote(entity.id, safe='')}"


# --- the pages --------------------------------------------------------------------------------

Name = Annotated[
    str, Query(max_length=MAX_NAME, description="A name or alias in any script, or SOURCE:KEY")
]
EntityId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_ENTITY_ID,
        description="The entity's id, as `monitor entity --json` gives it (`entity.id`)",
    ),
]


@router.get("/entities", include_in_schema=False, response_class=HTMLResponse)
def search_page(request: Request, q: Name = "", entity: Name = "") -> Response:
    """The entities a name finds; one alone is shown at once (a redirect to its page).

    The navigation's box sends ``entity``, not ``q``: the change log's own text search is the
    one ``q`` field of its page."""
    name = (q or entity).strip()
    found = _search(request, name) if name else []
    if len(found) == 1:
        return RedirectResponse(entity_url(found[0]), status_code=303)
    return render(
        request,
        "entities.html",
        title=f"Entities: {name}" if name else "Entities",
        nav="entities",
        q=name,
        hits=[_hit(e) for e in found[:HITS_SHOWN]],
        more=max(0, len(found) - HITS_SHOWN),
        in_the_news=[] if name else [_hit(e) for e in _in_the_news(request)],
    )


def _hit(entity: Entity) -> dict[str, Any]:
    sources = sorted({m.split(":", 1)[0] for m in entity.members})
    return {
        "url": entity_url(entity),
        "id": entity.id,
        "name": entity.name,
        "others": [n for n in entity.names if n != entity.name],
        "sources": sources,
    }


@router.get("/entities/{entity_id}", include_in_schema=False, response_class=HTMLResponse)
def entity_page(
    request: Request,
    entity_id: EntityId,
    after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Response:
    """An entity's lists, stories and thread (``after``: the thread's events after this id)."""
    settings = _settings(request)
    thread = _thread(request, entity_id)
    entity = thread.entity
    sources = {s.id: s for s in settings.sources}
    events = [e for e in thread.events if e.id > after]
    shown = events[:THREAD_PAGE]
    url = entity_url(entity)
    return render(
        request,
        "entity.html",
        title=entity.name,
        nav="entities",
        entity=entity,
        url=url,
        others=[n for n in entity.names if n != entity.name],
        now_on=[_listing(x, sources) for x in thread.listings if x.on_list],
        was_on=[_listing(x, sources) for x in thread.listings if not x.on_list],
        stories=[_story(s, sources) for s in thread.stories],
        confirm_within=_duration(settings.alerts.confirm_within),
        rows=[event_row(e) for e in shown],
        total=len(thread.events),
        earlier=after > 0,
        later=f"{url}?after={shown[-1].id}#thread" if len(events) > len(shown) else None,
        links=[{"a": k.a, "b": k.b, "why": k.why.removeprefix(f"{k.b}: ")} for k in entity.links],
        api=f"/api/entities/{quote(entity.id, safe='')}",
    )


def _listing(listing: Listing, sources: dict[str, Any]) -> dict[str, Any]:
    source = sources.get(listing.source)
    return {
        "source": listing.source,
        "label": source.label if source is not None else listing.source,
        "is_list": source is not None and source.kind == "list",
        "key": listing.key,
        "name": listing.name,
        "jurisdiction": listing.jurisdiction,
        "first": listing.first,
        "last": listing.last,
    }


def _story(story: StoryThread, sources: dict[str, Any]) -> dict[str, Any]:
    report = story.first.payload
    assert isinstance(report, DesignationReported)  # gather() keeps only these
    confirmation = story.confirmation
    confirmed = confirmation.payload if confirmation is not None else None
    return {
        "id": story.id,
        "first": story.first,
        "summary": event_row(story.first)["summary"],
        "title": report.title,
        "url": web_link(report.url),
        "published": report.published,
        "reports": story.reports,
        "outlets": [
            {"id": s, "label": sources[s].label if s in sources else s} for s in story.sources
        ],
        "status": story.status,
        "confirmation": confirmation,
        "list_event": confirmed.event if isinstance(confirmed, DesignationConfirmed) else None,
        "confirmed_on": _confirmed_on(confirmation.source if confirmation else None, sources),
    }


def _confirmed_on(source_id: str | None, sources: dict[str, Any]) -> dict[str, Any] | None:
    if source_id is None:
        return None
    source = sources.get(source_id)
    return {
        "id": source_id,
        "label": source.label if source is not None else source_id,
        "is_list": source is not None and source.kind == "list",
    }


def _duration(seconds: float) -> str:
    """``confirm_within`` as the configuration writes it (90 days: "90d")."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


# --- the JSON API -----------------------------------------------------------------------------


class EntityLink(BaseModel):
    """Why two members are one entity (a member ref, or an ``[[entity]]`` rule, and a reason)."""

    a: str
    b: str
    why: str


class EntityOut(BaseModel):
    id: str
    name: str = Field(description="The canonical name")
    names: list[str] = Field(description="The canonical name first, then every other name")
    members: list[str] = Field(description='Its mentions: "SOURCE:KEY" entries, "news:KEY"')
    links: list[EntityLink] = Field(description="Why these members are one entity")


class EntityHit(EntityOut):
    url: str = Field(description="Its thread in the API")


class EntityListing(BaseModel):
    """One entry of one list that is this entity, now or once."""

    source: str
    key: str
    name: str
    jurisdiction: str | None
    on_list: bool = Field(description="False: removed since")
    first_event: int
    last_event: int


class EntityStory(BaseModel):
    """A news story about this entity, and whether a followed list has confirmed it."""

    story: str
    first_event: int
    reports: int
    sources: list[str] = Field(description="The outlets that reported it")
    status: Status = Field(
        description="unconfirmed: no followed list recorded it within `confirm_within`"
    )
    confirmed_by: int | None = Field(description="The `designation_confirmed` event's id")


class EntityThread(BaseModel):
    """As ``monitor entity NAME --json`` prints it."""

    entity: EntityOut
    lists: list[EntityListing]
    stories: list[EntityStory]
    events: list[Event] = Field(description="The whole thread, in log order")


@router.get(
    "/api/entities",
    response_model=list[EntityHit],
    summary="The entities a name finds",
    tags=["api"],
)
def find_entities(
    request: Request,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_NAME,
            description="A name or alias in any script, or SOURCE:KEY",
        ),
    ],
) -> list[dict[str, Any]]:
    """By name or alias (any script, any case), else by spelling variant; an entity whose own
    name it is comes alone. None found: an empty list."""
    return [
        {**entity_dict(e), "url": f"/api/entities/{quote(e.id, safe='')}"}
        for e in _search(request, q.strip())[:HITS_SHOWN]
    ]


@router.get(
    "/api/entities/{entity_id}",
    response_model=EntityThread,
    summary="One entity's thread across every list and the news",
    tags=["api"],
    responses={404: {"model": Problem, "description": "No such entity"}},
)
def entity_thread(request: Request, entity_id: EntityId) -> dict[str, Any]:
    """The object ``monitor entity NAME --json`` prints: its lists, its stories (confirmed,
    awaiting, or unconfirmed past ``confirm_within``) and every event, in log order."""
    return _thread(request, entity_id).to_dict()

"""The pages: server-rendered HTML that works without JavaScript (``static/live.js`` only adds
new events to the change log as they are recorded)."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from monitor.clock import utcnow
from monitor.config import Settings
from monitor.events import EVENT_TYPES, format_time
from monitor.store import Store
from monitor.web.filters import (
    DEFAULT_LIMIT,
    MAX_ID,
    MAX_LIMIT,
    LogFilters,
    jurisdictions,
    log_filters,
)
from monitor.web.present import (
    ListView,
    NotFound,
    entry_comparison,
    event_row,
    event_with_evidence,
    list_view,
    precise_time,
    story_of,
    web_deliveries,
    web_sources,
)
from monitor.web.security import (
    clear_session,
    safe_next,
    same,
    set_session,
    verify_csrf,
)

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

SHA256 = r"^[0-9a-f]{64}$"


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _store(request: Request) -> Store:
    return request.app.state.store


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """A page, with what every page needs: the CSRF value for its forms, whether the browser
    is signed in (to offer signing out), the configured sources for the navigation."""
    page: Jinja2Templates = request.app.state.templates
    state = request.scope.get("state", {})
    context.setdefault("title", "")
    context.setdefault("nav", "")
    context.setdefault("feed_url", "/feeds/changes.atom")
    return page.TemplateResponse(
        request,
        name,
        {
            "csrf": state.get("csrf", ""),
            "signed_in": state.get("signed_in", False),
            "token_mode": bool(request.app.state.token),
            **context,
        },
        status_code=status_code,
    )


def login_page(
    request: Request, status: int = 200, message: str = "", target: str | None = None
) -> Response:
    """The sign-in form; after it the browser goes back to what it asked for."""
    if target is None:
        target = request.query_params.get("next") or request.url.path
        if request.url.query and "next" not in request.query_params:
            target += f"?{request.url.query}"
    return render(
        request,
        "login.html",
        status,
        title="Sign in",
        next=safe_next(target if target != "/login" else "/"),
        message=message,
    )


# --- the change log --------------------------------------------------------------------------


@router.get("/")
def change_log(
    request: Request,
    filters: Annotated[LogFilters, Depends(log_filters)],
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Response:
    settings, store = _settings(request), _store(request)
    with store.reading() as tx:
        page = tx.page(filters.query, before=before, limit=limit)
        newest = tx.last_position()
    rows = [event_row(e) for e in page.events]
    return render(
        request,
        "log.html",
        title="Change log",
        nav="log",
        filters=filters,
        rows=rows,
        before=before,
        older=filters.url("/", before=page.cursor) if page.cursor else None,
        newest_url=filters.url("/"),
        # Live: only the first page grows; it follows the log from its newest event.
        stream=filters.url("/api/events/stream", after=newest) if before is None else None,
        feed_url=filters.url("/feeds/changes.atom"),
        event_types=EVENT_TYPES,
        sources=settings.sources,
        jurisdictions=jurisdictions(settings),
    )


@router.get("/events/{event_id}")
def event_page(
    request: Request,
    event_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    reports_before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """An event; a news report's page lists its story's latest corroborations, and older ones
    page by page (``reports_before``: a story version)."""
    event, evidence = event_with_evidence(request, event_id, reports_before)
    source = next((s for s in _settings(request).sources if s.id == event.source), None)
    comparison = entry_comparison(event)
    return render(
        request,
        "event.html",
        title=f"#{event.id} {event.type}",
        nav="log",
        event=event,
        row=event_row(event),
        data=event.to_dict()["data"],
        source=source,
        comparison=comparison,
        list_at=precise_time(event.recorded_at) if comparison is not None else None,
        document=evidence.get("document"),
        story=story_of(_store(request), event, evidence),
        reports=evidence.get("story"),
        reports_before=reports_before,
        dump=json.dumps({**event.to_dict(), "evidence": evidence}, ensure_ascii=False, indent=2),
    )


@router.get("/documents/{sha256}", response_class=PlainTextResponse)
def document(request: Request, sha256: Annotated[str, Path(pattern=SHA256)]) -> Response:
    """A fetched document as the text its poll read, never as a page: what a site sent is
    shown, not run (text/plain, and a sandboxing CSP should a browser sniff anyway)."""
    from monitor.text import decode_text

    store = _store(request)
    doc = store.document(sha256)
    if doc is None:
        raise NotFound(f"no stored document {sha256}")
    source_id = request.query_params.get("source")
    source = next((s for s in _settings(request).sources if s.id == source_id), None)
    text = decode_text(doc.content, doc.content_type, source.encoding if source else None)
    return PlainTextResponse(
        text,
        headers={"content-security-policy": "sandbox; default-src 'none'"},
    )


# --- lists, stories, sources, deliveries ------------------------------------------------------


@router.get("/lists/{source_id}")
def list_page(request: Request, view: Annotated[ListView, Depends(list_view)]) -> Response:
    """A page of a list's entries at a moment (the ``limit`` after the key ``after``), and its
    versions around that moment (or before or after another version's)."""
    state = view.state
    return render(
        request,
        "list.html",
        title=state.source.label,
        nav="sources",
        state=state,
        at=view.at,
        after=view.after,
        picker=state.moment.strftime("%Y-%m-%dT%H:%M:%S") if state.moment else "",
        links=view.links(f"/lists/{quote(state.source.id, safe='')}"),
    )


@router.get("/stories")
def stories_page(
    request: Request,
    kind: Annotated[str | None, Query(pattern="^(designation|topic)?$")] = None,
) -> Response:
    with _store(request).reading() as tx:
        stories = tx.stories(kind=kind or None, limit=200)
    return render(
        request, "stories.html", title="Stories", nav="stories", stories=stories, kind=kind or ""
    )


@router.get("/sources")
def sources_page(request: Request) -> Response:
    rows = web_sources(_settings(request), _store(request))
    kinds = {s.id: s.kind for s in _settings(request).sources}
    return render(request, "sources.html", title="Sources", nav="sources", rows=rows, kinds=kinds)


@router.get("/deliveries")
def deliveries_page(request: Request) -> Response:
    rows = web_deliveries(_settings(request), _store(request))
    return render(request, "deliveries.html", title="Deliveries", nav="deliveries", rows=rows)


# --- signing in and out (only with a token) --------------------------------------------------


@router.get("/login")
def login_form(request: Request) -> Response:
    if not request.app.state.token:
        return RedirectResponse("/", status_code=303)
    return login_page(request)


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    target: Annotated[str, Form(alias="next", max_length=2000)] = "/",
) -> Response:
    verify_csrf(request, csrf)
    expected: str = request.app.state.token
    if not expected:
        return RedirectResponse("/", status_code=303)
    if not same(token.strip(), expected):
        return login_page(request, 401, "That is not the token this server was given.", target)
    response = RedirectResponse(safe_next(target), status_code=303)
    set_session(response, expected, request)
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    verify_csrf(request, csrf)
    response = RedirectResponse("/login", status_code=303)
    clear_session(response)
    return response


@router.get("/healthz", response_class=PlainTextResponse)
def healthz() -> str:
    """A liveness probe for compose and systemd: answers without a token, tells nothing."""
    return f"ok {format_time(utcnow())}\n"

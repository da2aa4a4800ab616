"""The web app: one FastAPI application over one store, read-only unless ``[web] actions``.

Pages (``pages``), the JSON API (``api``, with its OpenAPI document at ``/api/openapi.json``) and
the Atom feed (``feeds``) read through the storage interface only; the two actions
(``actions``: accept a suspect list, send a test message) run what the commands run. Every answer passes the
:class:`~monitor.web.security.Guard`; every error is a page or a JSON object saying what was
wrong, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException
from starlette.responses import Response

from monitor import __version__
from monitor.columns import visible
from monitor.config import Settings
from monitor.errors import NoStoreError, StoreError, UsageError
from monitor.events import format_time
from monitor.redact import redact
from monitor.store import Store
from monitor.web.present import NotFound, cell, precise_time, web_link
from monitor.web.security import CSRF_FIELD, CsrfError, Guard, is_data_path

HERE = Path(__file__).parent


def _shown(value: Any) -> Any:
    """Every ``{{ value }}`` of a template: text from outside made visible (control and bidi
    characters written as escapes, so a U+202E cannot reverse what follows), then escaped by
    autoescape. Markup the templates build themselves passes as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value


def _lines(value: Any) -> Markup:
    """Text of several lines (a document, a JSON dump): visible, escaped, newlines kept."""
    return Markup(escape(visible(str(value), lines=True)))


def templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_shown,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["time"] = lambda moment: format_time(moment) if moment else "–"
    env.filters["precise"] = precise_time
    env.filters["link"] = web_link
    env.filters["cell"] = cell
    env.filters["lines"] = _lines
    env.filters["redact"] = lambda text: redact(str(text)) if text else ""
    env.globals["version"] = __version__
    env.globals["csrf_field"] = CSRF_FIELD
    return Jinja2Templates(env=env)


def create_app(settings: Settings, store: Store) -> FastAPI:
    """The application for ``settings`` over ``store`` (which the caller opens and closes)."""
    from monitor.web import actions, api, entities, feeds, pages
    from monitor.web.knowledge import KnowledgeCache

    app = FastAPI(
        title="monitor",
        version=__version__,
        summary="Official lists and designation news: the change log, lists, stories, sources.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI loads its script from a CDN: the CSP (and this machine) say no
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.templates = templates()
    app.state.token = settings.web.token
    app.state.stopping = False  # set on SIGTERM: the live streams end
    app.state.entity_knowledge = KnowledgeCache()  # the last entity resolution (knowledge.py)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(entities.router)
    app.include_router(feeds.router)
    app.include_router(actions.router)
    _handle_errors(app)
    app.add_middleware(Guard, token=settings.web.token, login_page=pages.login_page)
    return app


def error_response(request: Request, status: int, message: str) -> Response:
    """A refusal or failure in the form the client reads: JSON for the API and feeds, a page
    for a browser."""
    from monitor.web.pages import render

    if is_data_path(request.url.path):
        return JSONResponse({"detail": message}, status_code=status)
    return render(request, "error.html", status, status=status, message=message, title=f"{status}")


def _handle_errors(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}"
        response = error_response(request, exc.status_code, message)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError) -> Response:
        if is_data_path(request.url.path):
            return await request_validation_exception_handler(request, exc)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}"
            for e in exc.errors()
        )
        return error_response(request, 400, problems)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return error_response(request, 404, str(exc))

    @app.exception_handler(CsrfError)
    async def forged(request: Request, exc: CsrfError) -> Response:
        return error_response(request, 403, f"{exc}: reload the page and try again")

    @app.exception_handler(UsageError)
    async def usage(request: Request, exc: UsageError) -> Response:
        status = 503 if isinstance(exc, NoStoreError) else 400
        return error_response(request, status, redact(str(exc)))

    @app.exception_handler(StoreError)
    async def store_failed(request: Request, exc: StoreError) -> Response:
        return error_response(request, 503, f"the store cannot be read: {redact(str(exc))}")

"""The web app's two actions, its only requests that change anything: accept a suspect list
(``monitor accept``) and send a test message (``monitor notify-test``).

HTML form POSTs, offered only with ``[web] actions = true``, which the configuration takes only
with a token, even on loopback: an accepted list records removals that are never deleted and
alerts every channel, not something for anyone who can reach 127.0.0.1. Each POST carries the
page's CSRF value and this server's ``Origin``. The work runs in worker threads, as the CLI runs
it, never on the event loop. Not in the OpenAPI document: form routes, like the pages.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from monitor.config import Settings
from monitor.errors import ConcurrencyError, MonitorError, StoreError, UsageError
from monitor.redact import HIDDEN, mask_url, redact, secrets_of
from monitor.store import Store
from monitor.web.pages import render
from monitor.web.present import NotFound, event_row, list_source
from monitor.web.security import verify_csrf

if TYPE_CHECKING:
    from monitor.app import App
    from monitor.events import RecordedEvent
    from monitor.notify.dispatch import DeliveryReport, TestResult

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

ACTIONS_OFF = (
    "this server is read-only: accepting a list and test messages are offered only with "
    "[web] actions = true (and a token) in its configuration"
)
EVENTS_SHOWN = 200  # recorded events listed on the result page; the rest are in the log


class Actions:
    """What the actions of one web app share: an :class:`~monitor.app.App` over the web app's
    own store (so that an accepted list's alerts are owed to the channels in the same
    transaction, as ``monitor accept`` owes them), and one delivery pass at a time (two
    concurrent passes of one process would share a worker id)."""

    def __init__(self, settings: Settings, store: Store) -> None:
        from monitor.app import App  # the pipeline: loaded by the first action, not at start

        self.app: App = App(settings, store=store)
        self._delivering = threading.Lock()

    def accept(self, source_id: str) -> list[RecordedEvent]:
        return self.app.accept(source_id)

    def deliver(self) -> DeliveryReport:
        with self._delivering:
            return self.app.deliver_now()


_making = threading.Lock()


def _actions(request: Request) -> Actions:
    """The web app's :class:`Actions`, made by the first action (a read-only server never
    wires an outbox into its store)."""
    state = request.app.state
    with _making:
        made: Actions | None = getattr(state, "acting", None)
        if made is None:
            made = state.acting = Actions(state.settings, state.store)
    return made


def _allowed(request: Request, csrf: str) -> Settings:
    """Refuse an action a read-only server does not offer, or a forged form."""
    settings: Settings = request.app.state.settings
    if not settings.web.actions or not request.app.state.token:
        raise HTTPException(403, ACTIONS_OFF)
    verify_csrf(request, csrf)
    return settings


def hide_channels(text: str, settings: Settings) -> str:
    """Text fit for a page: channel URLs are never shown, not even masked (a masked URL still
    names a service account and host), and their secrets are blanked wherever else they are."""
    for channel in settings.channels:
        if channel.enabled:
            for form in (channel.url.strip(), mask_url(channel.url)):
                text = text.replace(form, f"[the URL of {channel.name}]")
            for secret in sorted(secrets_of(channel.url), key=len, reverse=True):
                text = text.replace(secret, HIDDEN)
    return redact(text)


# --- accept a suspect list ---------------------------------------------------------------------


@router.post("/sources/{source_id}/accept")
async def accept(
    request: Request,
    source_id: Annotated[str, Path(max_length=200)],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """``monitor accept SOURCE``: the suspect document taken as the list, its removals recorded
    and alerted, then one delivery pass."""
    settings = _allowed(request, csrf)
    source = list_source(settings, source_id)
    actions = await run_in_threadpool(_actions, request)
    try:
        recorded = await run_in_threadpool(actions.accept, source.id)
    except ConcurrencyError:
        raise HTTPException(
            409, f"{source.id} was polled while it was being accepted: reload and look again"
        ) from None
    except UsageError as exc:
        if isinstance(exc, StoreError):
            raise
        raise HTTPException(409, redact(str(exc))) from None
    delivery, delivery_error = await _deliver(actions, settings)
    counts = Counter(e.type for e in recorded)
    return render(
        request,
        "action.html",
        title=f"Accepted {source.id}",
        nav="sources",
        action="accept",
        source=source,
        recorded=len(recorded),
        counts=sorted(counts.items()),
        rows=[event_row(e) for e in recorded[:EVENTS_SHOWN]],
        delivery=delivery,
        delivery_error=delivery_error,
        results=[],
    )


async def _deliver(actions: Actions, settings: Settings) -> tuple[list[dict[str, Any]], str]:
    """One delivery pass, as ``monitor accept`` runs it: each channel's outcome, or why the
    pass broke off (what was recorded stays recorded and owed; ``monitor run`` delivers it)."""
    if not settings.channels:
        return [], ""
    try:
        report = await run_in_threadpool(actions.deliver)
    except MonitorError as exc:
        return [], hide_channels(str(exc), settings)
    return [
        {
            "channel": name,
            "sent": stats.sent,
            "retrying": stats.retrying,
            "gave_up": stats.gave_up,
            "errors": [hide_channels(e, settings) for e in dict.fromkeys(stats.errors)],
        }
        for name, stats in sorted(report.channels.items())
    ], ""


# --- send a test message -----------------------------------------------------------------------


@router.post("/deliveries/test")
async def test_message(
    request: Request,
    csrf: Annotated[str, Form(max_length=200)] = "",
    channel: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """``monitor notify-test [CHANNEL]``: a test message to one channel, or to every one (no
    ``channel``), and each one's outcome; nothing is recorded."""
    settings = _allowed(request, csrf)
    if not settings.channels:
        raise HTTPException(409, "no [[channel]] is configured: there is nothing to test")
    names = [channel] if channel else None
    if channel and channel not in {c.name for c in settings.channels}:
        raise NotFound(f"no channel {channel!r} is configured")
    results = await run_in_threadpool(_send_tests, settings, names)
    return render(
        request,
        "action.html",
        title="Test message",
        nav="deliveries",
        action="test",
        results=[
            {
                "channel": r.channel,
                "outcome": r.outcome,
                "error": hide_channels(r.error, settings) if r.error else "",
            }
            for r in results
        ],
    )


def _send_tests(settings: Settings, names: list[str] | None) -> list[TestResult]:
    """In a worker thread with its own event loop, as the CLI sends them: apprise builds its
    services and may block while it does."""
    from monitor.notify.dispatch import notify_test

    return asyncio.run(notify_test(settings, names))

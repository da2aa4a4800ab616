"""The notifier's side of the outbox: which routing fills it, and which channels it serves.

The outbox itself — owed notifications as a projection of the log, written in each append's
transaction and settled by ``notification_sent`` / ``notification_failed`` — is kept by
:mod:`monitor.store.outbox`. The notifier gives it the routing of its configuration (a pure
function of the events and the channels' horizons, :func:`monitor.notify.routing.route`) and the
(channel, alert class) pairs that are wanted, so that no SQL or connection is seen here.
"""

from __future__ import annotations

from monitor.config import Settings
from monitor.notify.routing import RoutingRules, route
from monitor.store import Store
from monitor.store.outbox import ChannelClass, Router


def wanted(settings: Settings) -> list[ChannelClass]:
    """The pairs owed alerts from now on: every class of every channel that has a URL."""
    return [(c.name, klass) for c in settings.channels if c.enabled for klass in c.notify]


def configured(settings: Settings) -> set[ChannelClass]:
    """Every configured pair. A channel with an empty URL is *not* removed (and keeps what it
    is owed): another process may hold its URL."""
    return {(c.name, klass) for c in settings.channels for klass in c.notify}


def router(settings: Settings) -> Router | None:
    """This configuration's routing, or None when it has no channel (the outbox is then left
    as it is)."""
    rules = RoutingRules.from_settings(settings)
    if not rules.channels:
        return None
    return lambda events, horizon: route(events, rules, horizon)


def install(store: Store, settings: Settings) -> None:
    """Wire the outbox into ``store``: this config's routing, and the horizons of channels seen
    for the first time. Idempotent."""
    store.deliveries.route_with(router(settings))
    store.deliveries.register_channels(wanted(settings))

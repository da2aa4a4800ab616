"""Which events alert, and which channels owe which notification: pure functions of the log.

The outbox projection (:mod:`monitor.store.outbox`, which also defines :class:`Owed` and
:data:`Horizon`) folds events through :func:`route`, so the routing must depend only on
the events, the (non-secret) configuration and each channel's horizon — never on the clock or
on which process appends — or ``monitor replay`` would not rebuild the same outbox.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from monitor.config import Settings
from monitor.events import (
    DESIGNATION_CONFIRMED,
    DESIGNATION_REPORTED,
    ENTRY_EVENTS,
    NOTIFICATION_FAILED,
    TOPIC_REPORTED,
    DesignationReported,
    NotificationFailed,
    RecordedEvent,
    TopicReported,
)
from monitor.store.outbox import Horizon, Owed
from monitor.timeutil import parse_iso

KIND_ENTRIES = "entries"  # the list changes of one poll of one source
KIND_REPORT = "report"  # one designation_reported story
KIND_TOPIC = "topic"  # one topic_reported story
KIND_HEALTH = "health"  # one health event
_POLL_GROUP = ENTRY_EVENTS | {DESIGNATION_CONFIRMED}


@dataclass(frozen=True)
class RoutingRules:
    """The part of the configuration routing depends on (no URLs: they are secrets)."""

    channels: tuple[tuple[str, frozenset[str]], ...] = ()
    watched_only: bool = False
    max_age: Mapping[str, float | None] = field(default_factory=dict)
    default_max_age: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RoutingRules:
        return cls(
            channels=tuple((c.name, frozenset(c.notify)) for c in settings.channels),
            watched_only=bool(settings.watches),
            max_age={s.id: settings.max_age(s) for s in settings.sources},
            default_max_age=settings.alerts.max_age,
        )

    def max_age_of(self, source: str | None) -> float | None:
        if source is not None and source in self.max_age:
            return self.max_age[source]
        return self.default_max_age


def alert_class(event: RecordedEvent, rules: RoutingRules) -> str | None:
    """The alert class of ``event`` if it alerts at all (SPEC "Alerts"), else None."""
    klass = event.alert_class  # None for baselines and for non-alerting types
    if klass is None:
        return None
    payload = event.payload
    if isinstance(payload, DesignationReported) and rules.watched_only and not payload.watched:
        return None
    if isinstance(payload, DesignationReported | TopicReported) and _too_old(
        event, payload.published, rules
    ):
        return None
    if isinstance(payload, NotificationFailed) and NOTIFICATION_FAILED in payload.types:
        return None  # a failed health alert about a failed delivery: stop, never ping-pong
    return klass


def _too_old(event: RecordedEvent, published: str | None, rules: RoutingRules) -> bool:
    max_age = rules.max_age_of(event.source)
    if not max_age or not published:
        return False
    moment = parse_iso(published)
    return moment is not None and (event.recorded_at - moment).total_seconds() > max_age


def kind_of(event: RecordedEvent) -> str:
    if event.type in _POLL_GROUP:
        return KIND_ENTRIES
    if event.type == DESIGNATION_REPORTED:
        return KIND_REPORT
    if event.type == TOPIC_REPORTED:
        return KIND_TOPIC
    return KIND_HEALTH


def group_key(event: RecordedEvent) -> str | None:
    """List changes of one append (one poll) of one source share their ``recorded_at``, and so
    do the confirmations of news stories recorded with them: one message says both."""
    if event.type not in _POLL_GROUP:
        return None
    return f"{event.source}@{event.recorded_at.isoformat(timespec='microseconds')}"


def route(events: Sequence[RecordedEvent], rules: RoutingRules, horizon: Horizon) -> list[Owed]:
    """The notifications ``events`` make owed, grouped within this batch, in log order."""
    owed: dict[tuple[str, str | int], Owed] = {}
    for event in events:
        klass = alert_class(event, rules)
        if klass is None:
            continue
        group = group_key(event)
        for channel in channels_for(event, klass, rules, horizon):
            key: tuple[str, str | int] = (channel, group if group is not None else event.id)
            if key in owed:
                owed[key].events.append(event.id)
                continue
            owed[key] = Owed(
                channel=channel,
                alert_class=klass,
                kind=kind_of(event),
                source=event.source,
                group_key=group,
                events=[event.id],
                created_at=event.recorded_at,
            )
    return list(owed.values())


def channels_for(
    event: RecordedEvent, klass: str, rules: RoutingRules, horizon: Horizon
) -> Iterable[str]:
    failed = event.payload
    failed_channel = failed.channel if isinstance(failed, NotificationFailed) else None
    for name, classes in rules.channels:
        if klass not in classes or name == failed_channel:
            continue
        since = horizon.get((name, klass))
        if since is not None and event.id > since:
            yield name

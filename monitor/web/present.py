"""What the pages and the API show, computed once from the store: the rows of the CLI's
``sources`` and ``deliveries`` (without anything secret), an entry's before and after, a news
story's first report and its corroborations, a list at a moment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import Query, Request

from monitor.clock import utcnow
from monitor.config import Settings, Source
from monitor.describe import changed_fields, summary
from monitor.errors import UsageError
from monitor.events import (
    DesignationReport,
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    RecordedEvent,
    StoryReport,
    TopicReport,
    format_time,
)
from monitor.evidence import REPORTS_SHOWN, evidence_for
from monitor.notify.status import delivery_rows
from monitor.redact import redact
from monitor.status import source_rows, why_no_entries
from monitor.store import EntryPage, Store, VersionPage
from monitor.timeutil import parse_user_time


def precise_time(moment: datetime) -> str:
    """A moment to the microsecond, UTC: the ``at`` of a list version's link, which a time
    to the second could not tell from the next poll's."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def web_link(url: object) -> str | None:
    """``url`` if it may be a link (http or https); a feed's ``javascript:`` or ``data:`` link
    is shown as text instead."""
    if not isinstance(url, str):
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def cell(value: Any) -> str:
    """An entry's field as one text: several values joined."""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)


def event_row(event: RecordedEvent) -> dict[str, Any]:
    """A line of the change log (the page's table and the live stream's messages)."""
    return {
        "id": event.id,
        "type": event.type,
        "recorded_at": format_time(event.recorded_at),
        "source": event.source,
        "summary": summary(event),
        "alert": event.alert_class,
    }


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str | None  # None: the entry was not on the list
    after: str | None  # None: it is no longer
    changed: bool


def entry_comparison(event: RecordedEvent) -> list[FieldChange] | None:
    """An entry's fields side by side, before and after the change (None: not a list change)."""
    payload = event.payload
    if isinstance(payload, EntryChanged):
        before, after = dict(payload.before), dict(payload.entry)
        changed = set(changed_fields(before, after))
        return [
            FieldChange(f, cell(before.get(f)), cell(after.get(f)), f in changed)
            for f in _fields(before, after)
        ]
    if isinstance(payload, EntryAdded):
        return [FieldChange(f, None, cell(v), True) for f, v in _ordered(payload.entry)]
    if isinstance(payload, EntryRemoved):
        return [FieldChange(f, cell(v), None, True) for f, v in _ordered(payload.entry)]
    return None


def _ordered(entry: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return [(f, entry[f]) for f in _fields(entry, {})]


def _fields(*entries: Mapping[str, Any]) -> list[str]:
    """``key`` and ``name`` first, then the rest as the list gives them."""
    seen = dict.fromkeys(f for entry in entries for f in entry)
    first = [f for f in ("key", "name") if f in seen]
    return first + [f for f in seen if f not in first]


def story_of(store: Store, event: RecordedEvent, evidence: dict[str, Any]) -> dict[str, Any] | None:
    """A news story as the event page shows it: the first report with its matched sentence,
    and every outlet that corroborated it (``evidence`` as :func:`evidence_for` gives it)."""
    story = evidence.get("story")
    if not story or not story["reports"]:
        return None
    reports = story["reports"]
    first_id = reports[0]["id"]
    first = event if event.id == first_id else store.event(first_id)
    payload = first.payload if first is not None else None
    if not isinstance(payload, StoryReport):
        return None
    details: dict[str, Any] = {
        "id": story["id"],
        "first": reports[0],
        "evidence": payload.evidence,
        "lang": payload.lang,
        "corroborations": reports[1:],
    }
    if isinstance(payload, DesignationReport):
        details |= {"actor": payload.actor, "entity": payload.entity, "action": payload.action}
        details |= {"confirmed": story.get("confirmed"), "status": story.get("status")}
    elif isinstance(payload, TopicReport):
        details["topic"] = payload.topic
    return details


def web_sources(settings: Settings, store: Store) -> list[dict[str, Any]]:
    """``monitor sources --json``'s rows (source URLs masked), errors redacted."""
    rows = source_rows(settings, store)
    for row in rows:
        row["last_error"] = redact(row["last_error"]) if row["last_error"] else None
    return rows


def web_deliveries(settings: Settings, store: Store) -> list[dict[str, Any]]:
    """``monitor deliveries --json``'s rows without the channel URLs (even masked, a channel's
    URL names its service account and host), errors redacted."""
    rows = delivery_rows(settings, store)
    for row in rows:
        row.pop("url", None)
        row["last_error"] = redact(row["last_error"]) if row["last_error"] else None
        for owed in row["notifications"]:
            owed["last_error"] = redact(owed["last_error"]) if owed["last_error"] else None
    return rows


class NotFound(Exception):
    """What a URL names does not exist (an event id, a source, a document): 404."""


def list_source(settings: Settings, source_id: str) -> Source:
    """The list source ``source_id``, or a usage error saying why it has no entries to show."""
    try:
        source = settings.source(source_id)
    except KeyError:
        raise NotFound(f"no source {source_id!r} is configured") from None
    if source.kind != "list":
        raise UsageError(
            f"{source_id} is a feed: only a list source has entries "
            f"(its items are in the change log: /?source={source_id})"
        )
    return source


ENTRIES_PAGE = 500  # a list's entries on one page (a large list has 17,000: a 1.8 MB page)
MAX_ENTRIES_PAGE = 5000
MAX_KEY = 20_000  # characters of a key in a link (``after``): a key can be 10 KB


def moment_of(value: str | None, *, now: datetime, option: str) -> datetime | None:
    """The moment a user gave (ISO 8601, or 7d ago); None for none."""
    return parse_user_time(value, now=now, option=option) if value and value.strip() else None


@dataclass(frozen=True)
class ListState:
    """A page of a list's entries at a moment, and some of its versions."""

    source: Source
    moment: datetime | None
    page: EntryPage
    fields: list[str]
    versions: VersionPage
    current_version: int | None  # the first event of the version known at the moment
    why: str

    @property
    def entries(self) -> list[dict[str, Any]]:
        return self.page.entries


def list_state(
    store: Store,
    source: Source,
    moment: datetime | None,
    *,
    after: str | None = None,
    limit: int = ENTRIES_PAGE,
    versions_before: datetime | None = None,
    versions_after: datetime | None = None,
) -> ListState:
    """A page of a list's entries now, or as the monitor knew them at ``moment`` (the first
    ``limit`` after the key ``after``), and its versions around that moment (or before or after
    another one, to page through them): never the whole list or its whole history."""
    if after is not None and "\x00" in after:  # PostgreSQL's text cannot hold it: no key has it
        raise UsageError("after: a key holds no NUL character")
    with store.reading() as tx:
        page = tx.entries_at(source.id, moment, after=after, limit=limit)
        versions = tx.list_versions(
            source.id, around=moment, before=versions_before, after=versions_after
        )
        why = "" if page.count else why_no_entries(tx, source.id, moment)
    fields = [f for f in _fields(*page.entries) if f != "key"] if page.entries else []
    # The version known then is the last shown at or before the moment, unless the next one
    # is past the versions shown.
    known = [v for v in versions.versions if moment is None or v.recorded_at <= moment]
    settled = len(known) < len(versions.versions) or not versions.newer
    current = known[-1].first_event if known and settled else None
    return ListState(source, moment, page, fields, versions, current, why)


@dataclass(frozen=True)
class ListView:
    """What a list's page and its API answer are asked for, and the state they show."""

    state: ListState
    at: str
    after: str | None
    limit: int
    paged_versions: bool

    def links(self, path: str) -> dict[str, str | None]:
        return list_links(
            path,
            self.state,
            after=self.after,
            paged_versions=self.paged_versions,
            limit=self.limit if self.limit != ENTRIES_PAGE else None,
        )


def list_view(
    request: Request,
    source_id: str,
    at: Annotated[str | None, Query(description="ISO 8601 (UTC unless a zone), or 7d")] = None,
    after: Annotated[
        str | None,
        Query(max_length=MAX_KEY, description="The entries after this key (keyset pages)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ENTRIES_PAGE)] = ENTRIES_PAGE,
    versions_before: Annotated[
        str | None, Query(max_length=100, description="The versions before this moment")
    ] = None,
    versions_after: Annotated[
        str | None, Query(max_length=100, description="The versions after this moment")
    ] = None,
) -> ListView:
    """A list's page as a FastAPI dependency: the page and the API read the same parameters."""
    source = list_source(request.app.state.settings, source_id)
    now = utcnow()
    moment = moment_of(at, now=now, option="at")
    state = list_state(
        request.app.state.store,
        source,
        moment,
        after=after,
        limit=limit,
        versions_before=moment_of(versions_before, now=now, option="versions_before"),
        versions_after=moment_of(versions_after, now=now, option="versions_after"),
    )
    return ListView(state, at or "", after, limit, bool(versions_before or versions_after))


def list_links(
    path: str,
    state: ListState,
    *,
    after: str | None,
    paged_versions: bool = False,
    limit: int | None = None,
) -> dict[str, str | None]:
    """The links of a list's page (or its API answer): the next page of entries and the first
    one, the versions before and after those shown and (``paged_versions``) back to those
    around the moment. Each names the moment to the microsecond, so that a relative ``at``
    (7d) does not move from one page to the next."""
    at = precise_time(state.moment) if state.moment is not None else None

    def url(**params: str | int | None) -> str:
        query = {k: v for k, v in {"at": at, "limit": limit, **params}.items() if v is not None}
        return f"{path}?{urlencode(query)}" if query else path

    versions = state.versions.versions
    return {
        "next": url(after=state.page.after) if state.page.after is not None else None,
        "first": url() if after is not None or paged_versions else None,
        "versions_older": (
            url(versions_before=precise_time(versions[0].recorded_at))
            if versions and state.versions.older
            else None
        ),
        "versions_newer": (
            url(versions_after=precise_time(versions[-1].recorded_at))
            if versions and state.versions.newer
            else None
        ),
    }


def event_with_evidence(
    request: Request, event_id: int, reports_before: int | None
) -> tuple[RecordedEvent, dict[str, Any]]:
    """An event and its evidence as its page and its API answer show them: a story's first
    report and latest corroborations (older ones before the story version ``reports_before``)."""
    store: Store = request.app.state.store
    event = store.event(event_id)
    if event is None:
        raise NotFound(f"no event with id {event_id}")
    evidence = evidence_for(
        store,
        event,
        reports=REPORTS_SHOWN,
        before=reports_before,
        confirm_within=request.app.state.settings.alerts.confirm_within,
    )
    return event, evidence

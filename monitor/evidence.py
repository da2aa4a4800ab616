"""The evidence behind an event, for ``monitor show``, its web page and the API: its document
and its story."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from monitor.clock import utcnow
from monitor.detect.confirm import status
from monitor.events import (
    DESIGNATION_CORROBORATED,
    DESIGNATION_REPORTED,
    TOPIC_CORROBORATED,
    TOPIC_REPORTED,
    RecordedEvent,
    StoryReport,
    document_of,
    format_time,
    story_stream,
)
from monitor.redact import mask_url
from monitor.store import Store, Story, Transaction

_STORY_TYPES = [DESIGNATION_REPORTED, DESIGNATION_CORROBORATED, TOPIC_REPORTED, TOPIC_CORROBORATED]

REPORTS_SHOWN = 50
"""The corroborations an event's page and its API answer list at a time: a story can have
thousands, and every one read and shown made a large story's page slow. ``monitor show``
lists them all."""


def evidence_for(
    store: Store,
    event: RecordedEvent,
    *,
    reports: int | None = None,
    before: int | None = None,
    confirm_within: float | None = None,
) -> dict[str, Any]:
    """The event's document and story. The story's ``reports`` are its first report and its
    corroborations: all of them, or with ``reports`` the latest that many (older than the
    version ``before``), ``older`` then being the ``before`` of the page of older ones. A
    designation story says which list event ``confirmed`` it, and (given ``confirm_within``,
    seconds) its ``status``: confirmed, awaiting, or unconfirmed."""
    evidence: dict[str, Any] = {}
    with store.reading() as tx:
        sha = document_of(event.payload)
        facts = tx.document_facts(sha) if sha else None
        if facts is not None:
            evidence["document"] = {
                **facts,
                "url": mask_url(facts["url"]),  # a store from before URLs were masked
                "first_seen_at": format_time(facts["first_seen_at"]),
            }
        story_id = getattr(event.payload, "story", None)
        if story_id:  # its reports are its stream; the projection counts them
            story = tx.story(story_id)
            evidence["story"] = _story(tx, story_id, story, reports, before)
            evidence["story"].update(_confirmation(tx, story, confirm_within))
    return evidence


def _confirmation(tx: Transaction, story: Story | None, within: float | None) -> dict[str, Any]:
    if story is None or story.kind != "designation":
        return {}
    confirmed = tx.confirmation_of(story.id)
    found: dict[str, Any] = {"confirmed": confirmed.to_dict() if confirmed else None}
    if within is not None:
        found["status"] = status(
            confirmed is not None, story.first_published, timedelta(seconds=within), utcnow()
        )
    return found


def _story(
    tx: Transaction, story: str, row: Story | None, shown: int | None, before: int | None
) -> dict[str, Any]:
    stream = story_stream(story)
    if shown is None:
        found = tx.events(stream=stream, types=_STORY_TYPES)
        return {"id": story, "count": len(found), "reports": _reports(found), "older": None}
    first = tx.events(stream=stream, types=_STORY_TYPES, limit=1)
    if not first:
        return {"id": story, "count": 0, "reports": [], "older": None}
    # By (stream, version), newest first: a page reads only the reports it shows.
    latest = tx.events(
        stream=stream,
        types=_STORY_TYPES,
        versions=(first[0].version, before),
        newest_first=True,
        limit=shown + 1,
    )
    older = latest[shown - 1].version if len(latest) > shown else None
    return {
        "id": story,
        "count": None if row is None else row.reports,
        "reports": _reports([first[0], *reversed(latest[:shown])]),
        "older": older,
    }


def _reports(events: list[RecordedEvent]) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id,
            "type": e.type,
            "source": e.source,
            "title": e.payload.title,
            "url": e.payload.url,
            "published": e.payload.published,
            "recorded_at": format_time(e.recorded_at),
        }
        for e in events
        if isinstance(e.payload, StoryReport)
    ]

"""The evidence behind an event, for ``monitor show``: its document and its story."""

from __future__ import annotations

from typing import Any

from monitor.events import (
    DESIGNATION_CORROBORATED,
    DESIGNATION_REPORTED,
    TOPIC_CORROBORATED,
    TOPIC_REPORTED,
    RecordedEvent,
    StoryReport,
    format_time,
    story_stream,
)
from monitor.redact import mask_url
from monitor.store import Store

_STORY_TYPES = [DESIGNATION_REPORTED, DESIGNATION_CORROBORATED, TOPIC_REPORTED, TOPIC_CORROBORATED]


def evidence_for(store: Store, event: RecordedEvent) -> dict[str, Any]:
    evidence: dict[str, Any] = {}
    with store.reading() as tx:
        sha = getattr(event.payload, "document", None)
        facts = tx.document_facts(sha) if sha else None
        if facts is not None:
            evidence["document"] = {
                **facts,
                "url": mask_url(facts["url"]),  # a store from before URLs were masked
                "first_seen_at": format_time(facts["first_seen_at"]),
            }
        story = getattr(event.payload, "story", None)
        if story:  # its reports are its stream
            reports = tx.events(stream=story_stream(story), types=_STORY_TYPES)
            evidence["story"] = {
                "id": story,
                "reports": [
                    {
                        "id": e.id,
                        "type": e.type,
                        "source": e.source,
                        "title": e.payload.title,
                        "url": e.payload.url,
                        "published": e.payload.published,
                        "recorded_at": format_time(e.recorded_at),
                    }
                    for e in reports
                    if isinstance(e.payload, StoryReport)
                ],
            }
    return evidence

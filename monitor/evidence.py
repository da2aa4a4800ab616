"""The evidence behind an event, for ``monitor show``: its document and its story."""

from __future__ import annotations

from typing import Any

from monitor.events import (
    DESIGNATION_CORROBORATED,
    DESIGNATION_REPORTED,
    TOPIC_CORROBORATED,
    TOPIC_REPORTED,
    RecordedEvent,
    format_time,
    story_stream,
)
from monitor.redact import mask_url
from monitor.store import Store, log

_STORY_TYPES = [DESIGNATION_REPORTED, DESIGNATION_CORROBORATED, TOPIC_REPORTED, TOPIC_CORROBORATED]


def evidence_for(store: Store, event: RecordedEvent) -> dict[str, Any]:
    evidence: dict[str, Any] = {}
    with store.read_tx() as conn:
        sha = event.data.get("document")
        facts = log.document_facts(conn, sha) if sha else None
        if facts is not None:
            evidence["document"] = {
                **facts,
                "url": mask_url(facts["url"]),  # a store from before URLs were masked
                "first_seen_at": format_time(facts["first_seen_at"]),
            }
        story = event.data.get("story")
        if story:  # its reports are its stream
            reports = log.read(conn, stream=story_stream(story), types=_STORY_TYPES)
            evidence["story"] = {
                "id": story,
                "reports": [
                    {
                        "id": e.id,
                        "type": e.type,
                        "source": e.source,
                        "title": e.data.get("title"),
                        "url": e.data.get("url"),
                        "published": e.data.get("published"),
                        "recorded_at": format_time(e.recorded_at),
                    }
                    for e in reports
                ],
            }
    return evidence

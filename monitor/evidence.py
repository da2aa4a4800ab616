"""The evidence behind an event, for ``monitor show``: its document and its story."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from monitor.events import (
    DESIGNATION_CORROBORATED,
    DESIGNATION_REPORTED,
    TOPIC_CORROBORATED,
    TOPIC_REPORTED,
    RecordedEvent,
    format_time,
)
from monitor.redact import mask_url
from monitor.store import Store, log
from monitor.store.tables import DocumentRow, table_of

_STORY_TYPES = [DESIGNATION_REPORTED, DESIGNATION_CORROBORATED, TOPIC_REPORTED, TOPIC_CORROBORATED]


def evidence_for(store: Store, event: RecordedEvent) -> dict[str, Any]:
    evidence: dict[str, Any] = {}
    with store.read_tx() as conn:
        sha = event.data.get("document")
        if sha:
            documents = table_of(DocumentRow)
            row = conn.execute(
                select(
                    documents.c.sha256,
                    documents.c.size,
                    documents.c.content_type,
                    documents.c.url,
                    documents.c.first_seen_at,
                ).where(documents.c.sha256 == sha)
            ).first()
            if row is not None:
                evidence["document"] = {
                    "sha256": row.sha256,
                    "size": row.size,
                    "content_type": row.content_type,
                    "url": mask_url(row.url),  # a store from before URLs were masked
                    "first_seen_at": format_time(row.first_seen_at),
                }
        story = event.data.get("story")
        if story:
            reports = [
                e for e in log.read(conn, types=_STORY_TYPES) if e.data.get("story") == story
            ]
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

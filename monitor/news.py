"""News items: the items of a fetched feed that the log has not seen → ``item_published`` events.

Pure. Detection (designation and topic reports, stories) is applied to these new items by
:mod:`monitor.detect.reports`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from monitor.events import ItemPublished, NewEvent, source_stream
from monitor.sources.feeditems import FeedItem


def new_items(items: Sequence[FeedItem], seen: Iterable[str]) -> list[FeedItem]:
    """Items not yet recorded, oldest first (feeds list newest first)."""
    known = set(seen)
    fresh = [item for item in items if item.item_id not in known]
    return list(reversed(fresh))


def item_events(source: str, items: Sequence[FeedItem], *, document: str) -> list[NewEvent]:
    stream = source_stream(source)
    return [
        NewEvent(
            stream,
            ItemPublished(
                title=item.title,
                url=item.url,
                published=item.published,
                guid=item.guid,
                item_id=item.item_id,
                summary=item.summary,
                content=item.content,
                document=document,
            ),
            source=source,
        )
        for item in items
    ]

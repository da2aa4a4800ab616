"""What a news feed is read into, and the one rule that names an item, whichever reader read it.

The poller, the recorder and the classifiers work with these; only parsing needs feedparser and
lxml (``monitor.sources.feed``), so a pass in which no feed changed never imports them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from monitor.text import plain_text

MAX_TEXT = 20_000  # characters of an item's body kept in its event


@dataclass(frozen=True)
class FeedItem:
    item_id: str
    guid: str
    title: str
    url: str
    published: str | None
    summary: str
    content: str


@dataclass(frozen=True)
class ParsedFeed:
    items: list[FeedItem]
    title: str
    warning: str | None  # feedparser's "bozo" reason, when the feed was not well-formed


def feed_item(
    *,
    title: str,
    link: str,
    guid: str,
    summary: str,
    contents: Iterable[str],
    published: str | None,
) -> FeedItem:
    """An item from its fields as a feed gives them (title and bodies as HTML or text).

    Identity is the guid, else the link, else a hash of the text, so an item is recognised across
    polls, restarts and readers. The hash reads the text as feeds were read before block elements
    broke words (``breaks=False``): the items that have nothing better keep the ids on record.
    """
    guid, link = guid.strip(), link.strip()
    contents = list(contents)
    summary_text = plain_text(summary)[:MAX_TEXT]
    content = " ".join(plain_text(part) for part in contents)[:MAX_TEXT]
    if guid:
        item_id = f"guid:{guid}"
    elif link:
        item_id = f"link:{link}"
    else:
        old = [plain_text(title, breaks=False), plain_text(summary, breaks=False)[:MAX_TEXT]]
        joined = " ".join(plain_text(part, breaks=False) for part in contents)[:MAX_TEXT]
        text = "\n".join([*old, "" if joined == old[1] else joined])
        item_id = f"hash:{hashlib.sha256(text.encode()).hexdigest()}"
    return FeedItem(
        item_id=item_id,
        guid=guid,
        title=plain_text(title),
        url=link,
        published=published,
        summary=summary_text,
        content="" if content == summary_text else content,
    )


def unique(items: Iterable[FeedItem]) -> list[FeedItem]:
    """The items in order, each identity once (the first occurrence wins)."""
    first: dict[str, FeedItem] = {}
    for item in items:
        first.setdefault(item.item_id, item)
    return list(first.values())

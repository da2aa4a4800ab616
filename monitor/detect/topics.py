"""Topic matcher: is a news item about a configured topic (the Moscow Format, ...)?

A topic's name and match phrases become inflection- and quote-tolerant patterns (the same
builder as entity names), so «Московского формата», «в «московском формате»» and "Moscow-format
talks" all match "Moscow Format". The whole item is read, because a report often names the
format only below the lede; the first sentence that names it is the evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from monitor.config import Topic
from monitor.detect.anycase import AnyCase
from monitor.detect.model import NewsItem, TopicMatch
from monitor.detect.names import phrase_regex
from monitor.detect.text import prep, split_sentences, strip_dateline, strip_html


@lru_cache(maxsize=64)
def topic_search(name: str, phrases: tuple[str, ...]) -> AnyCase:
    """One pattern for all the ways a topic is named; longer phrases are tried first. Phrases
    that differ only in case ("Moscow Format", "Moscow format") give one alternative."""
    variants = sorted({name, *phrases}, key=len, reverse=True)
    alternatives = dict.fromkeys(phrase_regex(p) for p in variants)
    return AnyCase("|".join(f"(?:{a})" for a in alternatives))


def match_topics(item: NewsItem, topics: Sequence[Topic]) -> list[TopicMatch]:
    """The configured topics the item is about, each with the first sentence that names it."""
    if not topics:
        return []
    parts = (
        strip_dateline(strip_html(item.title)),
        strip_dateline(strip_html(item.summary)),
        strip_html(item.text),
    )
    whole = prep("\n".join(parts))
    named = [t for t in topics if topic_search(t.name, tuple(t.match)).search(whole)]
    if not named:
        return []  # most items name no topic: one search each, no sentence splitting
    sentences = [parts[0], *split_sentences(parts[1]), *split_sentences(parts[2])]
    matches = []
    for topic in named:
        pattern = topic_search(topic.name, tuple(topic.match)).pattern
        for sentence in sentences:
            if sentence and pattern.search(prep(sentence)):
                matches.append(TopicMatch(topic.name, sentence.strip()))
                break
    return matches

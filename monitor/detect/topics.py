"""Topic matcher: is a news item about a configured topic (the Moscow Format, ...)?

Two ways, each explained in the finding's signals:

- *phrases*: a topic's name and ``match`` phrases become inflection- and quote-tolerant patterns
  (the same builder as entity names), so «Московского формата», «в «московском формате»» and
  "Moscow-format talks" all match "Moscow Format". The whole item is read, because a report often
  names the format only below the lede; the first sentence that names it is the evidence.
- *meaning*: a topic with a ``description`` or ``examples`` also matches an item whose headline
  and lede are close to one of them in the multilingual sentence model, in any language. Only
  items that name at least two of the places and organisations the description and examples name
  (Moscow, Afghanistan, the Taliban ...) are embedded: the rest cannot be on the subject. A topic
  with labelled examples in ``bench/detect/`` (the shipped Moscow Format) has a head trained on
  them, which also knows its near misses (the "extended troika" in Moscow is not the format);
  any other topic is scored by similarity to its examples against news in general.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from monitor.config import Topic
from monitor.detect.anycase import AnyCase
from monitor.detect.lexicon import Vocabulary, fold
from monitor.detect.model import NewsItem, TopicMatch
from monitor.detect.names import matcher, phrase_regex
from monitor.text import (
    lead_sentences,
    lead_text,
    paragraphs,
    prep,
    split_sentences,
    strip_dateline,
)

ANCHORS_NEEDED = 2


@lru_cache(maxsize=64)
def topic_search(name: str, phrases: tuple[str, ...]) -> AnyCase:
    """One pattern for all the ways a topic is named; longer phrases are tried first. Phrases
    that differ only in case ("Moscow Format", "Moscow format") give one alternative."""
    variants = sorted({name, *phrases}, key=len, reverse=True)
    alternatives = dict.fromkeys(phrase_regex(p) for p in variants)
    return AnyCase("|".join(f"(?:{a})" for a in alternatives))


def anchors_of(text: str) -> frozenset[str]:
    """The places (by code) and known organisations (by name) a text names."""
    from monitor.detect.places import place_codes

    return frozenset(place_codes(text) | {m.canonical for m in matcher().find(text)})


@dataclass(frozen=True)
class _Meaning:
    anchors: frozenset[str]  # the places and organisations the topic's text names
    places: Vocabulary  # the names of those places only: a quick look in every item

    def shared(self, text: str, needed: int) -> frozenset[str]:
        """The anchors ``text`` names; organisations (the slower look-up) only when the places
        leave it one short of ``needed``."""
        places = frozenset(self.places.find(fold(text)))
        if len(places) < needed - 1:
            return places
        return places | (anchors_of(text) & self.anchors)


@lru_cache(maxsize=64)
def _meaning(description: str, examples: tuple[str, ...]) -> _Meaning:
    from monitor.detect.places import vocabulary

    anchors = frozenset().union(*(anchors_of(t) for t in (description, *examples)))
    return _Meaning(anchors, vocabulary().only(anchors))


@lru_cache(maxsize=64)
def _example_vectors(description: str, examples: tuple[str, ...]) -> np.ndarray:
    """Embeddings of a topic's description and examples: only for a topic without a trained
    head, and only once an item is close enough to be compared (they load the model)."""
    from monitor.detect.semantic import embed_many

    return embed_many([t for t in (description, *examples) if t.strip()])


def match_topics(item: NewsItem, topics: Sequence[Topic]) -> list[TopicMatch]:
    """The configured topics the item is about, each with its evidence and what decided."""
    if not topics:
        return []
    parts = (
        strip_dateline(paragraphs(item.title)),
        strip_dateline(paragraphs(item.summary)),
        paragraphs(item.text),
    )
    whole = prep("\n".join(parts))
    matches = []
    rest = []
    for topic in topics:
        search = topic_search(topic.name, tuple(topic.match))
        if search.search(whole):
            sentences = [parts[0], *split_sentences(parts[1]), *split_sentences(parts[2])]
            for sentence in sentences:
                found = search.pattern.search(prep(sentence)) if sentence else None
                if found:
                    signals = {"phrase": found.group(0)}
                    matches.append(TopicMatch(topic.name, sentence.strip(), signals=signals))
                    break
        elif topic.by_meaning:
            rest.append(topic)
    if rest:
        matches += _by_meaning(item, rest)
    if not matches:
        return []
    from monitor.detect.language import language_of

    return [replace(m, lang=language_of(m.evidence)) for m in matches]


def _anchored(item: NewsItem, anchors: frozenset[str]) -> str:
    """The evidence: the first sentence of the lead that names most of the shared anchors."""
    sentences = lead_sentences(item.title, item.summary, item.text)
    return max(sentences, key=lambda s: len(anchors_of(s) & anchors)).strip()


def _by_meaning(item: NewsItem, topics: Sequence[Topic]) -> list[TopicMatch]:
    from monitor.detect.semantic import embed, heads, similarity

    lead = lead_text(item.title, item.summary, item.text)
    out = []
    for topic in topics:
        meaning = _meaning(topic.description, tuple(topic.examples))
        needed = min(ANCHORS_NEEDED, len(meaning.anchors))
        shared = meaning.shared(lead, needed)
        if len(shared) < needed:
            continue
        vector = embed(lead)
        head = heads().topics.get(topic.name)
        if head is not None:  # trained on labelled examples of this topic
            score, threshold, signal = head.probability(vector), head.threshold, "model"
        else:
            examples = _example_vectors(topic.description, tuple(topic.examples))
            score = similarity(vector, examples, heads().background)
            threshold, signal = heads().topic_threshold, "similarity"
        if score >= threshold:
            signals = {signal: round(score, 3), "anchors": sorted(shared)}
            out.append(TopicMatch(topic.name, _anchored(item, shared), signals=signals))
    return out

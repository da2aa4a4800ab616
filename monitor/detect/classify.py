"""Designation changes in a news item, in any language: rules first, then meaning.

1. The English and Russian rules (:mod:`monitor.detect.designations`) read the item. A finding
   of theirs explains itself (the verb, the clause) and is kept as it is.
2. Otherwise the cheap first stage (:mod:`monitor.detect.lexicon`) asks whether the headline and
   lede carry the designation vocabulary in any language; most items stop here.
3. An English or Russian item in which the rules saw a change verb and read it as no change (a
   call, a denial, "the ban remains"), or that names a list only in passing or as a standing
   state, stops too: the rules know those languages' grammar.
4. The rest is embedded by the sentence model; the designation head decides, the action head
   names the action, and the actor and organisation are read from the gazetteers: countries in
   ~45 languages (:mod:`monitor.detect.places`), the watched and known organisations.

Each finding carries its evidence (the sentence), its language and the signals that decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from monitor.config import Watch
from monitor.detect import lexicon
from monitor.detect.actors import find_actors, implied_actor
from monitor.detect.designations import by_rules, standing_mention
from monitor.detect.model import Designation, NewsItem
from monitor.detect.names import QUOTED_NAME, EntityMatcher, canonical_entity, matcher, watch_key
from monitor.text import lead_sentences, lead_text

RULE_LANGUAGES = ("en", "ru")


@dataclass(frozen=True)
class Question:
    """An item the sentence model is to read: its lead, language and first-stage cues."""

    lead: str
    lang: str
    families: list[str]


def detect_designations(item: NewsItem, watches: Sequence[Watch]) -> list[Designation]:
    """All designation changes the item reports, one per (actor, entity, action).

    Not filtered by watches: ``watched`` says whether a watched entity matched.
    """
    found, question = read(item, watches)
    if question is None:
        return found
    return _by_meaning(item, question, matcher(watch_key(watches)))


def read(item: NewsItem, watches: Sequence[Watch]) -> tuple[list[Designation], Question | None]:
    """Steps 1-3: what the rules found, else the question for the model (None: none to ask)."""
    from monitor.detect.language import language_of

    vetoes: list[str] = []
    found = by_rules(item, watches, vetoes)
    lead = lead_text(item.title, item.summary, item.text)
    if found:
        lang = language_of(lead)
        return [replace(d, lang=lang) for d in found], None
    first = lexicon.cues(lead)
    if not first.candidate and "ban" in first.families:  # a ban: on a known organisation?
        first = lexicon.cues(lead, known_name=bool(matcher(watch_key(watches)).find(lead)))
    if not first.candidate:
        return [], None
    lang = language_of(lead)
    if lang in RULE_LANGUAGES and (vetoes or standing_mention(item)):
        return [], None
    return [], Question(lead, lang, sorted(first.families))


def _by_meaning(item: NewsItem, question: Question, names: EntityMatcher) -> list[Designation]:
    from monitor.detect.semantic import embed, heads

    lead, lang = question.lead, question.lang
    model = heads()
    vector = embed(lead)
    score = model.designation.probability(vector)
    if score < model.designation.threshold:
        return []
    action, action_score = model.action(vector)
    evidence = _evidence(lead_sentences(item.title, item.summary, item.text))
    actor = _actor(evidence, lead)
    if actor is None:
        return []
    name, watched = _entity(names, evidence, lead)
    signals = {
        "model": round(score, 3),
        "action": round(action_score, 3),
        "cues": question.families,
    }
    return [Designation(actor, name, action, watched, evidence, lang, signals)]


def _evidence(sentences: Sequence[str]) -> str:
    """The sentence that carries the news: the first of the headline and lede with a cue."""
    for sentence in sentences:
        if lexicon.cues(sentence).families & {"terror", "proscribe", "ban"}:
            return sentence.strip()
    return sentences[0].strip() if sentences else ""


def actor_of(name: str) -> str | None:
    """The code of a designating government or body named in any language ("Kazakhstan",
    "UN Security Council (1988 Sanctions Committee)")."""
    return _actor(name, name)


def _actor(evidence: str, lead: str) -> str | None:
    """Who designates: the first country or body the evidence names (the lede if it names none),
    in any language, or its institutions ("Kremlin", «Минюст»); else the owner a list's own
    name implies ("the FTO list")."""
    from monitor.detect.places import place_positions

    for text in (evidence, lead):
        first = place_positions(text)
        for mention in find_actors(text):
            if not mention.weak and mention.start < first.get(mention.code, len(text)):
                first[mention.code] = mention.start
        if first:
            return min(first, key=first.__getitem__)
    return implied_actor(lead) or implied_actor(lead, strong=False)


def _entity(names: EntityMatcher, evidence: str, lead: str) -> tuple[str, bool]:
    """Which organisation: a watched or known one the item names, else a quoted name, else ""
    ("seven transnational criminal organisations": the report names none)."""
    for text in (evidence, lead):
        mentions = names.find(text)
        if mentions:
            return mentions[0].canonical, mentions[0].watched
    for text in (evidence, lead):
        quoted = QUOTED_NAME.search(text)
        if quoted:
            return canonical_entity(quoted.group(1)), False
    return "", False

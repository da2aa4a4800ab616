"""Designation classifier: which list changes a news item reports, read sentence by sentence.

A finding needs, in one clause of one sentence: a change verb (:mod:`cues`), a list cue, an
entity and an actor. Before reading, mentions are blanked out — «(запрещена в РФ)», "banned in
Russia", background clauses ("which had been listed since 2003", "after Kazakhstan did so") —
and a verb is dropped when its clause makes it a call, a denial, a standing state, a
consideration, a condition or history. The headline and lede are the news; the body is read only
when they report nothing, because bodies recap older changes ("Kazakhstan removed ... last year").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.config import Watch
from monitor.detect import cues, forms
from monitor.detect.actors import choose_actors, find_actors, implied_actor
from monitor.detect.model import Designation, NewsItem
from monitor.detect.names import (
    EntityMatcher,
    Mention,
    extract_names,
    matcher,
    normalise,
    watch_key,
)
from monitor.events import Action
from monitor.text import (
    LEAD_SENTENCES,
    paragraphs,
    prep,
    split_sentences,
    strip_dateline,
)

BODY_SENTENCES = 8  # how far into the body a report's news can be when the lede is silent
_I = re.IGNORECASE

_ACTIONS: dict[tuple[str, str], Action] = {
    (cues.ADD, forms.ENACTED): "added",
    (cues.ADD, forms.ANNOUNCED): "announced_addition",
    (cues.REMOVE, forms.ENACTED): "removed",
    (cues.REMOVE, forms.ANNOUNCED): "announced_removal",
    (cues.SUSPEND, forms.ENACTED): "suspended",
    (cues.SUSPEND, forms.ANNOUNCED): "announced_removal",
    (cues.AMEND, forms.ENACTED): "amended",
    (cues.AMEND, forms.ANNOUNCED): "amended",
}
_INTRINSIC = re.compile(r"proscri|de-?list|blacklist", _I)
_BAN_WORD = re.compile(r"\b(?:ban|bans|banned|banning|outlaw\w*)\b|запрет\w*", _I)
_NOT_OBJECT = re.compile(r"\b(?:from|to|for|in|at|after|with|by|в|на|из)\b|[,;]", _I)

# Mentions of a standing ban, blanked before reading: «(запрещена в РФ)», "banned in Russia",
# ", designated a terrorist group by Washington,".
_MENTIONS = re.compile(
    r"\([^()]*?(?:запрещ|признан|террорист|экстремист|banned|outlawed|proscribed|designated"
    r"|terrorist|extremist|нежелательн|иноагент|иностранн\w*\s+агент)[^()]*\)"
    r"|\b(?:banned|outlawed|prohibited)\s+in\s+(?:Russia|the\s+Russian\s+Federation)\b"
    r"|,\s+(?:(?:which|that)\s+(?:is|was|has\s+been)\s+)?(?:banned|outlawed|designated|listed"
    r"|proscribed|blacklisted)\b[^,;()]*,",
    _I,
)
# Background clauses, from their opening word to the next comma, semicolon or dash.
_SUBORDINATE = re.compile(
    r"(?:^|(?<=[,\s(]))(?:which|who|whom|whose|after|following|since|while|although|though"
    r"|whereas|when|before(?!\s+(?:Parliament|the\s+(?:House|Commons|Lords|Senate|Duma|court)))"
    r"|once|unless|until|despite|который|которая|которое|которые|которых|которым"
    r"|которой|которую|которого|после\s+того\s+как|хотя|когда|пока|поскольку|так\s+как|если"
    r"|ранее|где)\b[^,;:—–()]*",
    _I,
)
_HARD = re.compile(r";|\s[—–]\s|\s--\s")
# A trailing participle clause comments on the news: ", saying ...", ", describing ...".
_TRAILING = re.compile(
    r",\s+(?:saying|describing|adding|citing|accusing|arguing|warning|calling|noting|explaining"
    r"|according|добавив|заявив|отметив|подчеркнув|пояснив|назвав)\b[^;—–]*",
    _I,
)
_ROLE_BEFORE = re.compile(
    r"(?:\b(?:leader|chief|head|founder|member|commander|spokes\w+|deputy|official|envoy)s?\s+"
    r"(?:of|for)\s+(?:the\s+)?|\b(?:against|fight(?:ing)?(?:\s+against)?)\s+(?:the\s+)?"
    r"|борьб\w+\s+с\s+|против\s+|(?:глав\w*|лидер\w*|основател\w*|руководител\w*|член\w*"
    r"|командир\w*|представител\w*|делегаци\w*)\s+(?:[\w\-]+\s+){0,2}[«\"]?)$",
    _I,
)
_ROLE_AFTER = re.compile(
    r"^(?:'s)?\s+(?:leader|chief|spokes\w+|foreign\s+minister|minister|officials?|envoy"
    r"|ambassador|delegation|commander|co-?founder)\b",
    _I,
)


@dataclass
class _Finding:
    actors: list[str]
    entities: list[tuple[str, bool]]  # (canonical name, watched)
    action: Action
    evidence: str
    clause: str
    known: bool = True  # entities came from the gazetteer or watches, not from capitalisation
    unnamed: bool = (
        False  # "removes Taliban official from the list": a person the report won't name
    )
    verb: str = ""  # the change verb the rule read


def by_rules(item: NewsItem, watches: Sequence[Watch], vetoes: list[str]) -> list[Designation]:
    """The designation changes the English and Russian rules read in the item.

    ``vetoes`` receives the reason whenever a change verb near a list cue was read as no change
    (a call, a denial, a standing state, a consideration, a condition, history).
    """
    title = strip_dateline(paragraphs(item.title))
    summary_text = strip_dateline(paragraphs(item.summary))
    text = paragraphs(item.text)
    if not cues.has_verb(prep(f"{title}\n{summary_text}\n{text}")):
        return []  # no change verb anywhere: nothing can be a designation change
    names = matcher(watch_key(watches))
    summary = split_sentences(summary_text)
    lead = [title, *summary[:LEAD_SENTENCES]]  # some feeds put the whole article in the summary
    body = summary[LEAD_SENTENCES:] + split_sentences(strip_dateline(text))
    lead_cue = cues.has_list_cue(prep(" ".join(lead)), prep(" ".join(lead)))
    published = item.published
    findings = [f for s in lead[1:] if s for f in _read_sentence(s, names, published, vetoes)]
    findings = _read_sentence(title, names, published, vetoes, lead_cue) + findings
    if not findings:
        findings = [
            f for s in body[:BODY_SENTENCES] for f in _read_sentence(s, names, published, vetoes)
        ]
    if not findings:
        return []
    everything = prep("\n".join([*lead, *body]))
    return _merge(_complete(findings, names, prep("\n".join(lead)), everything))


def standing_mention(item: NewsItem) -> bool:
    """Does an item without a change verb name a list only in passing: in a mention or a
    background clause ("Hamas, which the EU lists as terrorist, said ..."), or as a standing
    state ("has been on the list since 2003")? Asked only of items the first stage passed."""
    whole = prep(f"{item.title}\n{paragraphs(item.summary)}\n{paragraphs(item.text)}")
    if cues.has_verb(whole):
        return False
    if _MENTIONS.search(whole):
        return True
    if any(cues.LIST_CUES.search(m.group(0)) for m in _SUBORDINATE.finditer(whole)):
        return True
    return bool(cues.STATE.search(whole) and cues.LIST_CUES.search(whole))


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _hard_clause(text: str, position: int) -> tuple[int, int]:
    """The clause around a position, split at semicolons and dashes outside «quotes»."""
    start, end = 0, len(text)
    for m in _HARD.finditer(text):
        if text.count("«", 0, m.start()) > text.count("»", 0, m.start()):
            continue
        if m.end() <= position:
            start = m.end()
        elif m.start() >= position:
            end = m.start()
            break
    return start, end


def _read_sentence(
    original: str,
    names: EntityMatcher,
    published: datetime | None,
    vetoes: list[str],
    outer_cue: bool = False,
) -> list[_Finding]:
    """Findings of one sentence; ``outer_cue``: a headline may leave the list to its lede."""
    sentence = prep(original)
    if sentence.lstrip().startswith("*"):
        vetoes.append("footnote")
        return []  # a footnote: «*Движение «Талибан» признано террористическим и запрещено в РФ»
    # mentions first: «(признана в РФ нежелательной)» beside a designation is not the news
    cleaned = _blank(sentence, _MENTIONS)
    if sentence.rstrip(" \"'»”").endswith("?") or cues.OTHER_REGISTERS.search(cleaned):
        vetoes.append("question or other register")
        return []  # a question, or a foreign-agent / undesirable / SDN register
    masked = _blank(cleaned, _SUBORDINATE)
    findings: list[_Finding] = []
    done: set[tuple[int, int]] = set()
    verbs = cues.find_verbs(masked)
    if not verbs and cues.has_verb(sentence):
        vetoes.append("background")  # "Hamas, which the EU lists as terrorist, said ..."
    for verb in verbs:
        start, end = _hard_clause(masked, verb.start)
        if (start, end) in done:
            continue
        cue = outer_cue or cues.has_list_cue(cleaned[start:end], cleaned)
        cue = cue or bool(_INTRINSIC.search(verb.word))
        if not cue:  # "will outlaw ... Hezbollah", "Taliban ban": a ban on an organisation
            cue = _bans_organisation(names, masked[start:end])
        action = _action(verb, masked, start, end, published, vetoes) if cue else None
        if action is None:
            continue
        entities, spans, known, unnamed = _entities(names, cleaned, masked, verb, start, end)
        actors = choose_actors(cleaned, (verb.start, verb.end), spans, masked)
        if not actors:
            implied = implied_actor(cleaned[start:end])
            actors = [implied] if implied else []
        findings.append(
            _Finding(
                actors, entities, action, original.strip(), cleaned[start:end], known, unnamed,
                verb.word,
            )
        )  # fmt: skip
        done.add((start, end))
    return findings


def _bans_organisation(names: EntityMatcher, clause: str) -> bool:
    """Is a ban here a ban on a known organisation ("outlaw the political wing of Lebanon's
    Hezbollah", "Taliban ban", «запрет «Талибана»»), not on people ("banned girls from school")?"""
    mentions = names.find(clause)
    for ban in _BAN_WORD.finditer(clause):
        for m in mentions:
            noun = ban.group(0).lower() in ("ban", "запрет", "запрета")
            before = clause[m.end : ban.start()]
            if noun and m.end <= ban.start() and re.fullmatch(r"(?:'s)?\s*", before):
                return True
            gap = clause[ban.end() : m.start]
            if m.start >= ban.end() and len(gap) <= 40 and not _NOT_OBJECT.search(gap):
                return True
    return False


def _is_history(local: str, published: datetime | None) -> bool:
    """Background: "since 2003", "years ago", «ранее», or a year or month before publication."""
    if cues.BACKGROUND.search(local):
        return True
    if published is None:
        return False
    if any(int(y) < published.year for y in cues.YEAR.findall(local)):
        return True
    return any(cues.month_number(m) < published.month for m in cues.MONTH.finditer(local))


_CONTEXTS = {
    "call": cues.CALL,
    "denial": cues.DENIAL,
    "state": cues.STATE,
    "consider": cues.CONSIDER,
    "condition": cues.CONDITION,
}


def _action(
    verb: cues.Verb,
    masked: str,
    start: int,
    end: int,
    published: datetime | None,
    vetoes: list[str],
) -> Action | None:
    """The action a verb reports in its clause, or None when the clause makes it no change."""
    window = masked[start : verb.start]
    comma = masked.find(",", verb.end, end)
    after = masked[verb.end : comma if comma != -1 else end]
    for name, context in _CONTEXTS.items():
        if context.search(window):
            vetoes.append(name)
            return None
    scopes = list(cues.NEGATION_SCOPE.finditer(window))
    if cues.NEGATION.search(window[scopes[-1].end() if scopes else 0 :]):
        vetoes.append("negation")
        return None
    if _is_history(f"{window} {after}", published):
        vetoes.append("history")
        return None
    form = forms.verb_form(verb, masked[start:end], verb.start - start)
    if form == forms.NOUN:
        form = forms.noun_form(window, masked[verb.end : end])
    if form not in (forms.ENACTED, forms.ANNOUNCED):
        return None
    return _ACTIONS[(verb.direction, form)]


def _entities(
    names: EntityMatcher, cleaned: str, masked: str, verb: cues.Verb, start: int, end: int
) -> tuple[list[tuple[str, bool]], list[tuple[int, int]], bool, bool]:
    """Who is (de)listed: known names in the clause, else names in the verb's object slot.

    Returns (entities, their spans, from the gazetteer?, only a member of a group named?)."""
    regimes = [m.span() for m in cues.REGIME.finditer(cleaned)]
    regimes += [m.span() for m in _TRAILING.finditer(cleaned, start, end) if m.start() > verb.end]
    mentions: list[Mention] = []
    roles: list[tuple[int, int]] = []  # "Taliban official": not the one listed, nor a name to guess
    for m in names.find(cleaned):
        if not (start <= m.start < end) or not masked[m.start : m.end].strip():
            continue
        if any(s <= m.start < e for s, e in regimes):
            continue
        if _ROLE_BEFORE.search(cleaned[max(0, m.start - 40) : m.start]) or _ROLE_AFTER.match(
            cleaned[m.end : m.end + 30]
        ):
            roles.append((m.start, m.end))
            continue
        mentions.append(m)
    if mentions:
        entities = list(dict.fromkeys((m.canonical, m.watched) for m in mentions))
        return entities, [(m.start, m.end) for m in mentions], True, False
    actor_spans = [(a.start, a.end) for a in find_actors(cleaned)]
    found = extract_names(masked, verb.start, verb.end, start, end, actor_spans, roles)
    entities = [(name, False) for name, _, _ in found]
    return entities, [(s, e) for _, s, e in found], False, bool(roles and not found)


def _complete(
    findings: list[_Finding], names: EntityMatcher, lead: str, everything: str
) -> list[_Finding]:
    """Fill an actor or entity a sentence left out from the rest of the item, or drop it."""
    complete = [f for f in findings if f.actors and f.entities]
    out: list[_Finding] = []
    for f in findings:
        if not f.known and any(c.known and c.action == f.action for c in complete):
            continue  # "bans Facebook, Instagram" beside "recognised Meta as extremist"
        if not f.entities:
            if f.unnamed:
                continue
            if any(set(c.actors) & set(f.actors) or not f.actors for c in complete):
                continue
            top = Counter((m.canonical, m.watched) for m in names.find(everything)).most_common(2)
            if not top or (len(top) > 1 and top[0][1] == top[1][1]):
                continue
            f.entities = [top[0][0]]
        if not f.actors:
            spans = [(m.start, m.end) for m in names.find(lead)]
            actors = choose_actors(lead, (len(lead), len(lead)), spans, lead)
            # a group named after its country is that country's to ban: "Tehreek-e-Labbaik
            # Pakistan", "Popular Front of India"
            home = [a.code for name, _ in f.entities for a in find_actors(name) if not a.weak]
            implied = implied_actor(f.clause, strong=False)
            f.actors = actors[:1] or home[:1] or ([implied] if implied else [])
            if not f.actors:
                continue
        out.append(f)
    return out


def _merge(findings: list[_Finding]) -> list[Designation]:
    """One designation per (actor, entity, action); an enacted change hides its announcement."""
    rows: dict[tuple[str, str, str], Designation] = {}
    for f in findings:
        for actor in f.actors:
            for entity, watched in f.entities:
                key = (actor, normalise(entity), f.action)
                if key not in rows:
                    signals = {"rule": f.verb}
                    rows[key] = Designation(actor, entity, f.action, watched, f.evidence,
                                            signals=signals)  # fmt: skip
    present = set(rows)
    hidden = {"announced_removal": ("removed", "suspended"), "announced_addition": ("added",)}
    hidden["removed"] = ("suspended",)
    return [
        d
        for (actor, entity, action), d in rows.items()
        if not any((actor, entity, other) in present for other in hidden.get(action, ()))
    ]

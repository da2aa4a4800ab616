"""Entity resolution: which list entries and news reports are one organisation, and why.

A pure function of the mentions and the ``[[entity]]`` rules, so ``replay`` rebuilds it and a
changed rule changes it without touching a fact. Links are proposed by evidence, strongest
first, and accepted one by one (union-find) unless they would join what must stay apart:

1. ``[[entity]]``: its name, aliases and ``same_as`` (names or member refs) join it; its
   ``not_same_as`` never does, whatever else links it; two ``[[entity]]`` are never one.
2. A shared identifier ("un:QDe.004" on the UN, UK and EU records; "ofac:6366").
3. Equal name keys (:func:`~monitor.entities.names.name_key`), primary names before aliases.
4. Spelling variants: the same consonants with vowels in the same places
   (:func:`~monitor.entities.names.shape`), scored by rapidfuzz.

Names link organisations (and entries whose kind is unknown) only: people and ships share
names too often, so they merge by identifier or by a rule. A name that one list gives to two of
its entries (Ansar al-Sharia in Benghazi, Derna and Tunisia are each "Supporters of Islamic
Law") identifies none of them, and two records that carry different identifiers of one scheme
(two UN references) are never merged by name. The result does not depend on input order.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import Literal

from rapidfuzz import fuzz

from monitor.config import ENTITY_REF, EntityRule
from monitor.detect.listed import display_name
from monitor.detect.names import slug
from monitor.entities.mentions import NEWS, Mention
from monitor.entities.names import digits, letters, loose, name_key, shape, variants

__all__ = ["Entity", "EntityRule", "Link", "LinkKind", "Resolution", "resolve"]

# A key shorter than this never links by itself: acronyms ("ASC", "LH", "HTS") name different
# bodies on different lists.
MIN_LETTERS = 4
# A one-word key links only from this length ("HAMAS" does; "ETIM", "ISIS" need a rule).
MIN_ONE_WORD = 5
# Spelling variants: both loose keys at least this long, and rapidfuzz's ratio of the two at
# least this (the shape already demands the same consonants; this bounds how far the vowels
# may drift: "Hizballah"/"Hezbollah" score 71, "Hamas"/"Humus" 60).
MIN_FUZZY_LETTERS = 6
MIN_FUZZY_RATIO = 70.0
# Past this many distinct keys one shape or one name is a common phrase, not a name.
MAX_GROUP = 40

LinkKind = Literal["rule", "identifier", "name", "variant"]
# The strength of a proposed link: links are accepted strongest first.
_RULE, _IDENTIFIER, _PRIMARY, _PRIMARY_ALIAS, _ALIAS, _VARIANT = range(6)
_KIND_OF_RANK: dict[int, LinkKind] = {
    _RULE: "rule",
    _IDENTIFIER: "identifier",
    _PRIMARY: "name",
    _PRIMARY_ALIAS: "name",
    _ALIAS: "name",
    _VARIANT: "variant",
}
_NAME_LINKS = frozenset({"organisation", "unknown"})
_VOWEL_RUNS = re.compile(r"[aeiou]+")
_SCHEMES = {
    "un": "UN reference",
    "un-dataid": "UN DATAID",
    "ofac": "OFAC uid",
    "uk": "UK sanctions list id",
    "eu": "EU reference",
}


@dataclass(frozen=True)
class Link:
    """Why two members (or a member and an ``[[entity]]``) are one entity, in plain words; its
    kind says which evidence: a rule, an identifier, equal names, spellings of one name."""

    a: str
    b: str
    why: str
    kind: LinkKind = "name"


@dataclass(frozen=True)
class Entity:
    """One organisation (or person) as every list and story that names it; ``id`` is the slug
    of an ``[[entity]]``'s name, else of the name plus a hash of its first member."""

    id: str
    name: str
    members: tuple[str, ...]  # mention refs, sorted
    names: tuple[str, ...]  # the canonical name first, then every other name, one per key
    links: tuple[Link, ...]  # the links that made it one, sorted


@dataclass
class Resolution:
    """The entities, with look-ups by member and by name, and the links that were refused."""

    entities: tuple[Entity, ...]
    apart: tuple[Link, ...] = ()  # proposed links that a rule or an identifier kept apart
    _by_ref: dict[str, Entity] = field(init=False, repr=False, compare=False)
    # by name key and by shape: built on the first find, which most resolutions never see
    _by_key: dict[str, list[Entity]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _by_shape: dict[str, list[tuple[str, Entity]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._by_ref = {ref: entity for entity in self.entities for ref in entity.members}

    def of(self, ref: str) -> Entity | None:
        """The entity a member ("source:key", "news:key") belongs to."""
        return self._by_ref.get(ref)

    def find(self, name: str) -> list[Entity]:
        """The entities that have this name or alias (in any script), most members first; when
        none has it exactly, those that have a spelling variant of it."""
        by_key = self._names()
        key = name_key(name)
        found = list(by_key.get(key, ()))
        if not found and key:
            found = [
                entity
                for other, entity in self._by_shape.get(shape(loose(key)), ())
                if _variant(key, other) is not None
            ]
        unique = {e.id: e for e in found}
        return sorted(unique.values(), key=lambda e: (-len(e.members), e.id))

    def _names(self) -> dict[str, list[Entity]]:
        if self._by_key is None:
            self._by_key = {}
            for entity in self.entities:
                for text in entity.names:
                    key = name_key(text)
                    if key and entity not in self._by_key.setdefault(key, []):
                        self._by_key[key].append(entity)
                        self._by_shape.setdefault(shape(loose(key)), []).append((key, entity))
        return self._by_key

    def explain(self, a: str, b: str) -> tuple[Link, ...]:
        """The chain of links that makes ``a`` and ``b`` one entity; () when they are not."""
        entity = self.of(a)
        if entity is None or entity is not self.of(b):
            return ()
        graph: dict[str, list[tuple[str, Link]]] = defaultdict(list)
        for link in entity.links:
            graph[link.a].append((link.b, link))
            graph[link.b].append((link.a, link))
        paths: dict[str, tuple[Link, ...]] = {a: ()}
        todo = [a]
        while todo:
            here = todo.pop(0)
            for there, link in sorted(graph[here], key=lambda x: x[0]):
                if there not in paths:
                    paths[there] = (*paths[here], link)
                    todo.append(there)
        return paths.get(b, ())


@dataclass(frozen=True)
class _Rule:
    """One ``[[entity]]`` (several with one name key are read as one)."""

    label: str  # "[[entity]] Taliban": its node in the links
    name: str
    aliases: tuple[str, ...]
    same_as: tuple[str, ...]
    not_same_as: tuple[str, ...]


@dataclass(frozen=True)
class _Candidate:
    rank: int
    score: float
    a: int
    b: int
    why: str


class _Clusters:
    """Union-find over nodes, refusing unions that would join what must stay apart."""

    def __init__(self, nodes: Sequence[str], ids: Sequence[Iterable[str]]) -> None:
        self.parent = list(range(len(nodes)))
        self.members: list[set[int]] = [{i} for i in range(len(nodes))]
        self.forbidden: list[dict[int, str]] = [{} for _ in nodes]
        self.ids: list[dict[str, set[str]]] = []
        for values in ids:
            by_scheme: dict[str, set[str]] = defaultdict(set)
            for value in values:
                scheme, _, rest = value.partition(":")
                by_scheme[scheme].add(rest)
            self.ids.append(by_scheme)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def forbid(self, a: int, b: int, why: str) -> None:
        self.forbidden[a].setdefault(b, why)
        self.forbidden[b].setdefault(a, why)

    def refusal(self, ra: int, rb: int, by_name: bool) -> str | None:
        """Why the clusters of roots ra and rb may not be one, or None."""
        small, large = sorted((ra, rb), key=lambda r: len(self.members[r]))
        for node in sorted(self.members[small]):
            for other, why in sorted(self.forbidden[node].items()):
                if other in self.members[large]:
                    return why
        if by_name:
            for scheme in sorted(set(self.ids[ra]) & set(self.ids[rb])):
                mine, theirs = self.ids[ra][scheme], self.ids[rb][scheme]
                if not mine & theirs:
                    label = _SCHEMES.get(scheme, f"{scheme} identifier")
                    first, second = sorted((min(mine), min(theirs)))
                    return f"different {label}s {first} and {second}"
        return None

    def union(self, ra: int, rb: int) -> None:
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] |= self.members[rb]
        self.members[rb] = set()
        for scheme, values in self.ids[rb].items():
            self.ids[ra].setdefault(scheme, set()).update(values)
        self.ids[rb] = {}


def resolve(mentions: Iterable[Mention], rules: Sequence[EntityRule] = ()) -> Resolution:
    """Resolve mentions into entities under the ``[[entity]]`` rules; the same mentions (in any
    order) and rules give the same resolution."""
    merged = _merge(mentions)
    rule_list = _rules(rules)
    refs = [m.ref for m in merged] + [r.label for r in rule_list]
    anchor = len(merged)  # rule i is node anchor + i
    clusters = _Clusters(refs, [m.identifiers for m in merged] + [() for _ in rule_list])
    names = _NameIndex(merged)

    candidates: list[_Candidate] = []
    candidates += _rule_links(merged, rule_list, anchor, names, clusters)
    candidates += _identifier_links(merged)
    candidates += _name_links(merged, names)
    candidates.sort(key=lambda c: (c.rank, -c.score, refs[c.a], refs[c.b], c.why))

    accepted: list[Link] = []
    apart: dict[tuple[str, str], Link] = {}
    for c in candidates:
        ra, rb = clusters.find(c.a), clusters.find(c.b)
        if ra == rb:
            continue
        link = Link(refs[c.a], refs[c.b], c.why, _KIND_OF_RANK[c.rank])
        refused = clusters.refusal(ra, rb, by_name=c.rank > _IDENTIFIER)
        if refused is not None:
            why = f"{c.why}; kept apart: {refused}"
            apart.setdefault((link.a, link.b), Link(link.a, link.b, why, link.kind))
            continue
        clusters.union(ra, rb)
        accepted.append(link)
    return _build(merged, rule_list, anchor, clusters, accepted, list(apart.values()))


# --- the parts of resolve ----------------------------------------------------------------------


def _merge(mentions: Iterable[Mention]) -> list[Mention]:
    """One mention per ref, sorted by ref; several mentions of one ref (versions of an entry)
    pool their names and identifiers in an order that does not depend on the input's."""
    by_ref: dict[str, list[Mention]] = defaultdict(list)
    for mention in mentions:
        by_ref[mention.ref].append(mention)
    merged = []
    for ref in sorted(by_ref):
        group = sorted(by_ref[ref], key=lambda m: (m.names, m.identifiers, m.kind, m.source or ""))
        if len(group) == 1:
            merged.append(group[0])
            continue
        kinds = [m.kind for m in group if m.kind != "unknown"]
        merged.append(
            Mention(
                ref=ref,
                names=tuple(dict.fromkeys(n for m in group for n in m.names)),
                identifiers=tuple(sorted({i for m in group for i in m.identifiers})),
                kind=kinds[0] if kinds else "unknown",
                source=group[0].source,
            )
        )
    return merged


def _rules(rules: Sequence[EntityRule]) -> list[_Rule]:
    """The rules, those with one name key read as one (an ``[[entity]]`` and a ``[[watch]]``
    of one organisation), the first one's name kept."""
    grouped: dict[str, list[EntityRule]] = {}
    for rule in rules:
        grouped.setdefault(name_key(rule.name) or rule.name.casefold(), []).append(rule)
    out = []
    for group in grouped.values():
        first = group[0]
        out.append(
            _Rule(
                label=f"[[entity]] {first.name}",
                name=first.name,
                aliases=tuple(dict.fromkeys(a for r in group for a in (r.name, *r.aliases))),
                same_as=tuple(dict.fromkeys(a for r in group for a in r.same_as)),
                not_same_as=tuple(dict.fromkeys(a for r in group for a in r.not_same_as)),
            )
        )
    return out


@lru_cache(maxsize=65536)
def _keys_of(name: str) -> tuple[tuple[str, str], ...]:
    """(variant, key) for each name packed in a name field, keys unique."""
    found: dict[str, str] = {}
    for variant in variants(name):
        key = name_key(variant)
        if key:
            found.setdefault(key, variant)
    return tuple((variant, key) for key, variant in found.items())


class _NameIndex:
    """Every name key of every mention: who carries it, as written, and whether as a primary."""

    def __init__(self, mentions: Sequence[Mention]) -> None:
        self.carriers: dict[str, dict[int, tuple[str, bool]]] = defaultdict(dict)
        for node, mention in enumerate(mentions):
            for position, name in enumerate(mention.names):
                for variant, key in _keys_of(name):
                    known = self.carriers[key].get(node)
                    if known is None or (position == 0 and not known[1]):
                        self.carriers[key][node] = (variant, position == 0)
        # A key that one list gives to two of its entries names neither.
        self.ambiguous: set[str] = set()
        for key, carriers in self.carriers.items():
            sources = [
                mentions[n].source
                for n in carriers
                if mentions[n].source is not None and mentions[n].kind in _NAME_LINKS
            ]
            if len(sources) != len(set(sources)):
                self.ambiguous.add(key)


def _rule_links(
    mentions: Sequence[Mention],
    rules: Sequence[_Rule],
    anchor: int,
    names: _NameIndex,
    clusters: _Clusters,
) -> Iterator[_Candidate]:
    """Links to each ``[[entity]]`` from the members its names and same_as name; its
    not_same_as and the other rules become what it may never be joined with."""
    by_ref = {m.ref: i for i, m in enumerate(mentions)}
    sources = {m.source for m in mentions if m.source} | {NEWS}
    for i, rule in enumerate(rules):
        node = anchor + i
        for j in range(i):
            clusters.forbid(node, anchor + j, f"{rule.label} and {rules[j].label} are two entities")
        for item in rule.not_same_as:
            for member, _ in _named(item, by_ref, sources, names):
                clusters.forbid(node, member, f"{rule.label}: not_same_as {item}")
        for alias in rule.aliases:
            for member, written in _named(alias, by_ref, sources, names):
                yield _Candidate(
                    _RULE, 0.0, member, node, f"{rule.label}: «{written}» is one of its names"
                )
        for item in rule.same_as:
            for member, _ in _named(item, by_ref, sources, names):
                yield _Candidate(_RULE, 0.0, member, node, f"{rule.label}: same_as {item}")


def _named(
    item: str, by_ref: dict[str, int], sources: set[str], names: _NameIndex
) -> list[tuple[int, str]]:
    """The members an item of a rule names, with the name as the member writes it: a member
    ref ("source:key", "news:Name"), else every member that carries the name's key."""
    ref = ENTITY_REF.match(item)
    if ref and ref[1] in sources:
        wanted = f"{NEWS}:{name_key(ref[2])}" if ref[1] == NEWS else item
        return [(by_ref[wanted], item)] if wanted in by_ref else []
    found: dict[int, str] = {}
    for _, key in _keys_of(item):
        for member, (written, _) in sorted(names.carriers.get(key, {}).items()):
            found.setdefault(member, written)
    return sorted(found.items())


def _identifier_links(mentions: Sequence[Mention]) -> Iterator[_Candidate]:
    """Members that carry one identifier: each linked to the first of them."""
    carriers: dict[str, list[int]] = defaultdict(list)
    for node, mention in enumerate(mentions):
        for ident in mention.identifiers:
            carriers[ident].append(node)
    for ident, nodes in sorted(carriers.items()):
        scheme, _, value = ident.partition(":")
        why = f"share the {_SCHEMES.get(scheme, f'{scheme} identifier')} {value}"
        for other in nodes[1:]:
            yield _Candidate(_IDENTIFIER, 0.0, nodes[0], other, why)


def _linkable(key: str) -> bool:
    """Whether a key is long enough to say who it names."""
    return letters(key) >= (MIN_ONE_WORD if " " not in key else MIN_LETTERS)


def _name_links(mentions: Sequence[Mention], names: _NameIndex) -> Iterator[_Candidate]:
    """Organisations that share a name key, or carry spellings of one name."""
    usable: dict[str, list[tuple[int, str, bool]]] = {}
    for key, carriers in names.carriers.items():
        if key in names.ambiguous or not _linkable(key):
            continue
        who = [
            (n, w, p) for n, (w, p) in sorted(carriers.items()) if mentions[n].kind in _NAME_LINKS
        ]
        if who:
            usable[key] = who
    for key, who in sorted(usable.items()):
        if len(who) > MAX_GROUP:
            continue
        for (a, wa, pa), (b, wb, pb) in combinations(who, 2):
            rank = _PRIMARY if pa and pb else _PRIMARY_ALIAS if pa or pb else _ALIAS
            yield _Candidate(rank, 100.0, a, b, f"names «{wa}» and «{wb}» agree ({key})")
    by_shape: dict[str, list[str]] = defaultdict(list)
    for key in sorted(usable):
        near = loose(key)
        if letters(near) >= MIN_FUZZY_LETTERS:
            by_shape[shape(near)].append(key)
    for keys in by_shape.values():
        if len(keys) < 2 or len(keys) > MAX_GROUP:
            continue
        for ka, kb in combinations(keys, 2):
            score = _variant(ka, kb)
            if score is None:
                continue
            for (a, wa, _), (b, wb, _) in ((x, y) for x in usable[ka] for y in usable[kb]):
                if a != b:
                    why = (
                        f"names «{wa}» and «{wb}» are spellings of one name "
                        f"(rapidfuzz ratio {score:.0f})"
                    )
                    yield _Candidate(_VARIANT, score, min(a, b), max(a, b), why)


def _variant(ka: str, kb: str) -> float | None:
    """rapidfuzz's ratio of two name keys when they are spellings of one name, else None.

    One shape (the same consonants, vowels in the same places), the same numbers ("Holdings
    II" is not "Holdings III") and, word by word: a word of under five letters spelled alike
    ("Kodo-kai" is not "Kudo-kai"), vowel groups of the same length ("Siratel" is not
    "Syriatel"), and one group changed in a word of under seven letters, two in a longer one
    ("Hizballah" and "Hezbollah" are one name)."""
    a, b = loose(ka), loose(kb)
    if min(letters(a), letters(b)) < MIN_FUZZY_LETTERS or shape(a) != shape(b):
        return None
    if digits(ka) != digits(kb):
        return None
    for wa, wb in zip(a.split(), b.split(), strict=True):
        if wa == wb:
            continue
        if min(len(wa), len(wb)) < 5:
            return None
        runs = list(zip(_VOWEL_RUNS.findall(wa), _VOWEL_RUNS.findall(wb), strict=True))
        if any(len(x) != len(y) for x, y in runs):
            return None
        if sum(x != y for x, y in runs) > (1 if len(wa) < 7 else 2):
            return None
    score = fuzz.ratio(a, b)
    return score if score >= MIN_FUZZY_RATIO else None


def _build(
    mentions: Sequence[Mention],
    rules: Sequence[_Rule],
    anchor: int,
    clusters: _Clusters,
    accepted: Sequence[Link],
    apart: Sequence[Link],
) -> Resolution:
    """The entities of the clusters that hold a mention: name, id, members, names and links."""
    groups: dict[int, list[int]] = defaultdict(list)
    for node in range(anchor + len(rules)):
        groups[clusters.find(node)].append(node)
    links_of: dict[int, list[Link]] = defaultdict(list)
    node_of = {m.ref: i for i, m in enumerate(mentions)} | {
        r.label: anchor + i for i, r in enumerate(rules)
    }
    for link in accepted:
        links_of[clusters.find(node_of[link.a])].append(link)
    entities: list[Entity] = []
    used_ids: set[str] = set()
    for root, nodes in groups.items():
        members = [n for n in nodes if n < anchor]
        if not members:
            continue
        rule = next((rules[n - anchor] for n in nodes if n >= anchor), None)
        refs = sorted(mentions[n].ref for n in members)
        name = rule.name if rule else _canonical([mentions[n] for n in members])
        entity_id = slug(name) if rule else f"{slug(name)}-{_short_hash(refs[0])}"
        if entity_id in used_ids:
            entity_id = f"{entity_id}-{_short_hash(refs[0] + entity_id)}"
        used_ids.add(entity_id)
        shown: dict[str, str] = {}
        for text in (name, *(rule.aliases if rule else ())):
            shown.setdefault(name_key(text) or text, text)
        for n in sorted(members, key=lambda n: mentions[n].ref):
            for name_ in mentions[n].names:
                for variant, key in _keys_of(name_):
                    shown.setdefault(key, variant)
        entities.append(
            Entity(
                id=entity_id,
                name=name,
                members=tuple(refs),
                names=tuple(shown.values()),
                links=tuple(sorted(links_of[root], key=lambda k: (k.a, k.b, k.why))),
            )
        )
    entities.sort(key=lambda e: e.id)
    return Resolution(tuple(entities), tuple(sorted(apart, key=lambda k: (k.a, k.b))))


def _canonical(members: Sequence[Mention]) -> str:
    """The name most of a group's lists give it (news only when no list names it), written
    as a reader expects: mixed case over capitals, Latin letters over other scripts."""
    listed = [m for m in members if m.source is not None] or list(members)
    primaries = [m.names[0] for m in listed if m.names] or [members[0].ref]
    counts: dict[str, int] = defaultdict(int)
    for name in primaries:
        counts[name_key(name)] += 1
    best = max(counts.values())
    choices = [n for n in primaries if counts[name_key(n)] == best]
    chosen = min(choices, key=lambda n: (not n.isascii(), _acronym(n), n.isupper(), len(n), n))
    return display_name(chosen)


def _acronym(name: str) -> bool:
    """An acronym ("ADF", "HTS"): a reader would rather see the name spelled out, if a list
    spells it."""
    return len(name) <= 5 and " " not in name.strip()


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]

"""The names on the lists the monitor follows, as a gazetteer for the news.

A report about an organisation that no watch and no built-in name covers is still named as a
followed list names it: by the entry's name or any of its aliases, in any script the list
carries (the UN and EU lists give Arabic, Cyrillic and Latin forms). The names come from the
current entries (the ``list_entries`` projection), so the gazetteer grows and shrinks with the
lists themselves.

Matching is exact after folding (case, accents, quotes): a list's name in the nominative is not
found in a Russian report that declines it, and a name is never guessed from a near spelling;
entity resolution across lists is a later projection's job. Names that would match common text
are left out: aliases under four letters, and individuals' names of a single word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from monitor.detect.lexicon import Vocabulary, fold
from monitor.detect.model import Designation
from monitor.text import prep

MIN_LETTERS = 4
_SPACE = re.compile(r"\s+")
_WORDS = re.compile(r"\w+")
_CAPITAL = re.compile(r"\w[\w'’]*")
_SMALL = re.compile(r"\b(?:Of|The|And|In|For|On|At|To)\b")
_PERSON = re.compile(r"individual|person", re.IGNORECASE)


def _folded(name: str) -> str:
    folded = _SPACE.sub(" ", fold(prep(name))).strip(" .,;:'\"«»“”")
    return folded.removeprefix("the ")


def _values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return []


def display_name(name: str) -> str:
    """A list's name as a reader sees it: "AL-QAIDA" → "Al-Qaida", "EASTERN TURKISTAN ISLAMIC
    MOVEMENT (ETIM)" → "Eastern Turkistan Islamic Movement (ETIM)"; other casing is kept."""
    name = _SPACE.sub(" ", name).strip()
    if not name.isupper() or len(name) <= 5:
        return name
    words, cut, rest = name.partition("(")
    capitalised = _CAPITAL.sub(lambda m: m.group(0).capitalize(), words)
    small = _SMALL.sub(lambda m: m.group(0).lower(), capitalised[1:])
    return capitalised[:1] + small + cut + rest


class ListedNames:
    """Entries' names and aliases → the entry's name, found in text word by word."""

    def __init__(self, entries: Iterable[Mapping[str, Any]]) -> None:
        self.names: dict[str, str] = {}  # folded alias -> the list's name; the first list wins
        for entry in entries:
            names = _values(entry.get("name")) or _values(entry.get("key"))
            if not names:
                continue
            name = display_name(names[0])
            person = any(_PERSON.search(t) for t in _values(entry.get("type")))
            for alias in [*names, *_values(entry.get("aliases"))]:
                folded = _folded(alias)
                words = _WORDS.findall(folded)
                if sum(len(w) for w in words) < MIN_LETTERS or (person and len(words) < 2):
                    continue
                self.names.setdefault(folded, name)
        single = {a: n for a, n in self.names.items() if a.isalnum()}
        several = {a: n for a, n in self.names.items() if len(_WORDS.findall(a)) > 1}
        self._vocabulary = Vocabulary({}, single, several)

    def __len__(self) -> int:
        return len(self.names)

    def find(self, text: str) -> list[str]:
        """The listed names ``text`` mentions, in the order it first mentions them."""
        if not self.names:
            return []
        first = self._vocabulary.positions(_folded(text))
        return sorted(first, key=first.__getitem__)

    def canonical(self, name: str) -> str | None:
        """The list's name when the whole of ``name`` is one of its names or aliases."""
        return self.names.get(_folded(name))


def name_from_lists(found: Designation, listed: ListedNames, known: bool) -> Designation:
    """The designation with its organisation named as a followed list names it, unless the
    watches or built-in names already named it (``known``). An organisation the report left
    unnamed is looked for in the evidence."""
    if known or not listed.names:
        return found
    name = listed.canonical(found.entity) if found.entity else None
    if name is None and not found.entity:
        mentioned = listed.find(found.evidence)
        name = mentioned[0] if mentioned else None
    if name is None or name == found.entity:
        return found
    return replace(found, entity=name, signals={**found.signals, "listed": name})

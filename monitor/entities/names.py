"""Names of organisations as comparison keys, in any script: what entity resolution compares.

Three levels, each looser than the last, and each used for a weaker kind of link:

- :func:`name_key`: the name in Latin letters (``anyascii`` transliterates Cyrillic, Arabic,
  Greek, ...), case-folded, without quotes, punctuation, function words or a generic type word
  ("Движение «Талибан»" and "Taliban" are both ``taliban``). Equal keys are the same name.
- :func:`loose`: the key with transliteration habits folded (kh/h, q/k, dzh/j, doubled letters,
  the article al-/ash-/ul-/-e-), so "Hay'at Tahrir ash-Sham" and "Khayyat Takhrir al-Sham" agree.
- :func:`shape`: the loose key with its vowels blanked. Transliterations of one Arabic, Persian
  or Pashto name differ mostly in vowels, which those scripts do not write, so two spellings of
  one name share a shape; rapidfuzz then says how close the vowels are (resolve.py).

:func:`variants` splits what lists pack into one name field: "X (ABC)", "X / ABC", "A ; B", and
the quoted names of the Russian lists ('"База" ("Аль-Каида")').
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from anyascii import anyascii

from monitor.detect.names import normalise
from monitor.text import prep

# Apostrophes inside a word are dropped, not spaced: "Qa'ida" is "Qaida", "Hay'at" is "Hayat".
_APOSTROPHES = re.compile(r"(?<=\w)['’ʼʻ`´](?=\w)")
_QUOTE_MARKS = str.maketrans(dict.fromkeys("«»“”„", '"'))
_NOT_WORD = re.compile(r"[^a-z0-9]+")
# Words that only bind a name together; "Islamic State of Iraq" and "Islamic State in Iraq"
# are one name. Arabic articles and connectors (al-, ul-, -e-) are kept here: "Al-Jihad" is
# not "Jihad"; :func:`loose` folds them.
_FUNCTION_WORDS = frozenset({"the", "of", "in", "and", "for", "a", "an", "on", "at", "to"})
# Type words that say what kind of body a name is, not which: the FSB list calls the Taliban
# «Движение «Талибан»» ("the Taliban movement"), the news says "the Taliban", and Russian lists
# put "Террористическое сообщество" or "Общественная организация" before a quoted name.
# Russian words are matched by their transliterated stem (any case ending). Dropped only where
# each language puts them, never inside a name ("Islamic Movement of Uzbekistan" keeps it).
_GENERIC = frozenset({"movement", "organisation", "organization", "group"})
_GENERIC_RU = (
    "dvizheni", "organizats", "grupp", "soobshchestv", "obedineni", "terroristichesk",
    "obshchestvenn", "voenizirovann", "nezaregistrirovann", "mezhdunarodn", "ekstremistsk",
)  # fmt: skip
# Words too common to name anyone alone: a type word is kept when only these would remain
# ("Islamic Group", "Jihad Group" and «Исламская группа» stay whole: lists use each of them for
# more than one organisation).
_WEAK = frozenset({
    "al", "islamic", "islam", "islami", "islamist", "muslim", "jihad", "jihadi", "holy",
    "national", "international", "popular", "people", "peoples", "democratic", "liberation",
    "revolutionary", "army", "front", "party", "armed", "resistance", "union", "united",
    "world", "new", "free", "sacred", "terrorist", "militant", "radical", "youth", "base",
})  # fmt: skip
_WEAK_RU = (
    "islamsk", "dzhikhad", "narodn", "natsional", "osvoboditeln", "revoliutsion", "russk",
    "ukrainsk", "sviashchenn", "musulm", "pravoslavn", "voysk", "armi", "front", "parti",
)  # fmt: skip
# Letters and groups that transliterations of one name spell differently; longest first.
_FOLDS = (
    ("shch", "sh"), ("dzh", "j"), ("zh", "j"), ("kh", "h"), ("gh", "g"), ("ph", "f"),
    ("ck", "k"), ("q", "k"), ("ou", "u"), ("oo", "u"), ("ee", "i"), ("ij", "i"), ("y", "i"),
    ("w", "u"), ("c", "k"), ("x", "ks"),
)  # fmt: skip
# Arabic articles and Persian/Urdu connectors as lists spell them: "ash-Sham" is "al-Sham",
# "Hizb ut-Tahrir" is "Hizb al-Tahrir", "Lashkar-e-Taiba" is "Lashkar-i-Taiba".
ARTICLES = frozenset({
    "al", "el", "il", "ul", "ud", "ut", "us", "ush", "ash", "as", "at", "ad", "an", "ar", "az",
    "ath", "adh", "ed", "es", "e", "i", "u",
})  # fmt: skip
_DOUBLED = re.compile(r"([a-z])\1+")
_FINAL_H = re.compile(r"(?<=[aeiou])h\b")
_VOWELS = re.compile(r"[aeiou]+")
_NUMBERS = re.compile(r"\b(?:\d+|[ivx]{2,5})\b")  # 313, and roman numerals (II, III, IV)

# Brackets and separators inside a list's name field.
_QUOTED = re.compile(r"[\"«“„]([^\s\"«»“”„][^\"«»“”„]{0,118}[^\s\"«»“”„])[\"»”“]")
_QUOTES = '"«»“”„'
_BRACKETED = re.compile(r"[\"«»“”„()\[\]]")
_LATIN = re.compile(r"[A-Za-z]")
# "другие названия: ...", "formerly: ...": a label before the names a bracket holds.
_LABEL = re.compile(r"^[^:\"«“„()]{3,50}:\s+")
# An acronym in brackets: "(TTP)", "(JuA)", "(ISIL-K)", "(LRM/A)"; a capitalised word of five
# letters or more ("(PAKISTAN)", "(KENYA)") is a qualifier, not an acronym.
_ACRONYM = re.compile(r"^(?:[A-Z]{2,4}|(?=(?:[^A-Z]*[A-Z]){2})(?=.*[^A-Z])[A-Za-z0-9./&-]{2,12})$")
_PARTS = re.compile(r"\s+/\s+|\s*;\s*")
# Bracketed remarks that are not names: the UN's "(original script)" and "(sub-unit name)".
_REMARK = re.compile(r"^(?:original script|sub-unit name|sub-unit)$", re.IGNORECASE)


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """The script-independent comparison key of a name: Latin letters and digits, lower case,
    words separated by one space ("" when nothing is left)."""
    text = _APOSTROPHES.sub("", prep(name).translate(_QUOTE_MARKS))
    # Transliterated first, so that the detector's own normalisation (case, quotes, brackets,
    # hyphens, a possessive 's, Taleban → Taliban, a leading "the") sees Latin letters only and
    # leaves the words whole: its Russian stemming would cut "Каида" to "Каид".
    text = normalise(anyascii(text).replace("'", ""))
    words = _NOT_WORD.sub(" ", text).split()
    words = [w for w in words if w not in _FUNCTION_WORDS] or words
    return " ".join(_without_generic(words))


def _weak(word: str) -> bool:
    return (
        len(word) < 3
        or word in _WEAK
        or word in _GENERIC
        or word.startswith(_WEAK_RU)
        or word.startswith(_GENERIC_RU)
    )


def _without_generic(words: list[str]) -> list[str]:
    """Drop type words while a distinctive word remains: English ones at the end ("Abu Sayyaf
    Group"), Russian ones at the start («Террористическое сообщество «...»»), where each
    language puts them."""
    while len(words) > 1:
        if words[-1] in _GENERIC:
            rest = words[:-1]
        elif words[0].startswith(_GENERIC_RU):
            rest = words[1:]
        else:
            break
        if all(_weak(w) for w in rest):
            break
        words = rest
    return words


@lru_cache(maxsize=65536)
def loose(key: str) -> str:
    """A key with transliteration habits folded: what two spellings of one name share (kh/h,
    q/k, dzh/j, y/i, doubled letters, a final h after a vowel, the articles)."""
    text = " ".join("al" if word in ARTICLES else word for word in key.split())
    for old, new in _FOLDS:
        if old in text:
            text = text.replace(old, new)
    return _DOUBLED.sub(r"\1", _FINAL_H.sub("", text))


def shape(loose_key: str) -> str:
    """The loose key with each run of vowels written "-": "hizbala" and "hezbola" are both
    "h-zb-l-". Two spellings of one Arabic, Persian or Pashto name mostly differ in the vowels,
    which those scripts do not write; two names that differ in a consonant, in a word, or in
    whether a vowel is there at all ("Ansar" and "Ansaru") have different shapes."""
    return _VOWELS.sub("-", loose_key)


def digits(key: str) -> tuple[str, ...]:
    """The numbers in a key: names that differ in a number ("Brigade 313", "Holdings III") are
    never variants."""
    return tuple(_NUMBERS.findall(key))


def letters(key: str) -> int:
    """How many letters and digits a key has (its length without spaces)."""
    return len(key) - key.count(" ")


def variants(name: str) -> Iterator[str]:
    """The names packed into one name field, the whole first: "TEHRIK-E TALIBAN PAKISTAN (TTP)"
    gives itself, "TEHRIK-E TALIBAN PAKISTAN" and "TTP"; '"База" ("Аль-Каида")' gives "База" and
    "Аль-Каида"; "HARAKAT UL-MUJAHIDIN / HUM" both sides; the UN's long aliases with
    "(original script)" and "; "-separated spellings each spelling."""
    seen: set[str] = set()
    for found in _variants(name.strip(), 0):
        found = _unquoted(found.strip(" \t\n,.:;-–—"))
        if found and found not in seen:
            seen.add(found)
            yield found


def _variants(name: str, depth: int) -> Iterator[str]:
    yield name
    if depth > 3:
        return
    if any(q in name for q in _QUOTES):
        for quoted in _QUOTED.findall(name):
            if quoted != name.strip(_QUOTES + " "):
                yield from _variants(quoted, depth + 1)
    parts: list[str] = []
    if ";" in name or "/" in name:
        parts = [p for p in _PARTS.split(_outside_brackets_marked(name)) if p.strip()]
    if len(parts) < 2 and name.count(",") == 1 and not _BRACKETED.search(name):
        # "Аль-Каида, Al-Qaida" (the Kyrgyz list): one name in two scripts. A comma between
        # words of one script is part of the name ("LAST, First", "CO., LTD").
        first, second = name.split(",")
        if (_LATIN.search(first) is None and second.isascii()) or (
            first.isascii() and _LATIN.search(second) is None
        ):
            parts = [first, second]
    if len(parts) > 1:
        for part in parts:
            yield from _variants(_unmark(part), depth + 1)
        return
    if "(" not in name and "[" not in name:
        return
    base, inner, trailing = _brackets(name)
    if not inner or not trailing:
        return  # "LEADER (HONG KONG) INTERNATIONAL": a bracket inside a name is part of it
    aliases: list[str] = []
    for text in inner:
        if _REMARK.match(text) or _QUOTED.search(text):
            continue  # a remark, or quoted names (found above)
        if _ACRONYM.match(text) or ";" in text or (not base.isascii() and text.isascii()):
            aliases.append(_LABEL.sub("", text))  # "(TTP)", a list of spellings, a transcription
        else:
            return  # "(PAKISTAN)", "(BRANCH LOCATED IN ...)": it tells two bodies apart
    if base.strip():
        yield base
    for alias in aliases:
        yield from _variants(alias, depth + 1)


def _unquoted(name: str) -> str:
    """A name without the quotes around the whole of it (and only those)."""
    if len(name) > 2 and name[0] in _QUOTES and name[-1] in _QUOTES:
        inner = name[1:-1]
        if not any(q in inner for q in _QUOTES):
            return inner.strip()
    return name


_HIDDEN = {";": "\x00", "/": "\x01"}
_SHOWN = {v: k for k, v in _HIDDEN.items()}


def _outside_brackets_marked(name: str) -> str:
    """The name with separators inside brackets hidden, so "A (x; y) ; B" splits into two."""
    out, depth = [], 0
    for ch in name:
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
        out.append(_HIDDEN.get(ch, ch) if depth else ch)
    return "".join(out)


def _unmark(part: str) -> str:
    """Put back what :func:`_outside_brackets_marked` hid."""
    for hidden, shown in _SHOWN.items():
        part = part.replace(hidden, shown)
    return part


def _brackets(name: str) -> tuple[str, list[str], bool]:
    """The name without its top-level brackets, what each of them held, and whether they all
    come at its end (after the last word outside them)."""
    base, inner, depth, current = [], [], 0, []
    trailing = True
    for ch in name:
        if ch in "([":
            if depth:
                current.append(ch)
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
            if depth:
                current.append(ch)
            else:
                inner.append("".join(current).strip())
                current = []
        elif depth:
            current.append(ch)
        else:
            base.append(ch)
            if inner and not ch.isspace() and ch not in ",.;":
                trailing = False
    if depth:  # an unclosed bracket: the name as it is
        return name, [], False
    return re.sub(r"\s+", " ", "".join(base)).strip(), [t for t in inner if t], trailing

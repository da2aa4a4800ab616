"""Names of organisations: normalisation, alias patterns and a gazetteer of often-listed groups.

A name is matched by a regular expression built from its aliases, tolerant of what reports do to
names: case, quotes, hyphens, the possessive 's, Taleban/Taliban-style vowel variants and Russian
inflection («Талибан», «Талибана», «движения «Талибан»», «талибы»). The same rules make the
canonical key a story is grouped by, so "HTS" and "Hayat Tahrir al-Sham" are one entity.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from monitor.config import Watch
from monitor.text import prep

_RU_ENDINGS = sorted(
    ("ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ой", "ей", "ий", "ый", "ая", "яя",
     "ое", "ее", "ую", "юю", "ом", "ем", "ам", "ям", "ах", "ях", "ов", "ев", "ых", "их", "ым", "им",
     "а", "я", "о", "е", "у", "ю", "ы", "и", "ь", "й"),
    key=len,
    reverse=True,
)  # fmt: skip
_CYRILLIC = re.compile(r"[а-яА-ЯёЁ]")
_QUOTES = '«»"“”„'
_TOKEN_SPLIT = re.compile(r"[\s\-‐–—«»\"“”„]+")
_JOINER = r"[\s\-‐–—«»\"“”„]+"
_VARIANTS = {"taleban": "taliban", "talibs": "taliban", "talib": "taliban"}


def ru_stem(word: str) -> str:
    """Strip one Russian case/number ending, keeping at least four letters of stem."""
    word = word.lower().replace("ё", "е")
    for ending in _RU_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def normalise(name: str) -> str:
    """A comparison key: casefolded, unquoted, no possessive, Russian case endings stemmed
    («Правого сектора» and «Правый сектор» agree)."""
    value = prep(name).lstrip("=").casefold()
    value = re.sub(r"'s\b", "", value)
    value = re.sub(rf"[{_QUOTES}'()\[\].,]", " ", value)
    value = re.sub(r"[\s\-‐–—]+", " ", value).strip()
    words = [_VARIANTS.get(w, w) for w in value.split()]
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(ru_stem(w) if _CYRILLIC.search(w) else w for w in words)


def _token_regex(token: str, last: bool, exact: bool = False) -> str:
    """One word of an alias, with the variation reports give it."""
    token = prep(token)
    upper = sum(ch.isupper() for ch in token)
    if _CYRILLIC.search(token):
        if upper >= 2 and len(token) <= 6:  # an acronym: КСИР, ИГИЛ, ХТШ (+ case ending)
            return rf"(?-i:{re.escape(token)})[а-я]{{0,2}}"
        stem = ru_stem(token) if len(token) > 4 else token.lower()
        body = "".join("[её]" if ch == "е" else re.escape(ch) for ch in stem)
        return body + r"[а-яё]{0,4}"
    if upper >= 2 and len(token) <= 6:  # HTS, IRGC, TdA, MS: case matters
        return rf"(?-i:{re.escape(token)})" + (r"(?:'s)?" if last else "")
    low = token if exact else token.lower()
    parts = []
    for i, ch in enumerate(low):
        if ch == "'":
            parts.append("'?")
        elif i > 0 and ch in "ie" and len(low) >= 6 and not exact:
            parts.append("[ie]")
        else:
            parts.append(re.escape(ch))
    return "".join(parts) + (r"(?:'s|s|es)?" if last else "")


def phrase_regex(phrase: str) -> str:
    """A regular expression (source) for a name or phrase, word-bounded on both sides.

    A leading ``=`` makes the whole phrase case-sensitive ("=The Base" is not "the base").
    """
    exact = phrase.startswith("=")
    tokens = [t for t in _TOKEN_SPLIT.split(prep(phrase.lstrip("=")).strip()) if t]
    body = _JOINER.join(_token_regex(t, i == len(tokens) - 1, exact) for i, t in enumerate(tokens))
    if exact:
        body = f"(?-i:{body})"
    return rf"(?<![\w-]){body}(?![\w])"


# Organisations and people that lists and reports name often. canonical: aliases.
KNOWN: dict[str, tuple[str, ...]] = {
    "Taliban": ("Taliban", "Taleban", "Islamic Emirate of Afghanistan", "Талибан", "талибы",
                "Исламский Эмират Афганистан", "Талібан", "Талибанът", "Talibã", "Talebani",
                "طالبان", "तालिबान", "তালেবান", "Ταλιμπάν", "טליבאן", "塔利班", "タリバン", "탈레반"),
    "Hayat Tahrir al-Sham": ("Hayat Tahrir al-Sham", "Hay'at Tahrir al-Sham", "Hayat Tahrir al Sham",
                             "Tahrir al-Sham", "HTS", "al-Nusrah Front", "al-Nusra Front",
                             "Nusra Front", "Jabhat al-Nusra", "Хайят Тахрир аш-Шам", "ХТШ",
                             "Джебхат ан-Нусра", "Фронт ан-Нусра"),
    "Houthis": ("Houthis", "Houthi", "Ansarallah", "Ansar Allah", "Ansarullah", "хуситы",
                "Ансар Аллах", "Ансарулла"),
    "Tren de Aragua": ("Tren de Aragua", "TdA", "Трен де Арагуа"),
    "MS-13": ("MS-13", "MS13", "Mara Salvatrucha"),
    "Sinaloa Cartel": ("Sinaloa Cartel", "Cartel de Sinaloa", "картель Синалоа", "Синалоа"),
    "Jalisco New Generation Cartel": ("Jalisco New Generation Cartel", "CJNG",
                                      "Cartel de Jalisco Nueva Generacion", "Халиско"),
    "Cartel del Noreste": ("Cartel del Noreste", "Northeast Cartel"),
    "Gulf Cartel": ("Gulf Cartel", "Cartel del Golfo", "Cártel del Golfo"),
    "La Nueva Familia Michoacana": ("La Nueva Familia Michoacana", "Nueva Familia Michoacana",
                                    "Familia Michoacana"),
    "Carteles Unidos": ("Carteles Unidos", "Cárteles Unidos"),
    "Cartel de los Soles": ("Cartel de los Soles", "Cartel of the Suns", "Картель солнц"),
    "Palestine Action": ("Palestine Action", "Палестинское действие"),
    "IRGC": ("IRGC", "Islamic Revolutionary Guard Corps", "Revolutionary Guard Corps",
             "Revolutionary Guards", "КСИР", "Корпус стражей исламской революции"),
    "Hamas": ("Hamas", "ХАМАС", "Хамас", "حماس", "हमास", "哈马斯", "ハマス", "하마스"),
    "Hezbollah": ("Hezbollah", "Hizballah", "Hizbollah", "Хезболла", "Хизбалла"),
    "Muslim Brotherhood": ("Muslim Brotherhood", "Братья-мусульмане"),
    "Islamic State Khorasan": ("Islamic State Khorasan", "Islamic State-Khorasan", "ISIS-K", "IS-K",
                               "ISKP", "Вилаят Хорасан", "ИГИЛ-К"),
    "Islamic State": ("Islamic State", "ISIS", "ISIL", "Daesh", "Da'esh", "ИГИЛ",
                      "Исламское государство"),
    "al-Qaeda": ("al-Qaeda", "al-Qaida", "Аль-Каида"),
    "Hizb ut-Tahrir": ("Hizb ut-Tahrir", "Хизб ут-Тахрир"),
    "AUE": ("AUE", "АУЕ", "Арестантский уклад един"),
    "Columbine": ("Columbine", "Колумбайн"),
    "Azov": ("Azov", "Азов", "Azow", "Asow", "Azovu"),
    "Wagner Group": ("Wagner Group", "Wagner", "ЧВК Вагнер", "Вагнер"),
    "Jehovah's Witnesses": ("Jehovah's Witnesses", "Свидетели Иеговы"),
    "Anti-Corruption Foundation": ("Anti-Corruption Foundation", "FBK", "ФБК",
                                   "Фонд борьбы с коррупцией"),
    "International LGBT movement": ("LGBT movement", "LGBT public movement", "движение ЛГБТ",
                                    "ЛГБТ-движение", "movimiento LGBT", "ruch LGBT", "LGBT",
                                    "ЛГБТ", "ایل جی بی ٹی", "एलजीबीटी"),
    "Meta": ("=Meta", "Meta Platforms"),
    "Maniacs Murder Cult": ("Maniacs Murder Cult", "Маньяки. Культ убийц"),
    "Russian Imperial Movement": ("Russian Imperial Movement", "Русское имперское движение"),
    "Terrorgram": ("Terrorgram", "Terrorgram collective"),
    "Samidoun": ("Samidoun", "Самидун"),
    "Proud Boys": ("Proud Boys",),
    "The Base": ("=The Base",),
    "Tehreek-e-Labbaik Pakistan": ("Tehreek-e-Labbaik Pakistan", "Tehreek-e-Labbaik",
                                   "Tehrik-e-Labbaik", "TLP", "तहरीक-ए-लब्बैक", "تحریک لبیک"),
    "Pashtun Tahafuz Movement": ("Pashtun Tahafuz Movement", "PTM"),
    "Popular Front of India": ("Popular Front of India", "PFI"),
    "The Resistance Front": ("The Resistance Front", "TRF"),
    "Balochistan Liberation Army": ("Balochistan Liberation Army", "BLA", "Majeed Brigade"),
    "FARC-EP": ("FARC-EP",),
    "FARC": ("FARC", "Revolutionary Armed Forces of Colombia", "ФАРК"),
    "Segunda Marquetalia": ("Segunda Marquetalia",),
    "Los Choneros": ("Los Choneros",),
    "Los Lobos": ("Los Lobos",),
    "Ahmed al-Sharaa": ("Ahmed al-Sharaa", "al-Sharaa", "Sharaa", "Abu Mohammed al-Julani",
                        "al-Jolani", "Ахмед аш-Шараа", "аш-Шараа", "аль-Джулани"),
    "Anas Khattab": ("Anas Khattab", "Анас Хаттаб"),
    "Abdul Rehman Makki": ("Abdul Rehman Makki", "Abdul Rahman Makki", "Makki",
                           "Абдул Рахман Макки"),
    "Masood Azhar": ("Masood Azhar", "Masood Azhar", "Масуд Азхар"),
    "Gulbuddin Hekmatyar": ("Gulbuddin Hekmatyar", "Hekmatyar", "Гульбеддин Хекматияр"),
    "Yahya Sinwar": ("Yahya Sinwar", "Sinwar", "Яхья Синвар"),
}  # fmt: skip


@dataclass(frozen=True)
class Mention:
    """Where a known or watched name occurs in a text."""

    canonical: str
    start: int
    end: int
    watched: bool


def _same_name(a: Iterable[str], b: Iterable[str]) -> bool:
    return bool({normalise(x) for x in a} & {normalise(x) for x in b})


class EntityMatcher:
    """Finds watched and known names in text; a watch absorbs the known aliases of its name."""

    def __init__(self, watches: Sequence[tuple[str, tuple[str, ...]]]) -> None:
        entries: list[tuple[str, str, bool]] = []  # (canonical, alias, watched)
        absorbed: set[str] = set()
        for entity, aliases in watches:
            names = (entity, *aliases)
            for known, known_aliases in KNOWN.items():
                if _same_name(names, (known, *known_aliases)):
                    names = (*names, *known_aliases)
                    absorbed.add(known)
            entries += [(entity, alias, True) for alias in names]
        for known, known_aliases in KNOWN.items():
            if known not in absorbed:
                names = known_aliases
                if not _same_name([known], known_aliases):
                    names = (known, *known_aliases)
                entries += [(known, alias, False) for alias in names]
        entries.sort(key=lambda e: len(e[1]), reverse=True)
        self._patterns = [
            (canonical, re.compile(phrase_regex(alias), re.IGNORECASE), watched)
            for canonical, alias, watched in entries
        ]
        # Every alias in one pattern: one search says whether a text names anyone at all.
        self._any = re.compile(
            "|".join(f"(?:{p.pattern})" for _, p, _ in self._patterns) or "(?!)", re.IGNORECASE
        )

    def find(self, text: str) -> list[Mention]:
        """Non-overlapping mentions, longest alias first, in text order."""
        text = prep(text)
        found: list[Mention] = []
        if not self._any.search(text):
            return found
        taken: list[tuple[int, int]] = []
        for canonical, pattern, watched in self._patterns:
            for m in pattern.finditer(text):
                if any(m.start() < e and s < m.end() for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                found.append(Mention(canonical, m.start(), m.end(), watched))
        return sorted(found, key=lambda m: m.start)

    def canonical(self, name: str) -> str | None:
        """The canonical name when the whole of ``name`` is one alias, else None."""
        stripped = prep(name).strip().strip(_QUOTES + " ").lstrip("=")
        for canonical, pattern, _ in self._patterns:
            if pattern.fullmatch(stripped):
                return canonical
        return None


def watch_key(watches: Sequence[Watch]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A hashable form of the configured watches, for caching matchers."""
    return tuple((w.entity, tuple(w.aliases)) for w in watches)


@lru_cache(maxsize=32)
def matcher(key: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> EntityMatcher:
    return EntityMatcher(key)


def canonical_entity(name: str, watches: Sequence[Watch] = ()) -> str:
    """The canonical form of a name: a watched or known entity's name, else the name tidied."""
    found = matcher(watch_key(watches)).canonical(name)
    if found:
        return found
    return re.sub(r"\s+", " ", prep(name).strip().strip(_QUOTES + " '"))


_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip


def slug(value: str) -> str:
    """ASCII, lowercase, hyphen-separated: for ids that must be the same on every replay."""
    out = [_TRANSLIT.get(ch, ch) for ch in value.lower()]
    ascii_text = unicodedata.normalize("NFKD", "".join(out)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "x"


# --- names of organisations that no gazetteer knows --------------------------------------------

QUOTED_NAME = re.compile(r"[«\"“„]([^«»\"“”„]{2,60})[»\"”“]")
_CAPITALISED = re.compile(
    r"(?:(?:al|el|ad|ash|an|аль|аш|ан)-)?[A-ZА-Я][\w'\-]*"
    r"(?:\s+(?:(?:of|the|de|del|la|los|las|al|ul|ut|e|for|y)\s+)?(?:(?:al|el|аль|аш|ан)-)?"
    r"[A-ZА-Я0-9][\w'\-]*)*"
)
_SLOT_END = re.compile(r"\s(?:as|from|to|off|onto|into|on|under|in|из|в|с|как)\s", re.IGNORECASE)
_PASSIVE_TAIL = re.compile(
    r"((?:[A-Z][\w'\-]*\s+){0,4}[A-Z0-9][\w'\-]*)(?:'s\s+|\s+(?:was|were|has\s+been|have\s+been"
    r"|had\s+been|is|are)\s+(?:\w+ly\s+)?)$"
)
_MEDIA = {"тасс", "риа новости", "интерфакс", "коммерсантъ", "reuters", "ap", "afp", "tass"}
_STOP = re.compile(
    r"^(?:the|a|an|monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february"
    r"|march|april|may|june|july|august|september|october|november|december|president|prime"
    r"|secretary|minister|foreign|specially|criminal|terrorism|supreme|state|home|security"
    r"|federal|congress|parliament|court|government|it|they|its|their|this|that|he|she)\b",
    re.IGNORECASE,
)


def extract_names(
    text: str,
    verb_start: int,
    verb_end: int,
    clause_start: int,
    clause_end: int,
    actor_spans: Sequence[tuple[int, int]],
    exclude: Sequence[tuple[int, int]] = (),
) -> list[tuple[str, int, int]]:
    """Organisation names in a change verb's object slot: quoted names first, then capitalised
    sequences ("removed Cuba from", "designated six groups, including Al-Haq and Addameer, as"),
    then the subject of a passive ("Al-Haq was designated"). Returns (name, start, end)."""
    slot_end = clause_end
    cut = _SLOT_END.search(text, verb_end, clause_end)
    if cut:
        slot_end = cut.start()
    quoted = [
        (m.group(1).strip(), m.start(1), m.end(1))
        for m in QUOTED_NAME.finditer(text, verb_end, min(clause_end, verb_end + 120))
        if m.group(1).strip().lower() not in _MEDIA and len(m.group(1).split()) <= 6
    ]
    if quoted:
        return quoted[:6]
    found = []
    for m in _CAPITALISED.finditer(text, verb_end, slot_end):
        name = m.group(0).strip()
        if _STOP.match(name) or not name or any(m.start() < e and s < m.end() for s, e in exclude):
            continue
        # only an actor ("Palestinian civil society groups"): a modifier, not a name; a name that
        # ends in one ("Students Islamic Movement of India") is a name
        is_actor = any(s <= m.start() and m.end() <= e for s, e in actor_spans)
        if is_actor and re.match(r"\s+[a-zа-я]", text[m.end() : min(slot_end, m.end() + 3)]):
            continue
        if re.match(r"'s\s+[a-z]", text[m.end() : m.end() + 4]):
            continue  # "Navalny's organisations": an owner, not the name
        found.append((name, m.start(), m.end()))
    if found:
        return found[:6]
    tail = _PASSIVE_TAIL.search(text, clause_start, verb_start)
    if tail and not _STOP.match(tail.group(1)):
        return [(tail.group(1), tail.start(1), tail.end(1))]
    return []

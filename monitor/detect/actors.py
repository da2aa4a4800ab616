"""Who designates: a gazetteer of countries and bodies (names, capitals, institutions, officials,
in English and Russian) and the rules that pick the designating one out of a sentence.

Codes are ISO 3166 alpha-2 for countries and UN / EU for bodies. Patterns are hand-written
regular expressions so inflected Russian forms («России», «Киргизией») and acronyms (US, UK,
РФ) are explicit and testable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_W = r"[а-яё]*"  # any Russian ending

ACTORS: dict[str, tuple[str, ...]] = {
    "RU": (r"Russian Federation", r"Russia(?:n|ns)?", r"Moscow", r"Kremlin", r"(?-i:FSB)",
           r"Federal Security Service", r"Putin", r"Lavrov", r"Kabulov", r"Peskov", r"Zakharova",
           r"Bortnikov", rf"Росси{_W}", rf"российск{_W}", r"(?-i:РФ)", r"(?-i:ВС РФ)",
           rf"Москв{_W}", rf"московск{_W}\s+городск{_W}\s+суд{_W}", rf"Мосгорсуд{_W}",
           rf"Кремл{_W}", rf"Минюст{_W}", rf"Генпрокуратур{_W}", rf"Генеральн{_W} прокуратур{_W}",
           r"(?-i:ФСБ)", rf"Госдум{_W}", rf"Путин{_W}", rf"Лавров{_W}", rf"Кабулов{_W}",
           rf"Песков{_W}", rf"Бортников{_W}"),
    "KZ": (r"Kazakhstan", r"Kazakh", r"Astana", r"Nur-Sultan", r"Tokayev", rf"Казахстан{_W}",
           r"Астан[аеыу]", rf"Токаев{_W}"),
    "KG": (r"Kyrgyzstan", r"Kyrgyz(?: Republic)?", r"Kirghiz(?:ia)?", r"Kirgizia", r"Bishkek",
           r"Japarov", rf"Киргизи{_W}", rf"Кыргызстан{_W}", rf"киргизск{_W}", rf"кыргызск{_W}",
           rf"Бишкек{_W}", rf"Жапаров{_W}"),
    "US": (r"United States", r"(?-i:U\.S\.A?\.?|USA|US)", r"Washington", r"State Department",
           r"Department of State", r"Treasury", r"White House", r"Trump", r"Biden", r"Rubio",
           r"Blinken", r"Pompeo", r"American", r"(?-i:США)", rf"Вашингтон{_W}", rf"Госдеп{_W}",
           rf"американск{_W}", rf"Бел{_W}\s+дом{_W}", rf"Трамп{_W}", rf"Байден{_W}", r"Рубио",
           r"Помпео"),
    "GB": (r"United Kingdom", r"(?-i:U\.K\.|UK)", r"Britain", r"British", r"Home Office",
           r"Home Secretary", r"London", r"Downing Street", r"Yvette Cooper", r"Shabana Mahmood",
           r"Priti Patel", r"Sajid Javid", r"Suella Braverman", rf"Великобритани{_W}",
           rf"Британи{_W}", rf"британск{_W}", rf"Лондон{_W}", rf"Соединенн{_W}\s+Королевств{_W}"),
    "CA": (r"Canada", r"Canadian", r"Ottawa", r"Dominic LeBlanc", r"David McGuinty",
           rf"Канад{_W}", rf"канадск{_W}", rf"Оттав{_W}"),
    "UN": (r"United Nations", r"(?-i:U\.N\.|UN)", r"Security Council", r"1988 Committee",
           r"1267 Committee", r"(?-i:ООН)", rf"Совбез{_W} ООН", r"(?-i:СБ ООН)"),
    "EU": (r"European Union", r"(?-i:EU)", r"Council of the (?:EU|European Union)",
           r"European Council", r"Brussels", rf"Евросоюз{_W}", r"(?-i:ЕС)",
           rf"Европейск{_W}\s+союз{_W}", rf"Брюссел{_W}"),
    "AU": (r"Australia", r"Australian", r"Canberra", r"Home Affairs Minister", r"Albanese",
           r"Morrison",
           rf"Австрали{_W}", rf"Канберр{_W}"),
    "NZ": (r"New Zealand", rf"Нов{_W}\s+Зеланди{_W}"),
    "AF": (r"Afghanistan", r"Afghan", r"Kabul", rf"Афганистан{_W}", rf"афганск{_W}", rf"Кабул{_W}"),
    "PK": (r"Pakistan", r"Pakistani", r"Islamabad", rf"Пакистан{_W}", rf"Исламабад{_W}"),
    "IN": (r"India", r"Indian", r"New Delhi", r"Инди[яиюей]", rf"индийск{_W}", r"Нью-Дели"),
    "CN": (r"China", r"Chinese", r"Beijing", rf"Кита[йяюе]{_W}", rf"китайск{_W}", rf"Пекин{_W}"),
    "IR": (r"Iran", r"Iranian", r"Tehran", rf"Иран{_W}", rf"Тегеран{_W}"),
    "SY": (r"Syria", r"Syrian", r"Damascus", rf"Сири{_W}", rf"сирийск{_W}", rf"Дамаск{_W}"),
    "UZ": (r"Uzbekistan", r"Uzbek", r"Tashkent", rf"Узбекистан{_W}", rf"Ташкент{_W}"),
    "TJ": (r"Tajikistan", r"Tajik", r"Dushanbe", rf"Таджикистан{_W}", r"Душанбе"),
    "TM": (r"Turkmenistan", r"Ashgabat", rf"Туркменистан{_W}", rf"Туркмени{_W}"),
    "DE": (r"Germany", r"German", r"Berlin", rf"Германи{_W}", rf"немецк{_W}", rf"Берлин{_W}"),
    "FR": (r"France", r"French", r"Paris", rf"Франци{_W}", rf"Париж{_W}"),
    "IL": (r"Israel", r"Israeli", rf"Израил{_W}"),
    "AR": (r"Argentina", r"Argentine", r"Buenos Aires", r"Milei", rf"Аргентин{_W}"),
    "EC": (r"Ecuador", r"Ecuadorean", r"Ecuadorian", r"Quito", r"Noboa", rf"Эквадор{_W}"),
    "TR": (r"Turkey", r"Türkiye", r"Turkish", r"Ankara", rf"Турци{_W}", rf"Анкар{_W}"),
    "AE": (r"United Arab Emirates", r"(?-i:UAE)", r"Emirati", r"Abu Dhabi", r"(?-i:ОАЭ)"),
    "SA": (r"Saudi Arabia", r"Saudi", r"Riyadh", rf"Саудовск{_W}\s+Арави{_W}"),
    "QA": (r"Qatar", r"Doha", rf"Катар{_W}"),
    "BY": (r"Belarus", r"Belarusian", r"Minsk", rf"Беларус{_W}", rf"Белорусси{_W}", rf"Минск{_W}"),
    "UA": (r"Ukraine", r"Ukrainian", r"Kyiv", r"Kiev", rf"Украин{_W}", rf"украинск{_W}",
           rf"Киев{_W}"),
    "YE": (r"Yemen", r"Yemeni", r"Sanaa", rf"Йемен{_W}", rf"йеменск{_W}"),
    "MX": (r"Mexico", r"Mexican", rf"Мексик{_W}", rf"мексиканск{_W}"),
    "VE": (r"Venezuela", r"Venezuelan", r"Caracas", rf"Венесуэл{_W}", rf"венесуэльск{_W}"),
    "SV": (r"El Salvador", r"Salvadoran",),
    "CU": (r"Cuba", r"Cuban", r"Havana", r"Куб[аыеуой]", rf"Гаван{_W}"),
    "CO": (r"Colombia", r"Colombian", r"Bogota", rf"Колумби{_W}"),
    "EG": (r"Egypt", r"Egyptian", r"Cairo", r"Египет", rf"Египт{_W}"),
    "JO": (r"Jordan", r"Jordanian", r"Amman"),
    "LB": (r"Lebanon", r"Lebanese", r"Beirut", rf"Ливан{_W}"),
    "PS": (r"Palestinian", r"Gaza", rf"палестинск{_W}"),
    "IQ": (r"Iraq", r"Iraqi", r"Baghdad", rf"Ирак{_W}"),
    "JP": (r"Japan", r"Japanese", r"Tokyo", rf"Япони{_W}"),
}  # fmt: skip

# A court named without its country in Russian copy is Russia's own.
WEAK: dict[str, tuple[str, ...]] = {"RU": (rf"Верховн{_W}\s+суд{_W}",)}

# Lists that name their owner: a sentence about "the FTO list" is about the US one.
IMPLIED: tuple[tuple[str, str, bool], ...] = (
    (r"Foreign Terrorist Organi[sz]ations?|(?-i:FTOs?)|Specially Designated Global Terrorist"
     r"|(?-i:SDGT)|state sponsors? of terrorism|иностранн[а-я]* террористическ", "US", True),
    (r"Criminal Code", "CA", True),
    (r"unlawful associations?|Unlawful Activities|(?-i:UAPA)", "IN", True),
    (r"(?:1988|1267)\s+(?:sanctions\s+)?Committee|sanctions committee|санкционн[а-я]* комитет",
     "UN", True),
    (r"proscri(?:bed|ption)|Terrorism Act", "GB", False),
)  # fmt: skip


@dataclass(frozen=True)
class ActorMention:
    code: str
    start: int
    end: int
    weak: bool = False


def _compile(
    table: dict[str, tuple[str, ...]], weak: bool
) -> list[tuple[str, re.Pattern[str], bool]]:
    out = []
    for code, patterns in table.items():
        for pattern in patterns:
            out.append((code, re.compile(rf"(?<![\w-])(?:{pattern})(?![\w])", re.IGNORECASE), weak))
    out.sort(key=lambda row: len(row[1].pattern), reverse=True)
    return out


_PATTERNS = _compile(ACTORS, False) + _compile(WEAK, True)
# All of them in one pattern: one search says whether a text names any actor at all.
_ANY = re.compile("|".join(f"(?:{p.pattern})" for _, p, _ in _PATTERNS), re.IGNORECASE)
_IMPLIED = [(re.compile(p, re.IGNORECASE), code, strong) for p, code, strong in IMPLIED]


def find_actors(text: str) -> list[ActorMention]:
    """Non-overlapping actor mentions in text order (longer patterns win an overlap)."""
    found: list[ActorMention] = []
    if not _ANY.search(text):
        return found
    for code, pattern, weak in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < f.end and f.start < m.end() for f in found):
                continue
            found.append(ActorMention(code, m.start(), m.end(), weak))
    return sorted(found, key=lambda a: a.start)


def implied_actor(text: str, strong: bool = True) -> str | None:
    """The owner a list's own name implies (FTO → US), if the text names such a list."""
    for pattern, code, is_strong in _IMPLIED:
        if is_strong == strong and pattern.search(text):
            return code
    return None


# An actor right before a name that it only describes: "Afghanistan's ruling Taliban",
# "Pakistan-based", "the Afghan Taliban", «украинского полка «Азов»». It is the entity's home,
# not who designates. A bare country name followed by words is a subject ("Russia says ...").
_MODIFIER_GAP = re.compile(
    r"^(?:'s|-based|-backed|-aligned|-linked)?(?:\s+|\s*[«\"“])"
    r"(?:(?!(?:as|to|from|on|by|and|the|of|и|в|из)\b)[\w'\-]+,?\s+[«\"“]?){0,3}$",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"^(?:'s|-based|-backed|-aligned|-linked)\b", re.IGNORECASE)
_ADJECTIVE = re.compile(
    r"(?:ian|ean|ese|ish|[^a]i|Afghan|Kazakh|Kyrgyz|Uzbek|Tajik|American|Mexican|Venezuelan"
    r"|Canadian|Cuban|Salvadoran|Argentine|Emirati|Saudi|Russian|Syrian|Iranian)$"
    r"|(?:ий|ый|ой|ая|ое|ые|ого|ому|ым|ых|ую|ей|их|им)$",
    re.IGNORECASE,
)


def _modifies(text: str, mention: ActorMention, entity_start: int) -> bool:
    """Does the actor mention only describe the entity that follows it?"""
    gap = text[mention.end : entity_start]
    if not _MODIFIER_GAP.match(gap):
        return False
    return bool(_POSSESSIVE.match(gap) or _ADJECTIVE.search(text[mention.start : mention.end]))


# Actors after these words are compared with, not acting: "following Kazakhstan", «вслед за».
_NOT_ACTING = re.compile(
    r"(?:\b(?:following|follows?|followed|after|like|unlike|similar to|joining|as did"
    r"|envoy to|ambassador to|envoy for|embassy in)\s+(?:the\s+)?$"
    # "closer engagement with the new Syrian government": a partner, not the designator
    r"|\b(?:engagement|relations|ties|talks|cooperation)\s+with\s+(?:the\s+)?(?:new\s+)?$"
    r"|(?:вслед за|по примеру|как и|после|подобно)\s+$)",
    re.IGNORECASE,
)
# Reactions: "Pakistan welcomed the US decision" — who reacts is not who designates.
_REACTION = re.compile(
    r"\b(?:welcom\w*|prais\w*|hail\w*|condemn\w*|criticis\w*|criticiz\w*|slam\w*|denounc\w*"
    r"|приветств\w*|одобрил\w*|осудил\w*|раскритиковал\w*)\b",
    re.IGNORECASE,
)
_OWNER = re.compile(
    r"^(?:'s)?\s+(?:[\w\-]+\s+){0,3}?(?:list|lists|blacklist|register|terror|sanctions list"
    r"|designation|proscri)",
    re.IGNORECASE,
)
_AGENT = re.compile(r"\bby\s+(?:the\s+)?$", re.IGNORECASE)


def choose_actors(
    text: str, verb: tuple[int, int], entity_spans: list[tuple[int, int]], masked: str
) -> list[str]:
    """The designating actors of one finding: owner of the list, agent, subject, then any.

    ``masked`` is the sentence with background clauses blanked out; mentions there are used only
    when the main clause names nobody. Coordinated actors ("Kazakhstan and Kyrgyzstan") all act.
    """
    verb_start, verb_end = verb
    mentions = []
    for mention in find_actors(text):
        if any(mention.start < e and s < mention.end for s, e in entity_spans):
            continue
        if any(
            s >= mention.end
            and not (mention.end <= verb_start and verb_end <= s)
            and _modifies(text, mention, s)
            for s, _ in entity_spans
        ):
            continue
        if _NOT_ACTING.search(text[max(0, mention.start - 25) : mention.start]):
            continue
        mentions.append(mention)
    reaction = _REACTION.search(text, 0, verb_start)
    if reaction:
        after = [m for m in mentions if m.start > reaction.end()]
        mentions = after or mentions
    main = [m for m in mentions if masked[m.start : m.end].strip()]
    pool = main or mentions
    strong = [m for m in pool if not m.weak] or pool
    if not strong:
        return []
    chosen = (
        next((m for m in strong if _OWNER.match(text[m.end : m.end + 60])), None)
        or next(
            (m for m in strong if m.start > verb_start and _AGENT.search(text[: m.start])), None
        )
        or next((m for m in strong if m.start < verb_start), None)
        or strong[0]
    )
    return _coordinated(text, chosen, strong)


def _coordinated(text: str, chosen: ActorMention, pool: list[ActorMention]) -> list[str]:
    """The chosen actor and any joined to it by "and"/"и"/commas: "Kazakhstan and Kyrgyzstan"."""
    codes = [chosen.code]
    last = chosen
    for mention in pool:
        if mention.start <= last.start:
            continue
        gap = text[last.end : mention.start]
        if re.fullmatch(r"(?:'s)?\s*(?:,|and|и|,\s*and)\s*", gap, re.IGNORECASE):
            if mention.code not in codes:
                codes.append(mention.code)
            last = mention
        else:
            break
    return codes

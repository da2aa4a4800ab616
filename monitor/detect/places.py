"""Countries named in any language: who designates, when the English and Russian rules are silent.

The names come from the Unicode CLDR through Babel (``Locale.territories``: "Rusia", "روسیه",
"रूस", "Росія" ...), for the languages news is written in, plus each country's capital where
CLDR names it as a time-zone city ("مسکو", "Moskwa"); ``bench/build_places.py`` writes them to
``places.json``, which ships with the package. In languages that inflect names, a name
matches at the start of a word with any ending («Росії», "Rosji", "Rusyanın"); names in scripts
that write no spaces are found anywhere.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from monitor.detect.lexicon import Vocabulary, fold

# The bodies that designate, and the languages whose names for them are read.
CODES = (
    "RU", "KZ", "KG", "US", "GB", "CA", "UN", "EU", "AU", "NZ", "AF", "PK", "IN", "CN", "IR",
    "SY", "UZ", "TJ", "TM", "DE", "FR", "IL", "AR", "EC", "TR", "AE", "SA", "QA", "BY", "UA",
    "YE", "MX", "VE", "SV", "CU", "CO", "EG", "JO", "LB", "IQ", "JP", "BD", "ID", "MY", "PY",
    "AZ", "NL", "BE", "ES", "IT", "PL", "CZ", "SE", "NO", "DK", "FI", "GR", "BG", "RO", "RS",
    "GE", "AM", "KR", "PH", "NG", "KE", "SO", "ML", "BR", "PT", "CH", "AT",
)  # fmt: skip
LANGUAGES = (
    "en", "ru", "uk", "kk", "ky", "uz", "tg", "az", "tr", "fa", "ps", "ur", "hi", "bn", "ar",
    "he", "zh", "ja", "ko", "id", "ms", "vi", "th", "es", "pt", "fr", "de", "it", "nl", "pl",
    "cs", "sk", "da", "no", "sv", "fi", "ro", "bg", "sr", "hr", "el", "ka", "hy", "hu", "sw",
)  # fmt: skip
CAPITALS = {
    "RU": "Europe/Moscow", "AF": "Asia/Kabul", "KZ": "Asia/Almaty", "KG": "Asia/Bishkek",
    "PK": "Asia/Karachi", "IR": "Asia/Tehran", "UZ": "Asia/Tashkent", "TJ": "Asia/Dushanbe",
    "TM": "Asia/Ashgabat", "CN": "Asia/Shanghai", "QA": "Asia/Qatar", "GB": "Europe/London",
}  # fmt: skip
# Languages that inflect names: there a name may carry an ending («Росії», "Rosji", "Rusyanın").
INFLECTING = frozenset(
    ("ru", "uk", "kk", "ky", "uz", "tg", "az", "tr", "pl", "cs", "sk", "sr", "hr", "bg", "fi",
     "hu", "el", "ka", "hy")
)  # fmt: skip
_SCRIPTLESS = re.compile("[\u3040-\u30ff\u3400-\u9fff\u0e00-\u0e7f]")  # no spaces between words


def cldr_names() -> list[tuple[str, str, str]]:
    """(language, code, name) for every body and language above, from CLDR through Babel.

    Run by ``bench/build_places.py``, which writes them to ``places.json``: the monitor reads
    that file, because loading 45 locales' data costs ~0.6 s and ~100 MB it would keep."""
    from babel import Locale, UnknownLocaleError
    from babel.dates import get_timezone_location

    out = []
    for language in LANGUAGES:
        try:
            locale = Locale.parse(language)
        except (UnknownLocaleError, ValueError):  # pragma: no cover - depends on Babel's data
            continue
        names = [(code, locale.territories.get(code, "")) for code in (*CODES, "EU", "UN")]
        names += [
            (code, get_timezone_location(zone, locale=locale, return_city=True))
            for code, zone in CAPITALS.items()
        ]
        out += [(language, code, name) for code, name in names if name]
    return out


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Every name of every body in :data:`CODES`, labelled with its code."""
    raw = resources.files("monitor.detect").joinpath("places.json").read_text(encoding="utf-8")
    prefixes: dict[str, str] = {}
    words: dict[str, str] = {}
    inside: dict[str, str] = {}
    for language, code, value in json.loads(raw):
        for variant in {value, value.split(" (")[0]}:
            folded = fold(variant).strip()
            if len(folded) < 3:
                continue
            if " " in folded or not folded.replace("-", "").isalnum():
                inside.setdefault(folded, code)
            elif language in INFLECTING and len(folded) >= 5:
                prefixes.setdefault(folded[:-1], code)  # Росія → Росі-: Росії, Росією
            else:
                words.setdefault(folded, code)
                if _SCRIPTLESS.search(folded):
                    inside.setdefault(folded, code)
    return Vocabulary(prefixes, words, inside)


def place_codes(text: str) -> set[str]:
    """The codes of the countries and bodies ``text`` names."""
    return vocabulary().find(fold(text))


def place_positions(text: str) -> dict[str, int]:
    """The codes of the countries and bodies ``text`` names, each with where it is first named
    (an offset in the folded text, which keeps the original's offsets for most scripts)."""
    return vocabulary().positions(fold(text))

"""The cheap first stage: could this item be about a designation at all, in any language?

Most news items are about something else, and the sentence model that reads meaning costs ~100 ms
an item, so an item reaches it only when it carries a word of the designation vocabulary: a
*terror* or *extremist* word, a *proscribe* word, or a *ban* word next to an *organisation* or a
*list* word (or a known organisation's name). The stems below cover ~45 languages; they are
matched at the start of a word (``terror`` finds "terrorist", «террористической» needs
``террор``), and inside words for scripts that attach articles and particles or write no spaces
(Arabic, Chinese, Japanese, Thai). Recall matters here, not precision: the model decides.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Families of stems, lower case. A stem of 3-4 letters would match everyday words, so most are
# longer; a trailing "$" makes a stem whole-word only.
TERROR = (
    # Latin script
    "terror", "teror", "terör", "terrorist", "teroris", "terrorchi", "pengganas", "ugaidi",
    "khủng bố", "jihadist", "yihadist", "djihadist", "dżihadyst", "džihád",
    "extremis", "ekstremis", "extrémis", "extremist", "ekstremist", "aşırılık", "radykaln",
    # Cyrillic
    "террор", "терор", "экстремист", "екстреміст", "екстремист", "экстремизм", "екстремізм",
    "джихад",
    # Greek, Hebrew, Georgian, Armenian
    "τρομοκρ", "εξτρεμ", "טרור", "מחבל", "קיצונ", "ტერორ", "ექსტრემ", "ահաբեկ", "ծայրահեղ",
    # Indic
    "आतंक", "दहशत", "उग्रवाद", "चरमपंथ", "সন্ত্রাস", "জঙ্গি", "உக்கிர", "பயங்கரவாத", "ഭീകര",
)  # fmt: skip
PROSCRIBE = (
    "proscri", "blacklist", "de-list", "delist", "outlaw", "unlawful assoc", "designat",
    "désign", "designad", "designaz", "designer", "verbotsverfügung", "запрещенн", "запрещён",
    "заборонен", "забранен", "нежелательн",
)  # fmt: skip
BAN = (
    "ban$", "bans$", "banned", "banning", "prohib", "prohíb", "proíb", "interdi", "interzi",
    "verbot", "verbiet", "verbod", "verbied", "forbud", "förbud", "forbyd", "forbød", "forby",
    "zakaz", "zákaz", "zakáz", "zabran", "zabron", "kielt", "betilt", "yasak", "qadağ", "taqiq",
    "larang", "запрет", "запрещ", "заборон", "забран", "тыйым", "тыюу", "απαγόρ", "אסר", "איסור",
    "აკრძალ", "արգել", "प्रतिबंध", "प्रतिबन्ध", "पाबंदी", "নিষিদ্ধ", "নিষেধাজ্ঞ", "금지",
    "suspend", "sospend", "suspens", "suspendi", "приостан", "призупин", "зупин", "скасува",
    "снят", "отмен", "lift", "levant", "revog", "revoc", "aufheb", "aufgehob", "opheve", "upphäv",
)  # fmt: skip
ORGANISATION = (
    "organi", "organizz", "organis", "örgüt", "group", "grup", "gruppe", "grupo", "groep",
    "movement", "movimient", "moviment", "mouvement", "bewegung", "ruch$", "ruchu", "bevægelse",
    "bevegelse", "rörelse", "beweging", "hareket", "gerakan", "harakat", "hərəkat",
    "cartel", "cártel", "kartel", "outfit", "association", "asociac", "vereinigung", "verein",
    "organiz", "організац", "организац", "организир", "групп", "угрупов", "групув", "движени",
    "рух$", "руху", "рухом", "картел", "объединени", "об'єднан", "партия", "партію", "партії",
    "ұйым", "уюм", "кыймыл", "қозғалыс", "οργάνωσ", "ομάδ", "ארגון", "ორგანიზაც", "կազմակերպ",
    "संगठन", "आंदोलन", "সংগঠন", "단체", "조직",
)  # fmt: skip
LIST = (
    "list", "lista", "liste", "listă", "lijst", "listan", "listen", "seznam", "luettelo",
    "siyahı", "ro'yxat", "roʻyxat", "daftar", "register", "registr", "rejestr", "sanction",
    "sanción", "sanzion", "sanktion", "sankcj", "sancț", "yaptırım", "список", "спис",
    "перечень", "перечн", "реестр", "реєстр", "тізім", "тизме", "санкц", "λίστα", "κατάλογ",
    "רשימ", "სია", "ցուցակ", "सूची", "তালিকা", "목록", "명단",
)  # fmt: skip
# Scripts written without spaces, or that attach articles and particles to the word (Arabic's
# al-, wa-, bi-): their stems are found anywhere in the text.
INSIDE = {
    TERROR: ("رهاب", "تروریست", "تروريست", "ترورست", "ترهګر", "دہشت", "افراط", "متطرف",
             "انتہا پسند", "انتہاپسند", "恐怖", "テロ", "過激", "极端", "極端", "테러", "극단",
             "ก่อการร้าย"),
    PROSCRIBE: ("ممنوعه", "ممنوعة", "کالعدم", "取締", "指定"),
    BAN: ("حظر", "پابندی", "ممنوع", "منع", "تعلیق", "تعليق", "禁止", "禁じ", "取缔", "ห้าม"),
    ORGANISATION: ("سازمان", "تنظیم", "منظمة", "جماعة", "گروه", "گروپ", "جنبش", "تحریک", "حركة",
                   "组织", "組織", "団体", "องค์กร"),
    LIST: ("فهرست", "لیست", "قائمة", "لائحة", "فہرست", "名单", "名單", "リスト", "名簿", "บัญชี"),
}  # fmt: skip


_COMBINING = re.compile(
    "[" + "".join(chr(c) for c in range(0x300, 0x10000) if unicodedata.combining(chr(c))) + "]"
)


def fold(text: str) -> str:
    """Lower case without accents or vowel marks, so "Afganistán" and "Afganistan", "फ़" and
    "फ" compare equal; both the stems and the text are folded the same way."""
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))


_WORD = re.compile(r"\w+")


class Vocabulary:
    """Labelled stems found in folded text: at the start of a word, as a whole word, or anywhere
    (stems with spaces or punctuation, and scripts without spaces between words).

    One pass over the words, one dictionary look-up per stem length, and only for the words
    that begin like a stem: ~20 µs for a lede, where one regular expression per family took
    twenty times as long."""

    def __init__(
        self, prefixes: dict[str, str], words: dict[str, str], inside: dict[str, str]
    ) -> None:
        self.prefixes = prefixes
        self.words = words
        self.inside = inside
        self.lengths = sorted({len(p) for p in prefixes})
        # The first three letters of every stem: most words share none, and one look-up says so.
        self.heads = {p[:3] for p in prefixes}
        assert not self.lengths or self.lengths[0] >= 3, "stems have at least three letters"
        # Stems of several words ("united states", "unlawful assoc") are looked for only when
        # their first word is there; stems inside words (Arabic's attached articles, scripts
        # without spaces) by one pattern, only in texts that are not plain ASCII.
        self.phrases: dict[str, list[tuple[str, str]]] = {}
        attached = []
        for stem, label in inside.items():
            tokens = _WORD.findall(stem)
            if len(tokens) > 1:
                self.phrases.setdefault(tokens[0], []).append((stem, label))
            else:
                attached.append(stem)
        alternatives = "|".join(re.escape(s) for s in sorted(attached, key=len, reverse=True))
        self._attached = re.compile(alternatives) if attached else None
        self._attached_ascii = any(s.isascii() for s in attached)

    def only(self, labels: frozenset[str]) -> Vocabulary:
        """The part of this vocabulary with these labels (fewer stems, faster look-ups)."""

        def keep(table: dict[str, str]) -> dict[str, str]:
            return {stem: label for stem, label in table.items() if label in labels}

        return Vocabulary(keep(self.prefixes), keep(self.words), keep(self.inside))

    def find(self, folded: str) -> set[str]:
        """The labels of every stem in ``folded`` (a text already passed through :func:`fold`).

        Set operations first, a Python loop only over the few words that begin like a stem: this
        runs for every news item."""
        words = set(_WORD.findall(folded))
        found = {self.words[w] for w in words & self.words.keys()}
        heads = self.heads
        for word in [w for w in words if w[:3] in heads]:
            found.update(self._labels(word))
        for word in words & self.phrases.keys():
            found.update(label for stem, label in self.phrases[word] if stem in folded)
        found.update(label for _, label in self._attached_in(folded))
        return found

    def positions(self, folded: str) -> dict[str, int]:
        """Each label in ``folded`` with the offset where it first appears."""
        first: dict[str, int] = {}
        seen: set[str] = set()
        for m in _WORD.finditer(folded):
            word = m.group(0)
            if word in seen:
                continue
            seen.add(word)
            for label in self._labels(word):
                first.setdefault(label, m.start())
            for stem, label in self.phrases.get(word, ()):
                at = folded.find(stem)
                if at != -1 and at < first.get(label, len(folded)):
                    first[label] = at
        for at, label in self._attached_in(folded):
            if at < first.get(label, len(folded)):
                first[label] = at
        return first

    def _attached_in(self, folded: str) -> list[tuple[int, str]]:
        if self._attached is None or (folded.isascii() and not self._attached_ascii):
            return []
        return [(m.start(), self.inside[m.group(0)]) for m in self._attached.finditer(folded)]

    def _labels(self, word: str) -> list[str]:
        out = []
        label = self.words.get(word)
        if label:
            out.append(label)
        if word[:3] not in self.heads:
            return out
        for n in self.lengths:
            if n > len(word):
                break
            label = self.prefixes.get(word[:n])
            if label:
                out.append(label)
        return out


def _vocabulary() -> Vocabulary:
    prefixes: dict[str, str] = {}
    words: dict[str, str] = {}
    inside: dict[str, str] = {}
    for family, stems in _FAMILY_STEMS.items():
        for stem in stems:
            folded = fold(stem.rstrip("$"))
            if " " in folded or not folded.replace("'", "").isalnum():
                inside[folded] = family
            elif stem.endswith("$"):
                words[folded] = family
            else:
                prefixes[folded] = family
        inside.update((fold(s), family) for s in INSIDE.get(stems, ()))
    return Vocabulary(prefixes, words, inside)


_FAMILY_STEMS = {
    "terror": TERROR,
    "proscribe": PROSCRIBE,
    "ban": BAN,
    "organisation": ORGANISATION,
    "list": LIST,
}
_VOCABULARY = _vocabulary()


@dataclass(frozen=True)
class Cues:
    """Which families of the designation vocabulary an item carries."""

    families: frozenset[str]

    @property
    def candidate(self) -> bool:
        """Worth reading for meaning: terror or proscription words, or a ban on a group or list."""
        f = self.families
        return bool(
            f & {"terror", "proscribe"}
            or ("ban" in f and f & {"organisation", "list"})
            or ("ban" in f and "known" in f)
        )


def cues(text: str, known_name: bool = False) -> Cues:
    """The vocabulary families in ``text``; ``known_name``: it names a known organisation."""
    found = _VOCABULARY.find(fold(text))
    if known_name:
        found.add("known")
    return Cues(frozenset(found))

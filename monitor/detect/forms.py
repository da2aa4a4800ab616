"""Enacted or announced: read from the grammatical form of a change verb and the words it leans on.

"removed", "has removed", "removes" (a headline), «исключил», «исключен» report a change that
happened; "to remove", "will remove", "plans to", «исключит», «намерены исключить» report one
that is announced. Nouns ("removal", «исключение») say neither by themselves: the verb that
governs them does ("took effect" — enacted; "principal decision", «процедура» — announced), and
with no governor the noun is a mere mention.
"""

from __future__ import annotations

import re

from monitor.detect.cues import Verb

ENACTED, ANNOUNCED, NOUN, SKIP = "enacted", "announced", "noun", "skip"
_I = re.IGNORECASE

_EN_NOUNS = {
    "removal", "delisting", "de-listing", "revocation", "deproscription", "de-proscription",
    "designation", "designations", "redesignation", "re-designation", "proscription",
    "suspension", "amendment", "amendments",
}  # fmt: skip
_DETERMINER = re.compile(
    r"\b(?:the|a|an|its|their|his|her|this|that|these|those|another|other|any|all|of|newly)\s+$", _I
)
_MODAL_PASSIVE = re.compile(  # "will be removed", "that the Taliban be removed" (subjunctive)
    r"(?:\b(?:will|would|could|may|might|shall|should|must|to|can)\s+(?:not\s+)?(?:soon\s+)?"
    r"(?:have\s+been|get)|\bbe)\s+(?:\w+ly\s+)?$",
    _I,
)
# "protest backing banned Palestine Action", "attack by the outlawed group": an adjective.
_ADJECTIVE_SLOT = re.compile(
    r"\b(?:\w+ing|with|for|by|of|against|from|at|on|in|into|to|about|among|under)\s+$", _I
)
_PRESENT_STATE = re.compile(r"\b(?:is|are)\s+(?:still\s+|also\s+)?$", _I)
_TO = re.compile(r"\b(?:to|will|would|shall|may|might|could|can|must|should)\s+(?:\w+ly\s+)?$", _I)
_ENACTING_TO = re.compile(r"\b(?:ruled|voted)\s+to\s+$", _I)
# A legislature's vote is a step: the order still needs the other house, or a minister.
_LEGISLATURE = re.compile(
    r"\b(?:(?-i:MPs)|lawmakers|legislat\w*|parliament\w*|(?-i:House|Commons|Lords|Senate"
    r"|Congress|Duma)|deput\w+)\b",
    _I,
)
_GRANTED = re.compile(
    r"\b(?:granted|grants|upheld)\b[^.;]{0,80}\b(?:claim|request|application|motion|petition)\b[^.;]{0,100}$",
    _I,
)
_PROGRESSIVE = re.compile(r"\b(?:is|are)\s+(?:\w+ly\s+)?$", _I)
_DECREE = re.compile(r"\b(?:decree|ruling|resolution|law)\s+(?:\w+\s+)?$", _I)

# Noun governors, checked in this order: enacted for sure, then announced, then enacted.
NOUN_ENACTED_STRONG = re.compile(
    r"\b(?:took\s+effect|takes\s+effect|taking\s+effect\s+(?:on|from|at|immediately)"
    r"|came\s+into\s+force|comes\s+into\s+force|coming\s+into\s+force|entered\s+into\s+force"
    r"|effective\s+(?:immediately|today|from|on)|granted|grants|ruled)\b"
    r"|удовлетвор\w*|вступил\w*\s+в\s+силу|вступает\s+в\s+силу|принял\w*\s+резолюци\w*"
    r"|утвердил\w*|одобрил\w*",
    _I,
)
NOUN_ANNOUNCED = re.compile(
    r"\b(?:plan\w*|intend\w*|intention|intent|decision|decided|decide|principal|in\s+principle"
    r"|propos\w*|recommend\w*|prepar\w*|draft\w*|process|finali[sz]\w*|formali[sz]\w*|expected"
    r"|will|would|shall|going\s+to|mov(?:e|es|ed|ing)\s+(?:to|toward)|steps?\s+toward"
    r"|pav\w+\s+the\s+way|initiat\w*|begin|began|laid|lays|lay|notif\w*|seek\w*|legal\s+touches"
    r"|working\s+on|set\s+to|soon|taking\s+effect\s+in|to\s+take\s+effect)\b"
    r"|намерен\w*|планир\w*|собира\w*|готов\w*|принципиальн\w*|процесс\w*|процедур\w*|предлож\w*"
    r"|рекоменд\w*|\bиск\w{0,2}\b|ходатайств\w*|обрати\w*|обращ\w*|поручи\w*|\bбудет\b|\bбудут\b"
    r"|\bможет\b|\bмогут\b|в\s+ближайшее\s+время|подготов\w*|проработ\w*|заверш\w*"
    r"|внес\w*\s+в\s+(?:парламент|Госдум\w*|суд|Верховный)|постановлени\w*|инициатив\w*"
    r"|решени\w+\s+(?:об?|по)\b|запуска\w*",
    _I,
)
NOUN_ENACTED = re.compile(
    r"\b(?:announc\w*|confirm\w*|approv\w*|complet\w*|publish\w*|impos\w*|order(?:ed|s)"
    r"|sign(?:ed|s)|welcom\w*|hail\w*|prais\w*|adopt\w*|vot(?:ed|es))\b"
    r"|объявил\w*|ввел\w*|ввели|подписал\w*|опубликова\w*|приветств\w*|принял\w*\s+решени\w*",
    _I,
)

_RU_NOUN = re.compile(r"(?:ние|ния|нии|нием|ниям|ниями|ний|тие|тия|тии|тием)$|^отмен[аыеуой]$")
_RU_BAN_NOUN = re.compile(r"^запрет(?:а|у|ом|е|ы|ов)?$")
_RU_FULL_PARTICIPLE = re.compile(
    r"(?:нн|ем|ющ|ящ|вш|ащ)(?:ый|ая|ое|ые|ого|ой|ому|ым|ых|ыми|ую|ом|ий|ие|их|им|ими|ее|его|ему|ей)$"
)
_RU_INFINITIVE = re.compile(r"(?:ть|ти|ться)$")
_RU_PAST = re.compile(r"(?:л|ла|ло|ли|лся|лась|лось|лись)$")
_RU_GERUND = re.compile(r"(?:в|вши|вшись)$")
_RU_SHORT_PASSIVE = re.compile(r"(?:ен|ена|ено|ены|ан|ана|ано|аны)$")
_RU_PRESENT = re.compile(r"(?:ает|яет|ают|яют)$")
_RU_FUTURE = re.compile(r"(?:ит|ят|ут|ют|ет|ат)$")
_RU_MODAL_PASSIVE = re.compile(r"(?:будет|будут|может\s+быть|могут\s+быть|должн\w*\s+быть)\s+$", _I)
_RU_AMBIGUOUS_FUTURE = {"признает", "признают"}  # признаёт (now) vs признает (will): read as future


def verb_form(verb: Verb, text: str, start: int | None = None) -> str:
    """ENACTED, ANNOUNCED, NOUN (ask the governors) or SKIP (an adjective, a state).

    ``text`` is the verb's clause and ``start`` the verb's offset in it (default: verb.start).
    """
    word = verb.word.lower()
    start = verb.start if start is None else start
    left = text[max(0, start - 60) : start]
    if re.search(r"[а-я]", word):
        return _russian(word, left)
    if (
        word in ("no longer",)
        or word.startswith(("is ", "are "))
        or word in ("ruled", "decreed", "found")
    ):
        return ENACTED
    if word in _EN_NOUNS:
        return NOUN
    if word in ("ban", "blacklist"):
        return ANNOUNCED if _TO.search(left) else NOUN
    if word.endswith("ing"):
        if _DETERMINER.search(left):
            return NOUN
        if _DECREE.search(left) or _PROGRESSIVE.search(left):
            return ENACTED  # "by decree designating", "the US is formally revoking"
        return ANNOUNCED
    if word.endswith(("ed", "struck", "took", "taken")) or word in ("unbanned", "banned"):
        if any(p.search(left) for p in (_DETERMINER, _ADJECTIVE_SLOT, _PRESENT_STATE)):
            return SKIP  # "the banned group", "against banned groups", "is still banned"
        if _MODAL_PASSIVE.search(left):
            return ANNOUNCED
        return ENACTED
    if word.endswith("s") and not word.endswith("ss"):
        return ENACTED  # headline present: "Canada lists", "Russia removes"
    if _ENACTING_TO.search(left) and not _LEGISLATURE.search(left):
        return ENACTED  # "the Security Council voted to remove", "the court ruled to ban"
    if _GRANTED.search(text[max(0, start - 160) : start]):
        return ENACTED  # "the court granted the prosecutor's claim to suspend the ban"
    return ANNOUNCED  # the bare form: "to remove", "will designate", "MPs voted to proscribe"


def _russian(word: str, left: str) -> str:
    if _RU_NOUN.search(word) or _RU_BAN_NOUN.match(word):
        return NOUN
    if _RU_FULL_PARTICIPLE.search(word):
        return SKIP
    if _RU_INFINITIVE.search(word):
        return ANNOUNCED
    if _RU_PAST.search(word) or _RU_GERUND.search(word) or word.endswith(("нес", "вез")):
        return ENACTED
    if word.startswith("снят") or _RU_SHORT_PASSIVE.search(word):
        return ANNOUNCED if _RU_MODAL_PASSIVE.search(left) else ENACTED
    if word in _RU_AMBIGUOUS_FUTURE:
        return ANNOUNCED
    if _RU_PRESENT.search(word):
        return ENACTED
    if _RU_FUTURE.search(word):
        return ANNOUNCED
    return SKIP


def noun_form(before: str, after: str) -> str:
    """How a governed noun reads: from the clause before it and the rest of its clause."""
    around = f"{before} {after}"
    if NOUN_ENACTED_STRONG.search(around):
        return ENACTED
    if (
        NOUN_ANNOUNCED.search(before)
        or re.search(r"\b(?:will|to)\s+(?:take\s+effect|come\s+into\s+force)\b", after, _I)
        or re.match(r"\s+(?:decision|plans?|proposal|process|bid|move)\b", after, _I)
    ):
        return ANNOUNCED
    if NOUN_ENACTED.search(around):
        return ENACTED
    return SKIP

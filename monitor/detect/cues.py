"""The words of designation reports, English and Russian, as readable regular expressions.

Three families: *verbs* that change a list (remove, designate, suspend, amend; «исключить»,
«признать террористической», «приостановить»), *list cues* that say which kind of list is meant
(terrorist, proscribed, banned organisations; «список террористических организаций»), and
*context* words around a verb that turn a change into something else: a call ("urged ... to
remove"), a denial ("refused"), a standing state ("remains on the list"), a consideration, a
condition or background ("since 2003"). :mod:`monitor.detect.designations` applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.detect.anycase import AnyCase

_I = re.IGNORECASE

ADD, REMOVE, SUSPEND, AMEND = "add", "remove", "suspend", "amend"
_LIST = r"(?:list|lists|blacklist|register|roster)"
_OFF_LIST = rf"(?=[^.;]{{0,60}}?\b(?:off|from)\s+(?:[\w\-']+\s+){{0,6}}?{_LIST})"
_RU_LIST = r"(?:список|списк|перечен|перечн|реестр)"
_RU_INTO_LIST = rf"(?=[^.;]{{0,160}}?\bв\s+(?:[\w«»\-]+\s+){{0,4}}?{_RU_LIST})"

# (direction, pattern): group "v" is the verb whose form decides enacted vs announced.
# Order matters: earlier patterns win overlaps (amend before add, "is now" before "banned").
VERBS: tuple[tuple[str, str], ...] = (
    (AMEND, r"(?P<v>amend(?:s|ed|ing)?)\b(?=[^.;]{0,80}?\b(?:entry|entries|listing|designation"
            r"|alias|aliases)\b)"),
    (AMEND, r"(?P<v>updat(?:e|es|ed|ing))\b(?=[^.;]{0,40}?\b(?:entry|entries|listing)\b)"),
    (AMEND, r"(?P<v>add(?:s|ed|ing)?)\s+(?:\w+\s+){0,2}?alias(?:es)?\b"),
    (AMEND, r"(?P<v>внес[а-я]*|внос[а-я]*)(?![а-я])(?=\s+(?:[а-я]+\s+){0,2}?изменени)"),
    (SUSPEND, r"(?P<v>suspen(?:d|ds|ded|ding))\b(?=\s+(?:[\w\-']+\s+){0,4}?(?:ban|designation|listing"
              r"|prohibition|proscription|status|terror\w*))"),
    (SUSPEND, r"(?P<v>suspension)\s+of\s+(?:[\w\-']+\s+){0,3}?(?:ban|designation|listing|prohibition"
              r"|proscription|status)"),
    (SUSPEND, r"(?P<v>приостан[а-я]*)(?![а-я])(?=\s+(?:[\w«»]+\s+){0,3}?(?:запрет|признани|решени"
              r"|статус))"),
    # passive, the ban first: «Запрет деятельности «Талибана» приостановлен», "the ban ... was suspended"
    (SUSPEND, r"запрет[а-я]*\s+(?:[\w«»\-]+\s+){0,6}?(?P<v>приостановлен[а-я]*)(?![а-я])"),
    (SUSPEND, r"\b(?:ban|designation|listing)\b[^.;,]{0,60}?\b(?P<v>suspended)\b"),
    # a ban lifted "temporarily" (pending a further ruling) is suspended, not removed
    (SUSPEND, r"\btemporarily\s+(?P<v>lift(?:s|ed|ing)?|remov(?:e|es|ed|ing)|revok(?:e|es|ed|ing))\b"),
    (SUSPEND, r"временно\s+(?P<v>отмен[а-я]*|снял[а-я]*|снят[а-я]*|сним[а-я]*|исключ[а-я]*)(?![а-я])"),
    (REMOVE, r"(?P<v>no\s+longer)\s+(?:be\s+)?(?:considered\s+)?(?:an?\s+)?(?:terrorist|extremist"
             r"|banned|designated|listed|proscribed|outlawed|on\s+the\s+list)"),
    (REMOVE, r"(?P<v>больше\s+не)(?![а-я])\s+(?:считается|является|признается|числится)[^.;]{0,40}?"
             r"(?:террорист|экстремист|запрещенн)"),
    (REMOVE, r"(?P<v>remov(?:e|es|ed|ing|al))\b"),
    (REMOVE, r"(?P<v>de-?list(?:s|ed|ing)?)\b"),
    (REMOVE, r"(?P<v>de-?proscri(?:be|bes|bed|bing|ption))\b"),
    (REMOVE, r"(?P<v>unban(?:s|ned|ning)?)\b"),
    (REMOVE, r"(?P<v>revo(?:ke|kes|ked|king|cation))\b"),
    (REMOVE, r"(?P<v>rescind(?:s|ed|ing)?)\b"),
    (REMOVE, r"(?P<v>lift(?:s|ed|ing)?)\b(?=\s+(?:[\w\-']+\s+){0,4}?(?:ban|designation|proscription"
             r"|terror\w*\s+(?:label|status|listing)))"),
    (REMOVE, rf"(?P<v>drop(?:s|ped|ping)?)\b(?=[^.;]{{0,60}}?\b(?:from|off)\b[^.;]{{0,40}}?{_LIST})"),
    (REMOVE, rf"(?P<v>strik(?:e|es|ing)|struck)\b{_OFF_LIST}"),
    (REMOVE, rf"(?P<v>tak(?:e|es|en|ing)|took)\b(?=[^.;]{{0,60}}?\boff\s+(?:[\w\-']+\s+){{0,6}}?{_LIST})"),
    (REMOVE, rf"(?P<v>exclud(?:e|es|ed|ing))\b{_OFF_LIST}"),
    (REMOVE, r"(?P<v>исключ(?!ительн)[а-я]*)(?![а-я])"),
    (REMOVE, rf"(?P<v>вывел[а-я]*|вывед[а-я]*|вывест[а-я]*|вывод[а-я]*)(?![а-я])(?=[^.;]{{0,80}}?\bиз\s+"
             rf"(?:[\w«»\-]+\s+){{0,3}}?{_RU_LIST})"),
    (REMOVE, r"(?P<v>снял[а-я]*|снят[а-я]*|сним[а-я]*|снять)(?![а-я])(?=\s+(?:[а-я]+\s+){0,2}?"
             r"(?:запрет|статус|ограничени))"),
    (REMOVE, r"(?P<v>отмен[а-я]*)(?![а-я])(?=\s+(?:[\w«»]+\s+){0,3}?(?:запрет|решени|признани|статус))"),
    (REMOVE, r"(?P<v>вычеркн[а-я]*)(?![а-я])"),
    (ADD, r"(?P<v>(?:is|are)\s+now)\s+(?:an?\s+)?(?:proscribed|banned|designated|listed|outlawed)"),
    (ADD, r"(?P<v>ruled|decreed|found)\b(?=\s+that\b[^.;]{0,100}?\b(?:is|are|was|were)\s+"
          r"(?:an?\s+)?(?:terrorist|extremist))"),
    (ADD, r"(?<!Specially )(?P<v>(?:re-?)?designat(?:e|es|ed|ing|ion|ions))\b"),
    (ADD, r"(?<!de-)(?<!de)(?P<v>proscri(?:be|bes|bed|bing|ption))\b"),
    (ADD, r"(?P<v>blacklist(?:s|ed|ing)|(?<=to )blacklist)\b"),
    (ADD, r"(?P<v>outlaw(?:s|ed|ing)?)\b"),
    (ADD, r"(?P<v>ban(?:s|ned|ning)?)\b"),
    (ADD, r"(?P<v>list(?:s|ed|ing)?)\b(?=\s+(?!as\b)[^.;]{0,100}?\bas\s+(?:an?\s+)?(?:terrorist"
          r"|extremist|proscribed|banned|foreign|specially|state))"),
    (ADD, r"(?P<v>listed)\b(?=\s+as\s+(?:an?\s+)?(?:terrorist|extremist))"),
    # "added X to the list", and the passive "X has been added to the list"
    (ADD, rf"(?P<v>add(?:s|ed|ing)?)\b(?=\s+(?!that\b)(?:[^.;]{{1,100}}?\s)?to\s+(?:[\w\-']+\s+){{0,6}}?"
          rf"{_LIST})"),
    # "declared ... unlawful associations": India's designation under the UAPA
    (ADD, r"(?P<v>(?:brand|label|declar|deem)(?:s|ed|ing|e|es|led)?)\b(?=[^.;]{0,80}?\b"
          r"(?:terrorists?|extremists?|unlawful\s+associations?)\b)"),
    (ADD, r"(?P<v>recogni[sz](?:e|es|ed|ing))\b(?=[^.;]{0,80}?\bas\s+(?:an?\s+)?(?:terrorist"
          r"|extremist))"),
    (ADD, rf"(?P<v>put(?:s|ting)?)\b(?=[^.;]{{0,60}}?\bon\s+(?:[\w\-']+\s+){{0,5}}?{_LIST})"),
    (ADD, rf"(?P<v>return(?:s|ed|ing)?)\b(?=[^.;]{{0,60}}?\bto\s+(?:[\w\-']+\s+){{0,6}}?{_LIST})"),
    (ADD, rf"(?P<v>includ(?:e|es|ed|ing))\b(?=[^.;]{{0,80}}?\bin\s+(?:[\w\-']+\s+){{0,5}}?{_LIST})"),
    (ADD, r"(?P<v>призна[а-яё]*)(?![а-я])(?=[^.;]{0,100}?(?:террорист|экстремист))"),
    (ADD, rf"(?P<v>внес[а-я]*|внос[а-я]*|внести)(?![а-я])(?!\s+в\s+(?:парламент|Госдум|суд|Верховн))"
          rf"{_RU_INTO_LIST}"),
    (ADD, rf"(?P<v>включ[а-я]*)(?![а-я]){_RU_INTO_LIST}"),
    (ADD, rf"(?P<v>добав[а-я]*)(?![а-я]){_RU_INTO_LIST}"),
    (ADD, r"(?P<v>запрет[а-я]*|запрещ[а-я]*)(?![а-я])"),
    (ADD, r"(?P<v>объяв[а-я]*)(?![а-я])(?!\s+о\b)(?=[^.;]{0,80}?(?:террористическ|экстремистск)[а-я]*"
          r"\s+(?:организаци|групп))"),
)  # fmt: skip

# The kind of list a sentence is about. Without one, "removed" or "banned" is about anything.
LIST_CUES = re.compile(
    r"\bterror(?:ist|ists|ism)?\b|\bextremis[tm]s?\b|\bproscri\w+|\bunlawful\s+associations?\b"
    r"|\bbanned\s+(?:\w+\s+)?"
    r"(?:groups?|organi[sz]ations?|entities|outfits?)|\boutlawed\s+(?:\w+\s+)?(?:groups?"
    r"|organi[sz]ations?)|\bblacklist\w*|(?-i:\bFTOs?\b|\bSDGT\b)|\bstate\s+sponsors?\s+of\b"
    r"|\bbanned\s+list|\bprohibited\s+(?:\w+\s+)?(?:groups?|organi[sz]ations?)|\blist\s+of\s+(?:banned|prohibited"
    r"|outlawed|proscribed)|\banti-terror\w*|террорист\w*|экстремист\w*|запрещенн\w*\s+"
    r"(?:[а-я]+\s+)?(?:организаци|групп|движени|в\s+(?:России|РФ|стране|республике))"
    r"|черн\w+\s+спис\w+"
    # a ban on an organisation's activity is a designation in Russian and English law alike
    r"|\bban\s+on\b|\bbans?\s+(?:\w+\s+)?activit\w*|запрет\w*\s+(?:на\s+)?деятельност\w*",
    _I,
)
# Sanctions lists count only for the UN (the 1267/1988 regimes are designations); OFAC's SDN
# list and "economic sanctions" are not.
UN_SANCTIONS = re.compile(
    r"(?:sanctions?\s+(?:list|committee|regime)|consolidated\s+list|санкционн\w+\s+(?:список"
    r"|списк\w*|перечень|перечн\w*|комитет\w*))",
    _I,
)
UN_CONTEXT = re.compile(r"\bUN\b|U\.N\.|United Nations|Security Council|\b1988\b|\b1267\b|ООН", _I)
# The name of a sanctions regime mentions groups that are not the ones being listed.
REGIME = re.compile(
    r"(?:ISIL|ISIS|Da'?esh|Islamic\s+State|Al[- ]Qa'?ida|Al[- ]Qaeda|Taliban)(?:\s*\([^)]*\))?"
    r"(?:\s*(?:and|&)\s*(?:Al[- ]Qa'?ida|Al[- ]Qaeda))?\s+sanctions?\b"
    r"|(?:санкци\w*|санкционн\w+\s+\w+)\s+(?:против|в\s+отношении|по)\s+[«\"]?(?:ИГИЛ|ИГ"
    r"|Исламск\w+\s+государств\w*|Аль-Каид\w*|талиб\w*|Талибан\w*)[»\"]?(?:\s+и\s+[«\"]?"
    r"(?:Аль-Каид\w*|ИГИЛ)[»\"]?)?",
    _I,
)
# Registers that are not designations of terrorist or extremist organisations.
OTHER_REGISTERS = re.compile(
    r"foreign\s+agents?|иноагент\w*|иностранн\w+\s+агент\w*|undesirable|нежелательн\w*"
    r"|Specially\s+Designated\s+Nationals|\bSDN\b",
    _I,
)


@dataclass(frozen=True)
class Verb:
    direction: str
    word: str
    start: int
    end: int


_VERBS = [(d, re.compile(rf"(?<![\w-]){p}", _I)) for d, p in VERBS]
# Every change verb in one pattern (named groups made plain): most news items contain none, and
# one search over the whole item tells so far faster than reading it sentence by sentence.
_ANY_VERB = AnyCase(
    "|".join(f"(?:{p.replace('(?P<v>', '(?:')})" for _, p in VERBS).join(("(?<![\\w-])(?:", ")"))
)
ANY_VERB = _ANY_VERB.pattern


def has_verb(text: str) -> bool:
    """Does the text contain a change verb anywhere? (``ANY_VERB.search``, faster.)"""
    return _ANY_VERB.search(text)


def find_verbs(text: str) -> list[Verb]:
    """Change verbs in text order; where patterns overlap the earlier pattern wins."""
    found: list[tuple[int, int, Verb]] = []
    if not has_verb(text):
        return []
    for direction, pattern in _VERBS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e, _ in found):
                continue
            found.append((m.start(), m.end(), Verb(direction, m["v"], m.start("v"), m.end("v"))))
    return [v for _, _, v in sorted(found, key=lambda row: row[0])]


def has_list_cue(clause: str, sentence: str) -> bool:
    """Does the clause name a designation list (or a UN sanctions list, in a UN sentence)?"""
    if LIST_CUES.search(clause):
        return True
    return bool(UN_SANCTIONS.search(clause) and UN_CONTEXT.search(sentence))


# --- context around a verb (the clause text before it) ----------------------------------------

CALL = re.compile(
    r"\b(?:urg(?:e|es|ed|ing)|call(?:s|ed|ing)?\s+(?:on|for|upon)|calls?\s+to|called\s+to"
    r"|demand\w*|appeal\w*|petition\w*|lobb(?:y|ies|ied|ying)|press(?:es|ed|ing)?\s+for"
    r"|push(?:es|ed|ing)?\s+for|want(?:s|ed)?|hop(?:e|es|ed|ing)|request(?:s|ed|ing)?\s+(?:that|\w+\s+to)"
    r"|campaign\w*|bills?|motion|activists?|challeng\w*"
    # legislators calling for a step; not legislators taking one ("MPs vote to proscribe")
    r"|(?:lawmakers?|senators?|(?-i:MPs))(?!\s+(?:have\s+|had\s+)?(?:vot|back|approv|pass))"
    r"|contest\w*|overturn\w*|judicial\s+review|ask(?:s|ed|ing)?\b(?!\s+(?:[\w']+\s+){0,2}?court))"
    # a prosecutor asking a court is a formal step (announced), not a call
    r"|призыв\w*|призва\w*|(?:попрос\w*|\bпрос(?:ит|ят|или|ил|ила))(?!\w)(?!\s+(?:[а-я]+\s+)?суд)"
    r"|требу\w*|потребова\w*"
    r"|добива\w*|надеж\w*|надею\w*|надее\w*|рассчитыва\w*|хотел\w*\s+бы|петици\w*"
    r"|выступ\w+\s+за|депутат\w*|законопроект\w*|активист\w*|обжал\w*|оспор\w*|жалоб\w*",
    _I,
)
# "not", «не» bind to the nearest verb: read only after the last "that"/«что»/comma before it, so
# «не исключил, что «Талибан» исключат» (did not rule out that ... will be removed) still counts.
NEGATION = re.compile(r"\b(?:not|never|no|cannot|won't)\b|n't\b|\bне\b|\bни\b|\bнет\b", _I)
NEGATION_SCOPE = re.compile(r"\b(?:that|что|чтобы)\b|,", _I)
# Denials cover the whole clause: "denied reports that it would remove".
DENIAL = re.compile(
    r"(?<!not )(?<!n't )\b(?:ruled\s+out|rules?\s+out|declin\w+\s+to|refus\w+|reject\w+"
    r"|den(?:y|ies|ied)|without|oppos\w+|block\w*|veto\w*)\b"
    r"|отказ\w*|отклон\w*|отверг\w*|опроверг\w*|заблокир\w*",
    _I,
)
STATE = re.compile(
    r"\b(?:remain\w*|still|continu\w+\s+to|stays?|kept|keeps?|retain\w*|uph[oe]l\w*|extend\w*"
    r"|renew\w*|has\s+been\s+on|have\s+been\s+on)\b|\blong\b(?!-)"
    r"|оста[её]т\w*|остаю\w*|остава\w*|по-прежнему|вс[её]\s+ещ[её]|до\s+сих\s+пор|числит\w*"
    r"|значит\w*|продл\w*|сохран\w*|\bвходит\b|\bвходят\b",
    _I,
)
CONSIDER = re.compile(
    r"\b(?:consider\w*|weigh\w*|mull\w*|review\w*|discuss\w*|debat\w*|studying|examin\w*"
    r"|look(?:s|ing)?\s+(?:at|into)|assess\w*)\b"
    r"|рассматрива\w*|обсужда\w*|обсуд\w*|изуча\w*|\bвопрос\w*",
    _I,
)
CONDITION = re.compile(r"\b(?:if|unless|whether|should\s+it)\b|\bесли\b|\bв\s+случае\b|\bли\b", _I)
BACKGROUND = re.compile(
    r"\bsince\s+(?:\d{4}|the\s+\d{4}s)\b|\b(?:last|previous)\s+(?:year|month|week)\b"
    r"|\bearlier\s+this\s+(?:year|month)\b|\b(?:years?|months?|weeks?|decades?)\s+ago\b"
    r"|\bpreviously\b|\bback\s+in\b|\bс\s+\d{4}\s+год\w*|\bв\s+прошлом\s+году\b|\bранее\b"
    r"|\bеще\s+в\b|\bлет\s+назад\b|\bгод\s+назад\b|\bмесяц\w*\s+назад\b",
    _I,
)
YEAR = re.compile(r"\b(?:in|since|в|с)\s+(\d{4})\b", _I)
_MONTHS_EN = "january february march april may june july august september october november december"
_MONTHS_RU = "январ феврал март апрел ма[йяе] июн июл август сентябр октябр ноябр декабр"
MONTH = re.compile(
    r"\bin\s+("
    + "|".join(_MONTHS_EN.split())
    + r")\b|\bв\s+("
    + "|".join(_MONTHS_RU.split())
    + r")(?:[еяь]|ом)?\b",
    _I,
)


def month_number(match: re.Match[str]) -> int:
    """1-12 for a MONTH match ("in April", «в апреле»)."""
    if match.group(1):
        return _MONTHS_EN.split().index(match.group(1).lower()) + 1
    word = match.group(2).lower()
    return next(i for i, m in enumerate(_MONTHS_RU.split(), 1) if re.fullmatch(m, word))

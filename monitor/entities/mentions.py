"""What resolution reads: each list entry and each news report's organisation as a mention.

A mention carries what can tie it to others — its names (primary first) and the identifiers the
list gives (``[source.identifiers]``: the UN reference that UK and EU records carry, OFAC's uid)
— and its kind, since people and ships are never merged by name. Built from the entry dict as
the log stores it, so replay builds the same mentions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from monitor.entities.names import name_key

# "asset": a ship or an aircraft; like a person, named too loosely to merge by name.
Kind = Literal["organisation", "individual", "asset", "unknown"]
NEWS = "news"

# A list's own word for the kind of entry (UN INDIVIDUAL/ENTITY, OFAC sdnType and entityType,
# UK IndividualEntityShip, EU subjectType code person/enterprise, KG's physic/legal person).
_INDIVIDUAL = re.compile(r"individual|person|physic|natural", re.IGNORECASE)
_ASSET = re.compile(r"vessel|ship|aircraft", re.IGNORECASE)
_ORGANISATION = re.compile(r"entity|enterprise|organi[sz]ation|legal|company|group", re.IGNORECASE)
_TYPE_FIELDS = ("type", "kind", "subject_type", "entity_type", "category")
# Lists without a type field that still list people give their birth dates (KZ, KG).
_BIRTH_FIELDS = ("birthdate", "birth_date", "born", "dob", "date_of_birth")
# Fields holding further names: "aliases", and a name in another language ("name_en").
_ALIAS_FIELD = re.compile(r"^(?:aliases?|akas?|name_\w+|other_names?)$")
# OFAC's legacy CSV keeps an entity's other names in its remarks: "a.k.a. 'AL-FURQAN'";
# "f.k.a." (formerly known as) names the same body too.
_AKA = re.compile(r"\b[af]\.k\.a\.\s*'([^']{2,200})'", re.IGNORECASE)
_REMARK_FIELDS = ("remarks", "remark", "comments")
# A UN reference: two letters of the regime, i (individual) or e (entity), a number: "QDe.004".
_UN_REFERENCE = re.compile(r"^([A-Za-z]{2})\s*([IiEe])\s*\.?\s*(\d+)$")


@dataclass(frozen=True)
class Mention:
    """One list entry, or the organisation one news story names."""

    ref: str  # "<source>:<key>" for a list entry, "news:<name_key>" for a news report
    names: tuple[str, ...]  # the primary name first, then aliases
    identifiers: tuple[str, ...]  # "un:QDe.004", "ofac:6365": scheme (lower case) and value
    kind: Kind
    source: str | None  # the list's source id; None for the news


def mention_of_entry(
    source: str, key: str, entry: Mapping[str, Any], identifiers: Mapping[str, str]
) -> Mention:
    """The mention of one list entry. ``identifiers`` maps each identifier scheme to the field
    that holds it (the source's ``[source.identifiers]``)."""
    primary = _values(entry.get("name")) or [key]
    names = list(primary)
    if key != primary[0] and key in primary[0] and len(key) >= 4 and not key.isdigit():
        # a key cut from the name by the source's key_pattern is the name without the list's
        # clutter: "7. Некоммерческая организация «...» (решение ... суда ...);" keyed by its name
        names.insert(0, key)
    for field, value in sorted(entry.items()):
        if _ALIAS_FIELD.match(field):
            names += _values(value)
        elif field in _REMARK_FIELDS:
            names += [m.strip() for text in _values(value) for m in _AKA.findall(text)]
    found: list[str] = []
    for scheme, field in sorted(identifiers.items()):
        found += [ident for v in _values(entry.get(field)) if (ident := identifier(scheme, v))]
    return Mention(
        ref=f"{source}:{key}",
        names=tuple(dict.fromkeys(n for n in names if n.strip())),
        identifiers=tuple(dict.fromkeys(found)),
        kind=kind_of(entry),
        source=source,
    )


def mention_of_news(entity_name: str) -> Mention:
    """The mention of the organisation a news story names: one per name key, so every story
    about "the Taliban" is one member. Its kind is unknown (a report may name a person)."""
    key = name_key(entity_name) or entity_name.strip().casefold()
    return Mention(f"{NEWS}:{key}", (entity_name,), (), "unknown", None)


def identifier(scheme: str, value: str) -> str | None:
    """``scheme:value`` with the value in one spelling (trimmed, no inner spaces), or None when
    empty. UN references are written as the UN writes them ("QDe.004" for "QDE.004" or
    "QDe.4"); a bare number where a UN reference belongs (the UN's internal DATAID, which some
    exports give) is kept under its own scheme, ``un-dataid``, so it never meets a reference."""
    scheme = scheme.strip().lower()
    value = re.sub(r"\s+", "", value)
    if not scheme or not value:
        return None
    if scheme == "un":
        match = _UN_REFERENCE.match(value)
        if match:
            regime, kind, number = match.groups()
            return f"un:{regime.upper()}{kind.lower()}.{int(number):03d}"
        if value.isdigit():
            return f"un-dataid:{int(value)}"
    return f"{scheme}:{value}"


def kind_of(entry: Mapping[str, Any]) -> Kind:
    """What the list says the entry is; "unknown" when it says nothing."""
    for field in _TYPE_FIELDS:
        for text in _values(entry.get(field)):
            if _INDIVIDUAL.search(text):
                return "individual"
            if _ASSET.search(text):
                return "asset"
            if _ORGANISATION.search(text):
                return "organisation"
    if any(_values(entry.get(field)) for field in _BIRTH_FIELDS):
        return "individual"
    return "unknown"


def _values(value: Any) -> list[str]:
    """A field's text values: a string, or each string of a list (aliases, ids)."""
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, Iterable) and not isinstance(value, bytes | Mapping):
        return [v.strip() for v in value if isinstance(v, str) and v.strip()]
    return []

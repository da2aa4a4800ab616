"""Fast case-insensitive pre-searches find what the case-insensitive patterns find."""

from __future__ import annotations

import re
import sys

import pytest

from monitor.detect import cues
from monitor.detect.anycase import CASE_TRAPS, SAFE_LETTERS, AnyCase


def test_case_traps_are_every_character_lowering_misses() -> None:
    """For each letter a lowered pattern may hold, every character IGNORECASE takes for it must
    lower-case to it, or be a trap (so the search falls back to the case-insensitive one)."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    missed = {
        m.group(0)
        for letter in SAFE_LETTERS
        for m in re.finditer(re.escape(letter), everything, re.IGNORECASE)
        if m.group(0).lower() != letter
    }
    assert missed, "the check found no character at all: it would pass whatever CASE_TRAPS says"
    assert all(CASE_TRAPS.search(c) for c in missed), sorted(missed)


@pytest.mark.parametrize(
    "text",
    [
        "Russia REMOVED the Taliban from its list",
        "Россия ИСКЛЮЧИЛА «Талибан» из списка",
        "The Home Office said it would PROSCRIBE the group",
        "the US decision to list them as terrorists",
        "DESİGNATED as a terrorist organisation",  # dotted capital I: only IGNORECASE reads it
        "the weather was fine and nothing happened",
        "Specially Designated Nationals",
        "bans on activity",
        "",
    ],
)
def test_has_verb_matches_the_case_insensitive_search(text: str) -> None:
    assert cues.has_verb(text) == bool(cues.ANY_VERB.search(text))


def test_a_trap_character_still_finds_the_verb() -> None:
    assert cues.has_verb("DESİGNATED as a terrorist organisation")
    assert cues.has_verb("Russia REMOVED the Taliban from its list")
    assert not cues.has_verb("the weather was fine and nothing happened")


@pytest.mark.parametrize(
    ("source", "text", "found"),
    [
        (r"moscow\s+format", "The MOSCOW Format talks", True),
        (r"московск[а-яё]{0,4}\s+формат", "В МОСКОВСКОМ ФОРМАТЕ", True),
        (r"moscow\s+format", "Moscow talks", False),
        # not lowered, so still right: a case-sensitive part, a named group, a Greek letter,
        # a character given by its code
        (r"(?-i:HTS)", "hts", False),
        (r"(?-i:HTS)", "HTS", True),
        (r"(?P<x>abc)", "ABC", True),
        (r"σύνοδος", "ΣΎΝΟΔΟΣ", True),
        (r"\x41bc", "aBC", True),
    ],
)
def test_any_case_search_is_the_case_insensitive_search(
    source: str, text: str, found: bool
) -> None:
    assert AnyCase(source).search(text) is found
    assert bool(re.search(source, text, re.IGNORECASE)) is found

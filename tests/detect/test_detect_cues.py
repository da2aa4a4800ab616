"""The fast verb pre-search agrees with the case-insensitive pattern it stands in for."""

from __future__ import annotations

import re
import sys

import pytest

from monitor.detect import cues


def test_case_traps_are_every_character_lowering_misses() -> None:
    """Lower-casing finds what IGNORECASE finds, except for the characters CASE_TRAPS names.

    For each letter the verb patterns use, every character that IGNORECASE takes for it must
    lower-case to it, or be a trap (so ``has_verb`` falls back to the slow search)."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    letters = sorted({c for _, p in cues.VERBS for c in p.lower() if c.isalpha()})
    missed = {
        m.group(0)
        for letter in letters
        for m in re.finditer(re.escape(letter), everything, re.IGNORECASE)
        if m.group(0).lower() != letter
    }
    assert missed, "the check found no character at all: it would pass whatever CASE_TRAPS says"
    assert all(cues.CASE_TRAPS.search(c) for c in missed), sorted(missed)


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

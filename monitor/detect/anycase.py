"""Case-insensitive pre-searches made fast: lower-case the text, search it case-sensitively.

Python's regular expression engine passes over an alternative by its first character only when
case is exact, so a long IGNORECASE alternation is tried branch by branch at every word.
Searching lower-cased text with the lower-cased pattern is two to three times faster. For
patterns written in Latin and Cyrillic letters it finds whatever the case-insensitive search
finds, except around a few characters whose lower-case form is not what IGNORECASE takes them for
(the dotted and dotless i, the long s, old Cyrillic letter forms): a text with one of them gets
the case-insensitive search, and so does a pattern with other letters.
"""

from __future__ import annotations

import re

CASE_TRAPS = re.compile("[\u0130\u0131\u017f\u1c80-\u1c88]")
# Pattern sources whose meaning lower-casing would change: escapes such as \S or \W, characters
# given by code (\x41), named groups (?P<...>), case-sensitive parts (?-i:...).
_NOT_LOWERABLE = re.compile(r"\\[A-Zxu0-7]|\(\?P|\(\?[a-z]*-")
# The letters for which CASE_TRAPS is known to be complete (tests/detect/test_detect_anycase.py).
SAFE_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщъыьэюяё")


def _lowerable(source: str) -> bool:
    if _NOT_LOWERABLE.search(source):
        return False
    return all(ch in SAFE_LETTERS for ch in source.lower() if ch.isalpha())


class AnyCase:
    """A case-insensitive pattern, searched on lower-cased text whenever that is exact."""

    def __init__(self, source: str) -> None:
        self.pattern = re.compile(source, re.IGNORECASE)
        self._lowered = re.compile(source.lower()) if _lowerable(source) else None

    def search(self, text: str) -> bool:
        """Does the pattern match anywhere in text (as ``pattern.search`` would)?"""
        if self._lowered is None or CASE_TRAPS.search(text):
            return self.pattern.search(text) is not None
        return self._lowered.search(text.lower()) is not None

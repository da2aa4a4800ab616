"""Which language an item is written in: for the evidence, and to know whether the English and
Russian rules have read it.

py3langid ships its model inside the package (no download); it is loaded at the first call
(~1 s) and answers in ~0.1 ms. Only items that reach the second stage are asked.
"""

from __future__ import annotations


def language_of(text: str) -> str:
    """ISO 639-1 code of the text's language ("en", "ru", "fa", ...); "und" for no text."""
    if not text.strip():
        return "und"
    import py3langid  # type: ignore[import-untyped]  # loads its model on import: only processes that classify pay

    code, _ = py3langid.classify(text)
    return str(code)

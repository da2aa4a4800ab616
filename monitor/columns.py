"""Text for the terminal: untrusted text made visible, and plain tables of it.

Feed titles, list entries, HTTP reason phrases, selectors and error messages come from outside.
Printed raw, an ESC or OSC sequence in them would recolour the terminal or retitle its window, and
a U+202E would reverse what follows; printed through rich, "[/b]" raises and "[link=...]" hides a
hyperlink. :func:`visible` is the one way every printer of the monitor shows such text.

rich lays a table out cell by cell (measuring, wrapping, styling): about a millisecond a row, so
``run --once`` over 3,000 new sources spent seconds printing. :func:`render` tables are columns
padded to their widest cell, nothing else: no markup is read in cells (a feed title with "[b]"
stays as it is), and a long cell stays on one line, whole, for grep.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

GAP = "  "

_NAMED = {"\n": r"\n", "\r": r"\r", "\t": r"\t"}
# Bidirectional formatting characters (Unicode's Bidi_Control), and the line and paragraph
# separators that some terminals and editors break lines at.
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
_CONTROLS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))] + list(_BIDI)


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_ONE_LINE = str.maketrans({char: _escape(char) for char in _CONTROLS})
_LINES = str.maketrans({char: _escape(char) for char in _CONTROLS if char not in "\n\t"})


def visible(text: object, *, markup: bool = False, lines: bool = False) -> str:
    """``text`` safe to print: every control character (C0, DEL, C1 such as ESC, BEL, CSI) and
    every bidi control (U+202E, U+2066-2069, ...) written as its escape (``\\x1b``, ``\\u202e``),
    so a terminal shows it instead of obeying it. A newline is escaped too, since a value is one
    line, unless ``lines`` (then newlines and tabs stay). ``markup``: the text is for a rich
    printer, which then shows "[/b]" or "[link=...]" as written instead of reading them."""
    shown = str(text).translate(_LINES if lines else _ONE_LINE)
    if markup:
        from rich.markup import escape  # imported here: plain printers never load rich

        shown = escape(shown)
    return shown


def render(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Left-aligned columns under their headers, one line per row, no trailing spaces; each
    cell shown :func:`visible`."""
    lines = [list(headers), *([visible(cell) for cell in row] for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    return "\n".join(
        " " + GAP.join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )

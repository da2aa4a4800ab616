"""Tables of plain text for the commands that can print thousands of rows.

rich lays a table out cell by cell (measuring, wrapping, styling): about a millisecond a row, so
``run --once`` over 3,000 new sources spent seconds printing. These tables are columns padded to
their widest cell, nothing else: no markup is read in cells (a feed title with "[b]" stays as it
is), and a long cell stays on one line, whole, for grep.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

GAP = "  "


def render(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Left-aligned columns under their headers, one line per row, no trailing spaces."""
    lines = [list(headers), *(list(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    return "\n".join(
        " " + GAP.join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )

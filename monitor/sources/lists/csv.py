"""CSV lists: one row per entry, fields naming columns by header or by 1-based index.

OFAC's legacy files have no header and write ``-0-`` for an empty cell; a cell that is exactly
``-0-`` (once trimmed) therefore reads as empty.
"""

from __future__ import annotations

import csv
import io

from monitor.config import Source
from monitor.errors import ParseError
from monitor.sources.lists import FieldValue
from monitor.text import decode_text, normalize_text

_EMPTY = "-0-"


def _index(spec: str) -> int | None:
    """A 0-based index for a field written as a 1-based column number, else None."""
    spec = spec.strip()
    return int(spec) - 1 if spec.isdigit() and int(spec) >= 1 else None


def compile_selectors(source: Source) -> None:
    """Raise ValueError for a bad delimiter, or a column name in a list without header."""
    if len(source.delimiter) != 1:
        raise ValueError(f"delimiter: expected one character, got {source.delimiter!r}")
    if not source.header:
        for name, spec in source.fields.items():
            if _index(spec) is None:
                raise ValueError(
                    f"fields.{name}: a CSV without header names columns by number "
                    f"(1 is the first), got {spec!r}"
                )


def _columns(source: Source, header: list[str] | None) -> dict[str, int]:
    names = {normalize_text(h).casefold(): i for i, h in reversed(list(enumerate(header or [])))}
    columns = {}
    for name, spec in source.fields.items():
        column = names.get(normalize_text(spec).casefold())
        if column is None:
            column = _index(spec)
        if column is None:
            raise ParseError(f"fields.{name}: no column {spec!r} in the header {header}")
        columns[name] = column
    return columns


def _cell(row: list[str], column: int) -> str:
    text = normalize_text(row[column]) if column < len(row) else ""
    return "" if text == _EMPTY else text


def parse(body: bytes, source: Source, content_type: str | None) -> list[dict[str, FieldValue]]:
    """One row of field values per non-blank CSV record after ``skip_lines`` and the header."""
    try:
        compile_selectors(source)
    except ValueError as exc:
        raise ParseError(str(exc)) from None
    stream = io.StringIO(decode_text(body, content_type, source.encoding), newline="")
    for _ in range(source.skip_lines):
        stream.readline()
    reader = csv.reader(stream, delimiter=source.delimiter)
    rows: list[dict[str, FieldValue]] = []
    try:
        header = None
        if source.header:
            header = next((r for r in reader if any(cell.strip() for cell in r)), None)
            if header is None:
                return []
        columns = _columns(source, header)
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            rows.append({name: _cell(record, column) for name, column in columns.items()})
    except csv.Error as exc:
        raise ParseError(f"unreadable CSV: {exc}, line {reader.line_num}") from None
    return rows

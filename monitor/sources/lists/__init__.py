"""Official lists read as entries: bytes in, entries out; no network, no database.

Each format module (html, xml, csv, json, feed) turns a document into rows of normalised field
values. The rules every format shares live here, so a list reads the same whatever its format:

- ``entry["key"]`` is the text of the field named by ``source.key`` (its first value when that
  field matched several nodes); an entry whose key is empty is skipped.
- If ``source.removed_when`` (a regular expression) is found in any field's text, the entry is
  skipped: a list that keeps a removed organisation as a stub row ("Организация исключена ...")
  then reads as a removal.
- ``source.key_pattern`` (a regular expression) keeps only part of the key text — its first
  group, or the whole match — so a list whose rows carry numbers or court decisions beside the
  name is still keyed by the name.
- A later entry whose key was already seen gets `` #2``, `` #3``, ... appended, in document
  order, so two rows with the same name stay two entries (counted after skipping removed rows).
- A ZIP archive holding one document is read as that document (no more than ``max_bytes`` of it).
- A document that cannot be read at all raises :class:`~monitor.errors.ParseError`; one that
  parses but whose entry selector matches nothing gives ``[]`` (the caller treats that as
  suspect, not as every entry removed).
"""

from __future__ import annotations

import importlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from monitor.config import HttpSettings, Source
from monitor.errors import ParseError

FieldValue = str | list[str]
Entry = dict[str, FieldValue]  # always has "key": str, plus each configured field
Select = Callable[[Any], list[Any]]  # a document's entry nodes (elements, JSON values)
Read = Callable[[Any], FieldValue]  # one field's value, read from an entry node

_FORMATS = ("html", "xml", "csv", "json", "feed")
_ZIP_MAGIC = b"PK\x03\x04"


class _FormatModule(Protocol):
    def parse(
        self, body: bytes, source: Source, content_type: str | None
    ) -> list[dict[str, FieldValue]]: ...

    def compile_selectors(self, source: Source) -> None: ...


def _module(source: Source) -> _FormatModule:
    if source.format not in _FORMATS:
        raise ValueError(f"source {source.id}: unknown list format {source.format!r}")
    # Imported on first use so that the format modules can import the names defined above.
    module: _FormatModule = importlib.import_module(f"{__name__}.{source.format}")
    return module


def compile_selectors(source: Source) -> None:
    """Check that the source's selectors and paths compile; raise ValueError saying which not.

    For offline catalogue checks: it needs no document.
    """
    _module(source).compile_selectors(source)


def compile_each(
    source: Source, entries: Callable[[str], Select], field: Callable[[str], Read]
) -> tuple[Select, dict[str, Read]]:
    """The ``entries`` selector and each field's, compiled by the format's own compilers; a
    ValueError says which one is at fault."""
    where = "entries"
    try:
        select = entries(source.entries or "")
        fields = {}
        for name, selector in source.fields.items():
            where = f"fields.{name}"
            fields[name] = field(selector)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    return select, fields


def select_rows(
    body: bytes,
    source: Source,
    content_type: str | None,
    compile_: Callable[[Source], tuple[Select, dict[str, Read]]],
    document: Callable[[bytes, str | None, str | None], Any],
) -> list[dict[str, FieldValue]]:
    """One row of field values per node the ``entries`` selector picks (html, xml, json). The
    selectors are compiled before the document is read: a wrong one is reported whatever it is."""
    try:
        select, fields = compile_(source)
    except ValueError as exc:
        raise ParseError(str(exc)) from None
    nodes = select(document(body, content_type, source.encoding))
    return [{name: read(node) for name, read in fields.items()} for node in nodes]


def parse_list(body: bytes, source: Source, *, content_type: str | None = None) -> list[Entry]:
    """Read one fetched document of a list source as its entries, in document order."""
    try:
        module = _module(source)
    except ValueError as exc:
        raise ParseError(str(exc)) from None
    if body.startswith(_ZIP_MAGIC):
        body = unzip_document(body, int(source.max_bytes or HttpSettings().max_bytes))
    rows = module.parse(body, source, content_type)
    key_field = source.key
    if source.format == "feed":  # a feed list may name its key by the feed's own field names
        from monitor.sources.lists.feed import key_field as feed_key_field

        key_field = feed_key_field(source)
    removed = re.compile(source.removed_when) if source.removed_when else None
    key_pattern = re.compile(source.key_pattern) if source.key_pattern else None
    entries: list[Entry] = []
    seen: set[str] = set()
    for row in rows:
        key = first_text(row.get(key_field, ""))
        if key_pattern is not None:
            key = _key_part(key_pattern, key)
        if not key or (removed and _matches(removed, row)):
            continue
        if key in seen:
            n = 2
            while f"{key} #{n}" in seen:
                n += 1
            key = f"{key} #{n}"
        seen.add(key)
        entry: Entry = {"key": key, **row}
        entry["key"] = key  # a field that is itself named "key" does not override it
        entries.append(entry)
    return entries


def unzip_document(body: bytes, limit: int) -> bytes:
    """The one document inside a ZIP archive (OFAC serves its ENHANCED_XML files zipped), read
    no further than ``limit`` bytes, the source's ``max_bytes``: an archive is no way around it."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1:
                names = ", ".join(m.filename for m in members) or "nothing"
                raise ParseError(f"a ZIP archive should hold one document; this one holds {names}")
            with archive.open(members[0]) as member:
                document = member.read(limit + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        raise ParseError(f"not a readable ZIP archive: {exc}") from None
    if len(document) > limit:
        raise ParseError(f"{members[0].filename} unpacks to more than max_bytes ({limit} bytes)")
    return document


def _key_part(pattern: re.Pattern[str], text: str) -> str:
    """The part of the key text that identifies the entry (``key_pattern``); all of it if no match."""
    match = pattern.search(text)
    if match is None:
        return text
    part = match.group(1) if pattern.groups else match.group(0)
    return (part or "").strip()


REPEATED_KEY = re.compile(r" #\d+$")  # the suffix :func:`parse_list` gives a key seen before


def repeated_keys(entries: Iterable[Mapping[str, object]]) -> list[str]:
    """The keys that :func:`parse_list` found more than once, as it suffixed them ("X #2")."""
    return [str(e["key"]) for e in entries if REPEATED_KEY.search(str(e["key"]))]


def first_text(value: FieldValue) -> str:
    """A field's text, or its first value when it matched several nodes."""
    if isinstance(value, list):
        return value[0] if value else ""
    return value


def _matches(pattern: re.Pattern[str], row: dict[str, FieldValue]) -> bool:
    for value in row.values():
        for text in value if isinstance(value, list) else [value]:
            if pattern.search(text):
                return True
    return False

"""``monitor sources --check``: the catalogue validated offline, before it meets the network.

Config loading already refuses wrong keys, types, duplicate ids, intervals out of range and
selectors that do not compile (a config that loads has passed all of that). This adds what needs
a document: every source with a recorded ``sample`` parses it to a plausible, non-empty set of
entries or items with no repeated key, and each list's line says how many of its canaries
(``expect``) the sample holds. ``expect_entries`` is the live list's size and is not held against
a sample, which is often an excerpt.
"""

from __future__ import annotations

from pathlib import Path

from monitor.config import Settings, Source
from monitor.diff import missing_canaries
from monitor.errors import ParseError
from monitor.sources.feed import parse_feed
from monitor.sources.lists import parse_list, repeated_keys


def check_source(source: Source) -> tuple[list[str], str | None]:
    """Problems with one source, and a line saying what was checked (what its sample parsed to).

    A source without a sample is not a problem (a user's own source may have none); its line says
    that only its settings and selectors were checked. Disabled sources are checked all the same.
    """
    problems: list[str] = []
    where = f"source {source.id}"
    label = source.id if source.enabled else f"{source.id} (disabled)"
    if not source.sample:
        checked = "settings and selectors" if source.kind == "list" else "settings"
        return problems, f"{label}: no sample, {checked} checked only"
    path = Path(source.sample)
    try:
        body = path.read_bytes()
    except OSError as exc:
        problems.append(f"{where}: cannot read its sample {path}: {exc.strerror}")
        return problems, None
    content_type = content_type_of(path)
    try:
        if source.kind == "feed":
            feed = parse_feed(body, content_type=content_type, url=source.url)
            if not feed.items:
                problems.append(f"{where}: its sample {path.name} has no items")
            return problems, f"{label}: sample has {len(feed.items)} items"
        entries = parse_list(body, source, content_type=content_type)
    except ParseError as exc:
        problems.append(f"{where}: its sample {path.name} does not parse: {exc}")
        return problems, None
    if not entries:
        problems.append(f"{where}: its sample {path.name} parses to no entries (selectors wrong?)")
    empty = sum(1 for e in entries if not e["key"])
    if empty:
        problems.append(f"{where}: {empty} entries of its sample have an empty key")
    repeated = repeated_keys(entries)
    if repeated:
        shown = ", ".join(repr(k) for k in repeated[:3]) + (" ..." if len(repeated) > 3 else "")
        problems.append(
            f"{where}: {len(repeated)} of the {len(entries)} entries of its sample repeat another "
            f"entry's key ({shown}): is key = {source.key!r} the identifying field?"
        )
    sample_line = f"{label}: sample parses to {len(entries)} entries"
    if entries:
        sample_line += f", e.g. {str(entries[0]['key'])[:60]!r}"
    sample_line += f"; {len(repeated)} repeated keys"
    if source.expect:
        found = len(source.expect) - len(missing_canaries(entries, source.expect))
        sample_line += f"; canaries found in the sample: {found} of {len(source.expect)}"
    # The sample is an excerpt: expect_entries is the live list's size, not checked against it.
    return problems, sample_line


def check_catalogue(settings: Settings) -> tuple[list[str], list[str]]:
    """Problems of every source, and a line per source saying what was checked."""
    settings.check_before_polling()
    problems: list[str] = []
    lines: list[str] = []
    for source in settings.sources:
        found, line = check_source(source)
        problems += found
        if line:
            lines.append(line)
    return problems, lines


def content_type_of(path: Path) -> str | None:
    """The content type a sample file stands for (what the server would have said), by its
    suffix: the parsers read a document as its type says."""
    return {
        ".html": "text/html",
        ".htm": "text/html",
        ".xml": "application/xml",
        ".json": "application/json",
        ".csv": "text/csv",
        ".atom": "application/atom+xml",
        ".rss": "application/rss+xml",
        ".zip": "application/zip",
    }.get(path.suffix.lower())

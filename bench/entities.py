"""Entity resolution on the real lists in ../shared/data: counts, merged pairs by reason, time.

    .venv/bin/python bench/entities.py [--json] [--data DIR]

Each document is read through the catalogue's own source (feeds/*.toml, with its
``[source.identifiers]``) and the project's list parser, as a poll would read it; the FSB page
and the founding story's news report ("Taliban") are added, so the Taliban's thread is there.
tests/entities/test_real_lists.py asserts on the same resolution; this prints the numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from monitor.config import Settings, load_settings  # noqa: E402
from monitor.entities.mentions import Mention, mention_of_entry, mention_of_news  # noqa: E402
from monitor.entities.resolve import Resolution, resolve  # noqa: E402
from monitor.sources.lists import Entry, parse_list  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
# (source, document in ../shared/data, content type): the real copies the catalogue was checked on.
DOCUMENTS = (
    ("un-sc-consolidated", "un/un_consolidated_2024-09-21.xml", "application/xml"),
    ("gb-sanctions-terrorism", "gb/uk_sanctions_list_2026-09-02.EXCERPT.xml", "application/xml"),
    ("eu-fsf-terrorism", "eu/eu_fsf_1.1_2018-12-21.EXCERPT.xml", "application/xml"),
    ("us-ofac-sdn-all", "ofac/sdn_csv_2019-01-15/sdn.csv", "text/csv"),
    ("us-ofac-sdn", "ofac/ofac_cons_nonsdn_2025-06-30.xml", "text/xml"),
    ("us-ofac-sdn-enhanced", "ofac/ofac_cons_enhanced_2025-01-10.zip", "application/zip"),
    ("ru-fsb-terrorist-list", "ru_fsb/fsb_terror_list_2024.html", "text/html"),
)
NEWS = ("Taliban",)  # the founding story's organisation, as the detector names it


def settings() -> Settings:
    return load_settings(REPO / "monitor.toml", env={})


def read_lists(config: Settings, data: Path = SHARED) -> dict[str, list[Entry]]:
    """Each real document's entries, parsed by its catalogue source; missing ones left out."""
    out = {}
    for source_id, relative, content_type in DOCUMENTS:
        path = data / relative
        if path.exists():
            source = config.source(source_id)
            out[source_id] = parse_list(path.read_bytes(), source, content_type=content_type)
    return out


def mentions(config: Settings, lists: dict[str, list[Entry]]) -> list[Mention]:
    found = [
        mention_of_entry(source_id, str(e["key"]), e, config.source(source_id).identifiers)
        for source_id, entries in lists.items()
        for e in entries
    ]
    return found + [mention_of_news(name) for name in NEWS]


def merged_pairs(resolution: Resolution) -> Iterator[tuple[str, str]]:
    """Every pair of members that resolution made one entity, each pair once (a < b)."""
    for entity in resolution.entities:
        yield from combinations(entity.members, 2)


def pair_kind(resolution: Resolution, a: str, b: str) -> str:
    """The weakest evidence on the chain of links joining a and b."""
    kinds = {link.kind for link in resolution.explain(a, b)}
    for kind in ("variant", "name", "rule", "identifier"):
        if kind in kinds:
            return kind
    return "none"


def sample(pairs: list[tuple[str, str]], size: int) -> list[tuple[str, str]]:
    """A deterministic draw: the pairs whose hash comes first."""
    return sorted(pairs, key=lambda p: hashlib.sha256(f"{p[0]}|{p[1]}".encode()).hexdigest())[:size]


def measure(data: Path = SHARED) -> dict[str, Any]:
    config = settings()
    lists = read_lists(config, data)
    found = mentions(config, lists)
    started = time.perf_counter()
    resolution = resolve(found, config.entities)
    seconds = time.perf_counter() - started
    pairs = list(merged_pairs(resolution))
    return {
        "entries": {source: len(entries) for source, entries in lists.items()},
        "mentions": len(found),
        "entities": len(resolution.entities),
        "entities_of_several": sum(1 for e in resolution.entities if len(e.members) > 1),
        "merged_pairs": len(pairs),
        "pairs_by_reason": dict(Counter(pair_kind(resolution, a, b) for a, b in pairs)),
        "links_by_reason": dict(Counter(k.kind for e in resolution.entities for k in e.links)),
        "kept_apart": len(resolution.apart),
        "resolve_seconds": round(seconds, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--data", type=Path, default=SHARED, help="the shared data folder")
    args = parser.parse_args()
    result = measure(args.data)
    if args.json:
        print(json.dumps(result))
        return
    for source, count in result["entries"].items():
        print(f"{source:24} {count:6} entries")
    for key in ("mentions", "entities", "entities_of_several", "merged_pairs", "kept_apart"):
        print(f"{key:24} {result[key]:6}")
    for title in ("pairs_by_reason", "links_by_reason"):
        counts = ", ".join(f"{k} {v}" for k, v in sorted(result[title].items()))
        print(f"{title:24} {counts}")
    print(f"{'resolve_seconds':24} {result['resolve_seconds']:6}")


if __name__ == "__main__":
    main()

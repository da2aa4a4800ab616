"""A library release that renames its private helpers changes nothing: the monitor uses none.

feedparser is read only through ``feedparser.parse``, and the fast path through lxml's and the
standard library's public APIs, so a feedparser whose private names are all gone still reads
every feed, both ways, to the same items.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

from tests.conftest import REPO

FEED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>wire</title>'
    b"<item><title>Kazakhstan delists a group</title><link>https://wire.example/1</link>"
    b'<guid isPermaLink="false">wire-1</guid><pubDate>Tue, 01 Oct 2024 09:00:00 GMT</pubDate>'
    b"<description>The ministry said so.</description></item></channel></rss>"
)

SCRIPT = """
import json, logging, sys, types
import feedparser
if sys.argv[1] == "private-names-gone":  # as importers would see such a release
    for name, module in list(sys.modules.items()):
        if name == "feedparser" or name.startswith("feedparser."):
            public = types.ModuleType(name)
            public.__dict__.update(
                {k: v for k, v in vars(module).items() if k.startswith("__") or k[0] != "_"}
            )
            sys.modules[name] = public
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
from monitor.sources import fastfeed
from monitor.sources.feed import parse_feed
body = sys.stdin.buffer.read()
where = dict(content_type="application/rss+xml", url="https://wire.example/feed")
print(json.dumps({
    "fast path taken": fastfeed.read(body, **where) is not None,
    **{
        f"fast={fast}": [
            [i.item_id, i.title, i.url, i.published]
            for i in parse_feed(body, fast=fast, **where).items
        ]
        for fast in (True, False)
    },
}))
"""


def _read(variant: str) -> tuple[dict[str, object], str]:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, variant],
        input=FEED,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout), proc.stderr.decode()


def test_a_feedparser_without_its_private_names_reads_every_feed_the_same() -> None:
    as_is, quiet = _read("as-is")
    gone, also_quiet = _read("private-names-gone")
    assert gone == as_is
    assert as_is["fast path taken"] is True
    assert (
        as_is["fast=True"]
        == as_is["fast=False"]
        == [
            [
                "guid:wire-1",
                "Kazakhstan delists a group",
                "https://wire.example/1",
                "2024-10-01T09:00:00Z",
            ]
        ]
    )
    assert not quiet and not also_quiet


def _imports(node: ast.AST) -> list[list[str]]:
    """The dotted names an import statement brings in, each as its parts."""
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [[*node.module.split("."), alias.name] for alias in node.names]
    if isinstance(node, ast.Import):
        return [alias.name.split(".") for alias in node.names]
    return []


def test_no_private_name_is_imported_from_another_package() -> None:
    """``from x import _y`` or ``import x._y`` of a library ties a release to its internals."""
    found = [
        f"{path.relative_to(REPO)}:{node.lineno}"
        for path in sorted((REPO / "monitor").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        for parts in _imports(node)
        if parts[0] not in ("monitor", "__future__") and any(p.startswith("_") for p in parts)
    ]
    assert not found

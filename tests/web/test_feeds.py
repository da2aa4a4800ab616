"""/feeds/changes.atom: valid Atom (RFC 4287's RELAX NG grammar, fixtures/atom.rng, and the
rules it states in Schematron), read by feedparser as a feed reader would, filtered like the
log, with entry ids that stay the same across restarts of `monitor serve`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from monitor.config import load_settings
from monitor.store import Store
from tests.web.server import Server

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures"
ATOM = {"atom": "http://www.w3.org/2005/Atom"}


@pytest.fixture(scope="module")
def atom_grammar() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(FIXTURES / "atom.rng")))


def valid(grammar: etree.RelaxNG, body: bytes) -> etree._Element:
    """The feed, checked against the grammar and against RFC 4287's Schematron rules."""
    document = etree.fromstring(body)
    assert grammar.validate(document), grammar.error_log
    # An atom:feed has an atom:author unless all of its entries do; every entry has an
    # alternate link or content.
    assert document.xpath("atom:author", namespaces=ATOM) or not document.xpath(
        "atom:entry[not(atom:author)]", namespaces=ATOM
    )
    assert not document.xpath(
        "atom:entry[not(atom:link[@rel='alternate'] or atom:link[not(@rel)] or atom:content)]",
        namespaces=ATOM,
    )
    return document


def store_events(config: Path) -> list[Any]:
    store = Store(load_settings(config, env={}).store.url, create=False)
    try:
        return store.read()
    finally:
        store.close()


def test_the_feed_is_valid_atom_that_feedparser_reads(
    web: Server, demo: Path, atom_grammar: etree.RelaxNG
) -> None:
    response = web.get("/feeds/changes.atom")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    valid(atom_grammar, response.content)
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    events = store_events(demo)
    first_day = min(e.recorded_at for e in events).date()
    newest = sorted((e.id for e in events), reverse=True)[:50]
    assert [e.id for e in feed.entries] == [f"tag:monitor,{first_day}:event/{i}" for i in newest]
    # Where the report falls among the demo's events varies (its polls run side by side).
    reports = feedparser.parse(web.get("/feeds/changes.atom?type=designation_reported").content)
    [reported] = reports.entries
    assert "Taliban" in reported.title
    assert reported.link.startswith(web.url + "/events/")
    assert "Russia" in reported.content[0].value  # the matched sentence, as text


def test_the_grammar_refuses_a_broken_feed(web: Server, atom_grammar: etree.RelaxNG) -> None:
    """The check above means something: an entry without its id, or with a date that is not
    RFC 3339, is refused."""
    document = etree.fromstring(web.get("/feeds/changes.atom").content)
    entry = document.find("atom:entry", ATOM)
    assert entry is not None
    entry.remove(entry.find("atom:id", ATOM))
    assert not atom_grammar.validate(document)
    document = etree.fromstring(web.get("/feeds/changes.atom").content)
    updated = document.find("atom:updated", ATOM)
    assert updated is not None
    updated.text = "5 October 2024"
    assert not atom_grammar.validate(document)


def test_the_feed_takes_the_log_filters(web: Server, atom_grammar: etree.RelaxNG) -> None:
    changed = feedparser.parse(web.get("/feeds/changes.atom?type=entry_changed").content)
    assert len(changed.entries) == 2
    assert all("entry_changed" in e.title for e in changed.entries)
    un = web.get("/feeds/changes.atom?jurisdiction=UN&q=isil")
    valid(atom_grammar, un.content)
    parsed = feedparser.parse(un.content)
    assert parsed.entries and all("ISIL" in e.title.upper() for e in parsed.entries)
    assert parsed.feed.title == "monitor: change log (jurisdiction UN, q isil)"
    # One entity, named in Russian: its list change, its story, and the confirmation.
    taliban = web.get("/feeds/changes.atom?entity=Талибан")
    valid(atom_grammar, taliban.content)
    titles = [e.title for e in feedparser.parse(taliban.content).entries]
    for kind in ("entry_changed", "designation_reported", "designation_confirmed"):
        assert any(f" {kind}" in title for title in titles), (kind, titles)
    # The FSB row's baseline and change, the report, the corroboration, the confirmation.
    assert len(titles) == 5
    assert all(" designation_" in t or "Движение Талибан" in t for t in titles), titles
    refused = web.get("/feeds/changes.atom?type=nonsense")
    assert refused.status_code == 400
    assert "unknown event type 'nonsense'" in refused.json()["detail"]


def test_entry_ids_are_stable_across_restarts(demo: Path, atom_grammar: etree.RelaxNG) -> None:
    ids = []
    for _ in range(2):
        server = Server(demo, demo.parent)
        try:
            body = server.get("/feeds/changes.atom").content
        finally:
            assert server.stop() == 0, server.output()
        document = valid(atom_grammar, body)
        ids.append(document.xpath("atom:entry/atom:id/text()", namespaces=ATOM))
    assert ids[0] == ids[1] and len(set(ids[0])) == len(ids[0]) == 50

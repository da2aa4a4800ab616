"""Resolution measured on the real lists in ../shared/data (skipped where they are missing).

The documents are read as a poll reads them: through the catalogue's own sources (feeds/*.toml,
with their ``[source.identifiers]``) and the project's list parsers (bench/entities.py, which
prints the numbers). The UN list of 2024-09-21, the UK and EU excerpts, OFAC's 2019 CSV and its
2025 files, the FSB page, and the founding story's report ("Taliban").
"""

from __future__ import annotations

import csv
import importlib.util
import json
import random
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from types import ModuleType

import pytest

from monitor.config import Settings
from monitor.entities.mentions import Mention
from monitor.entities.resolve import Resolution, resolve
from tests.conftest import FIXTURES, REPO, shared

SAMPLE = FIXTURES / "entities" / "merged_pairs_sample.tsv"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_entities", REPO / "bench" / "entities.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()


@dataclass(frozen=True)
class Real:
    settings: Settings
    mentions: list[Mention]
    resolution: Resolution


@pytest.fixture(scope="module")
def real() -> Real:
    data = shared("un/un_consolidated_2024-09-21.xml").parents[1]
    settings = bench.settings()
    lists = bench.read_lists(settings, data)
    mentions = bench.mentions(settings, lists)
    return Real(settings, mentions, resolve(mentions, settings.entities))


def _together(resolution: Resolution, a: str, b: str) -> bool:
    entity = resolution.of(a)
    return entity is not None and entity is resolution.of(b)


def test_entries_that_share_a_un_reference_are_one_entity(real: Real) -> None:
    by_reference: dict[str, list[str]] = defaultdict(list)
    for mention in real.mentions:
        for ident in mention.identifiers:
            if ident.startswith(("un:", "ofac:")):
                by_reference[ident].append(mention.ref)
    shared_refs = {i: refs for i, refs in by_reference.items() if len(refs) > 1}
    # the UK excerpt's two records (TAe.010, TAi.002); OFAC uids 9647 and 9659 in three files
    assert {"un:TAe.010", "un:TAi.002", "ofac:9647", "ofac:9659"} <= set(shared_refs)
    for ident, refs in shared_refs.items():
        entities = {real.resolution.of(ref) for ref in refs}
        assert len(entities) == 1, (ident, refs)
    akhund = real.resolution.of("gb-sanctions-terrorism:AFG0006")
    assert akhund is not None and akhund.members == (
        "gb-sanctions-terrorism:AFG0006",
        "un-sc-consolidated:TAi.002",
    )


def _sample() -> list[dict[str, str]]:
    lines = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    return list(csv.DictReader(lines, delimiter="\t"))


def test_a_hand_checked_sample_of_merged_pairs_is_precise(real: Real) -> None:
    rows = _sample()
    assert len(rows) == 100 and all(r["verdict"] in ("same", "different") for r in rows)
    assert all(len(r["reason"]) > 20 for r in rows), "each verdict says why"
    merged = [r for r in rows if _together(real.resolution, r["a"], r["b"])]
    # the sample was drawn from this resolution; a change that unmerges many of its pairs
    # needs a new sample, not a quiet pass
    assert len(merged) >= 90, len(merged)
    precision = sum(r["verdict"] == "same" for r in merged) / len(merged)
    assert precision >= 0.98, [(r["a"], r["b"]) for r in merged if r["verdict"] != "same"]


# Distinct organisations whose names are close on these lists: each pair stays two entities.
NEAR_MISSES = [
    # the Taliban and the Pakistani Taliban (TTP)
    ("us-ofac-sdn-all:6636", "us-ofac-sdn-all:12206"),
    ("us-ofac-sdn-all:6636", "un-sc-consolidated:QDe.132"),
    ("news:taliban", "un-sc-consolidated:QDe.132"),
    # Al-Qaida and its branches
    ("un-sc-consolidated:QDe.004", "un-sc-consolidated:QDe.129"),
    ("un-sc-consolidated:QDe.004", "un-sc-consolidated:QDe.115"),
    ("un-sc-consolidated:QDe.004", "un-sc-consolidated:QDe.014"),
    ("us-ofac-sdn-all:6366", "us-ofac-sdn-all:11695"),
    # Hamas and the other "Harakat ..." (movement ...) groups
    ("us-ofac-sdn-all:4695", "un-sc-consolidated:QDe.008"),
    ("us-ofac-sdn-all:4695", "un-sc-consolidated:QDe.130"),
    ("us-ofac-sdn-all:4695", "un-sc-consolidated:QDe.149"),
    ("un-sc-consolidated:QDe.008", "un-sc-consolidated:QDe.130"),
    # one alias ("Ansar al-Sharia", "Supporters of Islamic Law") on three groups
    ("un-sc-consolidated:QDe.145", "un-sc-consolidated:QDe.146"),
    ("un-sc-consolidated:QDe.143", "un-sc-consolidated:QDe.146"),
    ("us-ofac-sdn-all:16475", "us-ofac-sdn-all:16476"),
    # Ansar al-Islam (Iraq) and Ansarul Islam (Burkina Faso)
    ("us-ofac-sdn-all:7472", "us-ofac-sdn-all:23803"),
    # Jund al-Khilafah in Algeria and in Tunisia
    ("un-sc-consolidated:QDe.151", "un-sc-consolidated:QDe.167"),
    # Al Furqan (Bosnia) and the Revival of Islamic Heritage Society (alias "Al-Furkan")
    ("un-sc-consolidated:QDe.107", "us-ofac-sdn-all:7149"),
    ("us-ofac-sdn-all:8225", "us-ofac-sdn-all:7149"),
    ("un-sc-consolidated:QDe.069", "un-sc-consolidated:QDe.070"),
    # Korean companies one consonant apart (Taesong / Daesong)
    ("un-sc-consolidated:KPe.041", "un-sc-consolidated:KPe.042"),
    ("un-sc-consolidated:KPe.035", "un-sc-consolidated:KPe.042"),
    # al-Tawhid wal-Jihad: the old name of AQI and an alias of the Uzbek KTJ
    ("un-sc-consolidated:QDe.115", "un-sc-consolidated:QDe.168"),
    # same name on one list, different bodies
    ("us-ofac-sdn-all:7637", "us-ofac-sdn-all:7643"),  # AL-AQSA FOUNDATION (branches)
    ("us-ofac-sdn-all:4706", "us-ofac-sdn-all:7755"),  # NATIONAL LIBERATION ARMY
    ('ru-fsb-terrorist-list:"Исламская группа" ("Аль-Гамаа аль-Исламия")',
     'ru-fsb-terrorist-list:"Исламская группа" ("Джамаат-и-Ислами")'),
    ("un-sc-consolidated:QDe.110", "un-sc-consolidated:QDe.111"),  # two Al-Haramain branches
    # spellings one vowel or one numeral apart
    ("us-ofac-sdn-all:16604", "us-ofac-sdn-all:17787"),  # KUDO-KAI / KODO-KAI
    ("us-ofac-sdn-all:15125", "us-ofac-sdn-all:15129"),  # HADI / HODA SHIPPING
    ("us-ofac-sdn-all:18616", "us-ofac-sdn-all:18618"),  # SHELIMAR ... HOLDINGS II / III
    # the UN's one entry for two companies; OFAC lists each
    ("us-ofac-sdn-all:10117", "us-ofac-sdn-all:10118"),
]  # fmt: skip


@pytest.mark.parametrize(("a", "b"), NEAR_MISSES)
def test_distinct_organisations_with_similar_names_stay_apart(real: Real, a: str, b: str) -> None:
    assert real.resolution.of(a) is not None and real.resolution.of(b) is not None
    assert not _together(real.resolution, a, b), real.resolution.explain(a, b)


def test_the_founding_story_is_one_entity_with_and_without_the_rules(real: Real) -> None:
    fsb = 'ru-fsb-terrorist-list:"Движение Талибан"'
    for resolution in (real.resolution, resolve(real.mentions)):
        taliban = resolution.of("news:taliban")
        assert taliban is not None
        assert set(taliban.members) == {"news:taliban", fsb, "us-ofac-sdn-all:6636"}
        assert resolution.find("Талибан") == resolution.find("Taleban") == [taliban]
    shipped = real.resolution.of(fsb)
    assert shipped is not None and (shipped.id, shipped.name) == ("taliban", "Taliban")


def test_al_qaida_on_three_lists_in_two_scripts(real: Real) -> None:
    al_qaida = real.resolution.of("un-sc-consolidated:QDe.004")
    assert al_qaida is not None and al_qaida.name == "Al-Qaida"
    assert set(al_qaida.members) == {
        "un-sc-consolidated:QDe.004",
        "us-ofac-sdn-all:6366",
        'ru-fsb-terrorist-list:"База" ("Аль-Каида")',
    }


def test_isil_under_its_un_listing_and_its_provinces_apart(real: Real) -> None:
    isil = real.resolution.of("us-ofac-sdn-all:8759")
    assert isil is not None and (isil.id, isil.name) == ("islamic-state", "Islamic State")
    assert {"un-sc-consolidated:QDe.115", "us-ofac-sdn-all:8759"} < set(isil.members)
    assert any(m.startswith("ru-fsb-terrorist-list:") for m in isil.members)
    for province in ("QDe.161", "QDe.162", "QDe.163", "QDe.165", "QDe.166"):
        assert real.resolution.of(f"un-sc-consolidated:{province}") != isil


def test_the_real_resolution_does_not_depend_on_input_order(real: Real) -> None:
    shuffled = real.mentions[:]
    random.Random(23).shuffle(shuffled)
    assert resolve(shuffled, real.settings.entities) == real.resolution


def test_bench_prints_the_counts() -> None:
    shared("un/un_consolidated_2024-09-21.xml")
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "entities.py"), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(proc.stdout)
    assert result["entries"]["un-sc-consolidated"] == 875
    assert result["merged_pairs"] > 100
    assert set(result["pairs_by_reason"]) <= {"identifier", "name", "variant", "rule"}

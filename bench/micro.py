"""Micro-benchmarks of the monitor's own hot paths, in-process (no HTTP, no CLI).

    .venv/bin/python bench/micro.py                     # everything, full size
    .venv/bin/python bench/micro.py --only un,synthetic # some groups
    .venv/bin/python bench/micro.py --quick             # tiny sizes (the smoke test)

Groups (each runs in its own child process, so its peak RSS is its own):

un          the UN Security Council consolidated list (../shared/data/un/, ~1,000 entries), read
            with the xml source settings of tests/pipeline/test_un_list.py: parse_list of the
            2018 snapshot, diff_entries against the 2017 one, list_events (what a poll records)
synthetic   a 20,000-entry list, as an HTML table (bench/corpus.list_page) and as UN-style XML:
            parse_list of the changed version, then diff_entries / list_events against the
            entries of the base version (2 added, 1 removed, 1 amended)
append      Store.append of 100,000 item_published events on SQLite, 100 per call (one poll's
            worth, one transaction each, with the stream's expected version), and 5,000 one by
            one; the projections (seen items, health) are applied as in a real append
replay      monitor.store.projections.replay.replay over 1,000,000 events on SQLite: a realistic mix
            (90 % item_published over 900 feeds, list entry events over 100 lists, some source
            health), bulk-inserted straight into the events table with SQLAlchemy core
            (bench/eventlog.py, not timed), then replayed (timed)

Each timing is the median of --repeat runs where a group is cheap enough to repeat (un,
synthetic), else one run. Results go to stdout as a table and to bench/out/micro-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
UN_DATA = REPO.parent / "shared" / "data" / "un"
UN_SNAPSHOTS = ("un_consolidated_2017-07-03.xml", "un_consolidated_2018-10-29.xml")
GROUPS = ("un", "synthetic", "append", "replay")

# The UN source of tests/pipeline/test_un_list.py.
UN_SOURCE = """
[[source]]
id = "un-sc-consolidated"
kind = "list"
format = "xml"
url = "http://127.0.0.1/consolidated.xml"
jurisdiction = "UN"
entries = "/CONSOLIDATED_LIST/*/*[self::INDIVIDUAL or self::ENTITY]"
key = "reference"
[source.fields]
reference = "REFERENCE_NUMBER"
name = "concat(FIRST_NAME, ' ', SECOND_NAME, ' ', THIRD_NAME, ' ', FOURTH_NAME)"
list_type = "UN_LIST_TYPE"
listed_on = "LISTED_ON"
"""

TARGETS = {  # seconds (the targets)
    "un: parse + diff": 0.3,
    "synthetic html 20000: parse + diff": 3.0,
    "synthetic xml 20000: parse + diff": 3.0,
    "replay 1000000 events": 60.0,
}


def source_from_toml(text: str) -> Any:
    from monitor.config import Source

    return Source.model_validate(tomllib.loads(text)["source"][0])


def timed(fn: Callable[[], Any], repeat: int) -> tuple[dict[str, float], Any]:
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "runs": repeat,
    }, result


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- lists -----------------------------------------------------------------------------------


def list_rows(name: str, source: Any, old: bytes, new: bytes, repeat: int) -> list[dict[str, Any]]:
    """parse, diff_entries and list_events of ``new`` against the entries of ``old``."""
    from monitor.diff import ListPoll, diff_entries, list_events
    from monitor.documents import sha256_hex
    from monitor.sources.lists import parse_list

    previous = {e["key"]: e for e in parse_list(old, source)}
    parse, current = timed(lambda: parse_list(new, source), repeat)
    diff_t, diff = timed(lambda: diff_entries(previous, current), repeat)
    state = ListPoll(source.id, source.jurisdiction, previous, has_baseline=True, suspect=False)
    document = sha256_hex(new)
    events_t, events = timed(
        lambda: list_events(state, current, document=document, ratio=0.5), repeat
    )
    changes = f"+{len(diff.added)} -{len(diff.removed)} ~{len(diff.changed)}"
    size = f"{len(new) / 1e6:.2f} MB, {len(current)} entries"
    both = {k: parse[k] + events_t[k] for k in ("wall", "cpu")}
    return [
        {"name": f"{name}: parse_list", **parse, "detail": size},
        {"name": f"{name}: diff_entries", **diff_t, "detail": changes},
        {"name": f"{name}: list_events", **events_t, "detail": f"{len(events)} events"},
        {
            "name": f"{name}: parse + diff",
            **both,
            "runs": repeat,
            "detail": "parse_list + list_events",
        },
    ]


def bench_un(args: argparse.Namespace) -> list[dict[str, Any]]:
    files = [UN_DATA / f for f in UN_SNAPSHOTS]
    if not all(f.exists() for f in files):
        return [{"name": "un", "skipped": f"{UN_DATA} is missing"}]
    source = source_from_toml(UN_SOURCE)
    old, new = (f.read_bytes() for f in files)
    return list_rows("un", source, old, new, args.repeat)


def un_style_xml(entries: int, *, changed: bool) -> bytes:
    """A UN-format consolidated list of ``entries`` individuals (changed: +2, -1, ~1)."""
    from xml.sax.saxutils import escape

    rng = random.Random(20000)
    rows = []
    for i in range(entries):
        first, second = rng.choice(_FIRST), rng.choice(_LAST)
        listed = (datetime(2001, 1, 1) + timedelta(days=rng.randint(0, 8000))).date()
        rows.append([f"QDi.{i:05d}", first, second, f"{listed}"])
    if changed:
        del rows[entries // 3]
        rows[entries // 2][3] = "2025-10-05"
        rows.append([f"QDi.{entries:05d}", "New", "Entry", "2025-10-05"])
        rows.append([f"QDi.{entries + 1:05d}", "Newer", "Entry", "2025-10-05"])
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<CONSOLIDATED_LIST><INDIVIDUALS>\n']
    for ref, first, second, listed in rows:
        out.append(
            f"<INDIVIDUAL><DATAID>{ref[4:]}</DATAID><FIRST_NAME>{escape(first)}</FIRST_NAME>"
            f"<SECOND_NAME>{escape(second)}</SECOND_NAME><THIRD_NAME/><FOURTH_NAME/>"
            f"<UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE><REFERENCE_NUMBER>{ref}</REFERENCE_NUMBER>"
            f"<LISTED_ON>{listed}</LISTED_ON><COMMENTS1>Listed pursuant to paragraph 2 of "
            f"resolution 1617 (2005).</COMMENTS1><NATIONALITY><VALUE>Unknown</VALUE>"
            f"</NATIONALITY></INDIVIDUAL>\n"
        )
    out.append("</INDIVIDUALS><ENTITIES/></CONSOLIDATED_LIST>\n")
    return "".join(out).encode()


_FIRST = "Abdul Mohammad Ahmad Ali Hassan Omar Yusuf Ibrahim Khalid Tariq Said".split()  # noqa: SIM905
_LAST = "Rahman Karim Haqqani Yousef Zaman Mansour Hamid Nasser Qadir Wahid".split()  # noqa: SIM905


def bench_synthetic(args: argparse.Namespace) -> list[dict[str, Any]]:
    import corpus

    entries = args.synthetic_entries
    html_source = source_from_toml(
        '[[source]]\nid = "synthetic-html"\nkind = "list"\nformat = "html"\n'
        'url = "http://127.0.0.1/list.html"\n'
        f'entries = "{corpus.LIST_SELECTORS["entries"]}"\nkey = "name"\n[source.fields]\n'
        + "".join(f'{k} = "{v}"\n' for k, v in corpus.LIST_SELECTORS["fields"].items())
    )
    rows = list_rows(
        f"synthetic html {entries}",
        html_source,
        corpus.list_page(0, entries),
        corpus.list_page(0, entries, changed=True),
        args.repeat,
    )
    xml_source = source_from_toml(UN_SOURCE)
    rows += list_rows(
        f"synthetic xml {entries}",
        xml_source,
        un_style_xml(entries, changed=False),
        un_style_xml(entries, changed=True),
        args.repeat,
    )
    return rows


# --- the event log ---------------------------------------------------------------------------


def _item_event(source: str, n: int, rng: random.Random) -> Any:
    from eventlog import WORDS

    from monitor.events import ItemPublished, NewEvent, source_stream

    words = rng.choices(WORDS, k=90)
    item = ItemPublished(
        title=" ".join(words[:10]).capitalize(),
        url=f"https://news.example/{source}/articles/{n}",
        published="2025-10-05T09:00:00Z",
        guid=f"{source}-item-{n}",
        item_id=f"guid:{source}-item-{n}",
        summary=" ".join(words[10:]),
        content="",
        document="0" * 64,
    )
    return NewEvent(source_stream(source), item, source=source)


def bench_append(args: argparse.Namespace) -> list[dict[str, Any]]:
    from monitor.events import source_stream
    from monitor.store import Store

    rows = []
    rng = random.Random(1)
    with tempfile.TemporaryDirectory(prefix="micro-append-") as folder:
        store = Store(f"sqlite:///{folder}/append.db")
        total, batch = args.append_events, args.append_batch
        batches = []
        for b in range(total // batch):
            source = f"feed{b:05d}"
            batches.append((source, [_item_event(source, i, rng) for i in range(batch)]))
        started, cpu = time.perf_counter(), time.process_time()
        for source, events in batches:
            store.append(events, expected={source_stream(source): 0})
        wall = time.perf_counter() - started
        rows.append(
            {
                "name": f"append {total} events, {batch} per append",
                "wall": wall,
                "cpu": time.process_time() - cpu,
                "runs": 1,
                "detail": f"{total / wall:,.0f} events/s, {wall / len(batches) * 1000:.1f} ms per append",
            }
        )
        single = [_item_event("single", i, rng) for i in range(args.append_single)]
        started, cpu = time.perf_counter(), time.process_time()
        for event in single:
            store.append([event])
        wall = time.perf_counter() - started
        rows.append(
            {
                "name": f"append {len(single)} events one by one",
                "wall": wall,
                "cpu": time.process_time() - cpu,
                "runs": 1,
                "detail": f"{len(single) / wall:,.0f} events/s, {wall / len(single) * 1000:.2f} ms per append",
            }
        )
        store.close()
    return rows


def bench_replay(args: argparse.Namespace) -> list[dict[str, Any]]:
    from eventlog import fill_log

    from monitor.store import Store
    from monitor.store.projections.replay import replay

    with tempfile.TemporaryDirectory(prefix="micro-replay-", dir=args.workdir) as folder:
        store = Store(f"sqlite:///{folder}/replay.db")
        started = time.perf_counter()
        counts = fill_log(store, args.replay_events)
        filled = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(folder).glob("replay.db*"))
        rss_before = peak_rss_mb()
        timing, report = timed(lambda: replay(store, write=True), 1)
        store.close()
    return [
        {
            "name": f"fill log with {args.replay_events} events (bulk insert, setup)",
            "wall": filled,
            "cpu": None,
            "runs": 1,
            "detail": f"{size / 1e6:,.0f} MB database; "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())),
        },
        {
            "name": f"replay {args.replay_events} events",
            **timing,
            "detail": f"{report.events:,} events, {report.events / timing['wall']:,.0f} events/s; "
            f"RSS {rss_before:.0f} MB before",
        },
    ]


RUNNERS: dict[str, Callable[[argparse.Namespace], list[dict[str, Any]]]] = {
    "un": bench_un,
    "synthetic": bench_synthetic,
    "append": bench_append,
    "replay": bench_replay,
}


# --- driver ----------------------------------------------------------------------------------


def child(group: str, args: argparse.Namespace) -> int:
    sys.path.insert(0, str(BENCH))
    rows = RUNNERS[group](args)
    print(json.dumps({"group": group, "rows": rows, "peak_rss_mb": peak_rss_mb()}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="monitor micro-benchmarks")
    parser.add_argument("--only", default=",".join(GROUPS), help="comma-separated groups")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--synthetic-entries", type=int, default=20_000)
    parser.add_argument("--append-events", type=int, default=100_000)
    parser.add_argument("--append-batch", type=int, default=100)
    parser.add_argument("--append-single", type=int, default=5_000)
    parser.add_argument("--replay-events", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=None, help="where the replay database goes")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = 1
        args.synthetic_entries = 200
        args.append_events, args.append_batch, args.append_single = 300, 100, 20
        args.replay_events = 2_000
    if args.child:
        return child(args.child, args)
    groups = [g for g in args.only.split(",") if g]
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group {unknown[0]!r} (choose from {', '.join(GROUPS)})")
    passthrough = [
        f"--repeat={args.repeat}",
        f"--synthetic-entries={args.synthetic_entries}",
        f"--append-events={args.append_events}",
        f"--append-batch={args.append_batch}",
        f"--append-single={args.append_single}",
        f"--replay-events={args.replay_events}",
        *([f"--workdir={args.workdir}"] if args.workdir else []),
    ]
    results = []
    for group in groups:
        print(f"running {group} ...", file=sys.stderr, flush=True)
        out = subprocess.run(
            [sys.executable, __file__, *passthrough, "--child", group],
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return 1
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"\n{'benchmark':58} {'wall s':>8} {'cpu s':>8} {'target':>7}  detail")
    for result in results:
        for row in result["rows"]:
            if "skipped" in row:
                print(f"{row['name']:58} skipped: {row['skipped']}")
                continue
            target = TARGETS.get(row["name"])
            mark = "" if target is None else f"{'≤' if row['wall'] <= target else '>'}{target:g}s"
            cpu = "" if row.get("cpu") is None else f"{row['cpu']:8.3f}"
            print(
                f"{row['name']:58} {row['wall']:8.3f} {cpu:>8} {mark:>7}  {row.get('detail', '')}"
            )
        print(
            f"{'  (peak RSS of the ' + result['group'] + ' process)':58} {result['peak_rss_mb']:8.0f} MB"
        )
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "results": results,
        "targets": TARGETS,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"micro-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=1))
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

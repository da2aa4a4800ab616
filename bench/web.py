"""The web app over a large store: how long ``monitor serve`` takes to answer, per kind of page.

    .venv/bin/python bench/web.py                       # SQLite, 1,000,000 events, 200 requests a kind
    .venv/bin/python bench/web.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/web.py --events 2000 --requests 3 --warmup 1   # seconds (smoke test)

The store is built once and kept (``--workdir``, default ``state/bench-web/``, git-ignored):
events of a realistic mix (``eventlog.LogMix.web()``: news items, list entries added, removed
and amended over ~17 days, news reports and their stories, source health, documents)
bulk-inserted into the log, then the projections built by ``monitor replay``'s code. A later run
with the same size and mix reuses it (``--rebuild`` builds it again). On PostgreSQL the store is
the schema ``bench_web_<events>`` of the database named, which ``--drop`` removes after the run;
each run first ANALYZEs it (what autovacuum does in production; a test server may have it off).

Then ``monitor serve`` runs as a real process on 127.0.0.1 and httpx (one keep-alive connection,
one request at a time) asks each kind of page ``--warmup`` times, then ``--requests`` times, the
kinds taken in turn (so a noisy minute of the machine is spread over all of them) and the
parameters varied (event ids, list sources, moments, words). Each time is the client's: from
sending the request to the last byte of the answer. The 1-minute load average is recorded
before and after. Results: a table on stdout and ``bench/out/web-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO))  # the web tests' server, shared

from eventlog import ENTITIES, EVENTS_PER_TICK, START, TICK, LogMix, fill_log  # noqa: E402

from tests.web.server import Server  # noqa: E402

TARGET_MS = 150.0  # p95, per kind (issue 22)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Facts:
    """What the requests are drawn from."""

    last_id: int
    feeds: list[str]
    lists: list[str]  # the ordinary ones (a few hundred entries)
    large_list: str  # the largest (17,000 entries in a million events)
    reports: list[int]  # ids of news reports (their page shows their story)
    start: datetime
    end: datetime


# Words a user looks for in the change log: the entities and topics the news reports name
# (rare: a page scans as far as the store lets it), and one in Cyrillic.
SEARCHES = [*(e.casefold() for e in ENTITIES[:5]), "Moscow Format", "террористических"]
API_TYPES = ["entry_changed", "designation_reported", "source_failed", "entry_removed"]
REPORT_TYPES = (
    "designation_reported", "designation_corroborated", "topic_reported", "topic_corroborated",
)  # fmt: skip


def _moment(rng: random.Random, facts: Facts) -> str:
    seconds = (facts.end - facts.start).total_seconds()
    moment = facts.start + timedelta(seconds=rng.uniform(0.05, 0.95) * seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _path(path: str, **params: str) -> str:
    return f"{path}?{urlencode(params)}" if params else path


# Each kind: its name, and the request it makes from a random generator and the facts.
KINDS: list[tuple[str, Callable[[random.Random, Facts], str]]] = [
    ("log", lambda rng, f: "/"),
    (
        "log ?type&source",  # a list's amendments
        lambda rng, f: _path("/", type="entry_changed", source=rng.choice(f.lists)),
    ),
    (
        "log ?type&source feed",  # a feed's items
        lambda rng, f: _path("/", type="item_published", source=rng.choice(f.feeds)),
    ),
    (
        "log ?type&source none",  # a type the source never has: nothing to show
        lambda rng, f: _path("/", type="item_published", source=rng.choice(f.lists)),
    ),
    ("log ?q", lambda rng, f: _path("/", q=rng.choice(SEARCHES))),
    ("log ?jurisdiction", lambda rng, f: _path("/", jurisdiction=rng.choice(["RU", "UN", "US"]))),
    ("event page", lambda rng, f: f"/events/{rng.randint(1, f.last_id)}"),
    ("event page report", lambda rng, f: f"/events/{rng.choice(f.reports or [1])}"),
    (
        "list ?at",
        lambda rng, f: _path(f"/lists/{quote(rng.choice(f.lists))}", at=_moment(rng, f)),
    ),
    (
        "list ?at large list",
        lambda rng, f: _path(f"/lists/{quote(f.large_list)}", at=_moment(rng, f)),
    ),
    ("api events", lambda rng, f: "/api/events"),
    ("api events ?type", lambda rng, f: _path("/api/events", type=rng.choice(API_TYPES))),
    (
        "api list ?at",
        lambda rng, f: _path(f"/api/lists/{quote(rng.choice(f.lists))}", at=_moment(rng, f)),
    ),
    (
        "api list ?at large list",
        lambda rng, f: _path(f"/api/lists/{quote(f.large_list)}", at=_moment(rng, f)),
    ),
]


# --- the store ---------------------------------------------------------------------------------


def _with_schema(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def _check_loopback(url: str) -> None:
    from sqlalchemy.engine import make_url

    host = make_url(url).host or ""
    if host not in LOOPBACK:
        raise SystemExit(f"--pg: only a database on this machine (127.0.0.1), not {host!r}")


def store_size(url: str, folder: Path, name: str) -> int:
    """Bytes the store takes: its files (SQLite), or its schema's relations (PostgreSQL)."""
    if url.startswith("sqlite"):
        return sum(p.stat().st_size for p in folder.glob(f"{name}.db*"))
    from sqlalchemy import create_engine, pool, text

    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        size = conn.execute(
            text(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')"
            )
        ).scalar()
    engine.dispose()
    return int(size or 0)


def build_store(
    url: str, events: int, mix: LogMix, marker: Path, *, rebuild: bool
) -> dict[str, Any]:
    """The store at ``url`` with ``events`` events of ``mix`` (built now, or reused when
    ``marker`` says it was built with the same size and mix); what ``marker`` holds."""
    from monitor.store import Store

    wanted = {"events": events, "mix": repr(mix)}
    if marker.exists() and not rebuild:
        facts = json.loads(marker.read_text())
        if {k: facts.get(k) for k in wanted} == wanted:
            store = Store(url, create=False)
            try:
                with store.reading() as tx:
                    if tx.last_position() == facts["last_id"]:
                        return {**facts, "reused": True}
            finally:
                store.close()
    marker.unlink(missing_ok=True)
    print(f"building a store of {events:,} events at {url} ...", file=sys.stderr, flush=True)
    store = Store(url)
    try:
        with store.reading() as tx:
            if tx.last_position():
                raise SystemExit(f"{url} already holds events: --rebuild removes them first")
        started = time.perf_counter()
        counts = fill_log(store, events, mix)
        filled = time.perf_counter() - started
        report = store.replay(write=True)
        replayed = time.perf_counter() - started - filled
        with store.reading() as tx:
            last_id = tx.last_position()
    finally:
        store.close()
    facts = {
        **wanted,
        "counts": counts,
        "last_id": last_id,
        "fill_s": round(filled, 1),
        "replay_s": round(replayed, 1),
        "replayed_events": report.events,
        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    marker.write_text(json.dumps(facts, indent=1))
    return {**facts, "reused": False}


def analyze(url: str) -> None:
    """PostgreSQL: the planner's statistics, as autovacuum keeps them (it may be off here)."""
    from sqlalchemy import create_engine, pool

    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def report_ids(url: str) -> list[int]:
    """Ids of news reports to ask for: the log's oldest and newest few hundred."""
    from monitor.store import LogQuery, Store

    store = Store(url, create=False)
    try:
        with store.reading() as tx:
            oldest = tx.events(types=list(REPORT_TYPES), limit=300)
            newest = tx.page(LogQuery(types=REPORT_TYPES), limit=300).events
    finally:
        store.close()
    return sorted({e.id for e in oldest + newest})


def drop_sqlite(folder: Path, name: str) -> None:
    for path in folder.glob(f"{name}.db*"):
        path.unlink()
    (folder / f"{name}.json").unlink(missing_ok=True)


def pg_schema(base: str, schema: str, *, drop: bool = False) -> None:
    """Create the bench's schema (or drop it, with everything in it)."""
    from sqlalchemy import create_engine, pool, text

    engine = create_engine(base, poolclass=pool.NullPool)
    with engine.begin() as conn:
        if drop:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        else:
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    engine.dispose()


def write_config(folder: Path, name: str, url: str, mix: LogMix) -> Path:
    """A configuration naming every source of the log (the web app shows configured sources)."""
    lines = [f'[store]\nurl = "{url}"\n']
    for source in mix.feed_ids():
        lines.append(
            f'[[source]]\nid = "{source}"\nkind = "feed"\nformat = "feed"\n'
            f'url = "https://{source}.example/feed.xml"\n'
        )
    for i, source in enumerate(mix.list_ids()):
        lines.append(
            f'[[source]]\nid = "{source}"\nkind = "list"\nformat = "html"\n'
            f'url = "https://{source}.example/list.html"\njurisdiction = "{mix.jurisdiction(i)}"\n'
            'entries = "table tr:not(:first-child)"\nkey = "name"\n'
            '[source.fields]\nname = "td:nth-of-type(2)"\ndecision = "td:nth-of-type(3)"\n'
        )
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# --- the server and the client -----------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value that ``share`` of the values do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure(
    url: str,
    facts: Facts,
    *,
    requests: int,
    warmup: int,
    seed: int,
    only: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Each kind ``warmup`` times (not counted), then ``requests`` times, the kinds in turn
    (``only``: these kinds)."""
    import httpx

    unknown = set(only or ()) - {name for name, _ in KINDS}
    if unknown:
        raise SystemExit(f"no such kind: {', '.join(sorted(unknown))}")
    kinds = [(name, make) for name, make in KINDS if not only or name in only]
    rng = random.Random(seed)
    times: dict[str, list[float]] = {name: [] for name, _ in kinds}
    sizes: dict[str, list[int]] = {name: [] for name, _ in kinds}
    examples: dict[str, str] = {}
    with httpx.Client(base_url=url, timeout=120) as client:
        for round_ in range(warmup + requests):
            for name, make in kinds:
                path = make(rng, facts)
                started = time.perf_counter()
                response = client.get(path)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    raise SystemExit(f"{path}: {response.status_code} {response.text[:500]}")
                if round_ >= warmup:
                    times[name].append(elapsed * 1000)
                    sizes[name].append(len(response.content))
                examples.setdefault(name, path)
    rows = []
    for name, _ in kinds:
        values = times[name]
        rows.append(
            {
                "kind": name,
                "example": examples[name],
                "n": len(values),
                "p50_ms": round(percentile(values, 0.50), 1),
                "p95_ms": round(percentile(values, 0.95), 1),
                "max_ms": round(max(values), 1),
                "mean_ms": round(sum(values) / len(values), 1),
                "bytes": round(sum(sizes[name]) / len(values)),
                "ok": percentile(values, 0.95) <= TARGET_MS,
            }
        )
    return rows


def run_one(
    label: str, url: str, folder: Path, name: str, args: argparse.Namespace
) -> dict[str, Any]:
    mix = LogMix.web()
    built = build_store(url, args.events, mix, folder / f"{name}.json", rebuild=args.rebuild)
    if not url.startswith("sqlite"):
        analyze(url)
    size = store_size(url, folder, name)
    end = START + TICK * math.ceil(args.events / EVENTS_PER_TICK)
    facts = Facts(
        last_id=built["last_id"],
        feeds=mix.feed_ids(),
        lists=mix.list_ids()[: mix.lists],
        large_list=mix.large_list_ids()[0],
        reports=report_ids(url),
        start=START,
        end=end,
    )
    config = write_config(folder, name, url, mix)
    load_before = os.getloadavg()
    server = Server(config, folder)
    try:
        print(f"{label}: timing {server.url} ...", file=sys.stderr, flush=True)
        rows = measure(
            server.url,
            facts,
            requests=args.requests,
            warmup=args.warmup,
            seed=args.seed,
            only=args.kinds,
        )
    finally:
        code = server.stop()
    if code != 0:
        raise SystemExit(f"monitor serve exited {code}:\n{server.output()}")
    return {
        "store": label,
        "events": args.events,
        "size_mb": round(size / 1e6, 1),
        "build": {k: built[k] for k in ("fill_s", "replay_s", "counts", "built", "reused")},
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "rows": rows,
    }


def print_result(result: dict[str, Any]) -> None:
    build = result["build"]
    print(
        f"\n{result['store']}: {result['events']:,} events, {result['size_mb']:,} MB; built in "
        f"{build['fill_s']} s (bulk insert) + {build['replay_s']} s (projections)"
        f"{' (reused)' if build['reused'] else ''}; load {result['load_before'][0]:.2f} before, "
        f"{result['load_after'][0]:.2f} after"
    )
    print(f"{'kind':24} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'KB':>6}  p95 ≤ 150")
    for row in result["rows"]:
        print(
            f"{row['kind']:24} {row['n']:4} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} "
            f"{row['max_ms']:8.1f} {row['bytes'] / 1000:6.0f}  {'yes' if row['ok'] else 'NO'}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="monitor serve over a large store")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per kind")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per kind first")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--pg", help="also on this PostgreSQL database (127.0.0.1 only)")
    parser.add_argument("--rebuild", action="store_true", help="build the stores again")
    parser.add_argument("--drop", action="store_true", help="remove the stores after the run")
    parser.add_argument("--workdir", type=Path, default=REPO / "state" / "bench-web")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument(
        "--kinds", action="append", metavar="KIND", help="time only this kind (repeatable)"
    )
    args = parser.parse_args(argv)
    folder = args.workdir.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    if not args.no_sqlite:
        name = f"sqlite-{args.events}"
        if args.rebuild:
            drop_sqlite(folder, name)
        url = f"sqlite:///{folder / name}.db"
        try:
            results.append(run_one("SQLite", url, folder, name, args))
        finally:
            if args.drop:
                drop_sqlite(folder, name)
    if args.pg:
        _check_loopback(args.pg)
        schema = f"bench_web_{args.events}"
        if args.rebuild:
            pg_schema(args.pg, schema, drop=True)
        pg_schema(args.pg, schema)
        try:
            results.append(
                run_one(
                    "PostgreSQL", _with_schema(args.pg, schema), folder, f"pg-{args.events}", args
                )
            )
        finally:
            if args.drop:
                pg_schema(args.pg, schema, drop=True)
                (folder / f"pg-{args.events}.json").unlink(missing_ok=True)
    for result in results:
        print_result(result)
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "mix": asdict(LogMix.web()),
        "target_p95_ms": TARGET_MS,
        "results": results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"web-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""monitor side by side with urlwatch and reader: one corpus, three passes, whole processes timed.

    .venv/bin/python bench/compare.py --n 300 --n 1000            # the full comparison
    .venv/bin/python bench/compare.py --n 3000 --reps 1           # the large corpus, once
    .venv/bin/python bench/compare.py --n 5 --reps 1 --monitor-only   # smoke run, no anchors

For each N it generates the corpus (bench/corpus.py; N sources, 90 % feeds and 10 % list pages),
starts bench/server.py on 127.0.0.1 and runs, per tool and corpus subset, a *series* of three
passes, each a fresh process:

    cold     everything is new (an empty store / cache / database)
    warm     nothing changed: the server answers 304 to the conditional GETs
    changed  10 % of the documents changed (the corpus's "changed" overlay); the rest 304

Like is compared with like: reader reads feeds only, so the ``feeds`` subset runs through all
three tools and the ``lists`` subset (HTML tables) through monitor and urlwatch only.

    monitor   monitor --config <generated> run --once   (fresh SQLite store per series)
    urlwatch  urlwatch --urls <generated> --cache <file> --config <file> --hooks <none>
    reader    python -m reader --db <file> update --workers 10 --no-scheduled
              (feeds added beforehand through reader's API, timed separately as "add";
              --no-scheduled so every pass fetches every feed, as the other two do)

urlwatch and reader run from bench/.venv-anchors, created here with pinned versions if missing.
Each pass is measured with os.wait4 on the tool's own process: wall time (from spawn to exit),
CPU time (user + system) and peak RSS (ru_maxrss). Series are repeated (--reps; tools
interleaved per repetition) and the medians are reported, with monitor/anchor ratios. A table
goes to stdout and everything, raw runs included, to bench/out/compare-<time>.json.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import corpus

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
ANCHORS_VENV = BENCH / ".venv-anchors"
# Versions that install and run on Python 3.11 against this corpus. reader vendors a feedparser
# that still imports ``sgmllib``, which only sgmllib3k provides.
ANCHOR_PINS = ("urlwatch==2.29", "reader[cli]==3.26", "sgmllib3k==1.0.0")
PASSES = ("cold", "warm", "changed")
TOOLS = ("monitor", "urlwatch", "reader")
SUBSETS = {"feeds": ("monitor", "urlwatch", "reader"), "lists": ("monitor", "urlwatch")}
RUN_TIMEOUT = 1800.0
SAMPLE_EVERY = 0.1  # seconds between samples of a measured process tree's memory

# The targets, as ratios monitor / anchor of the median wall time (see README.md).
TARGETS = {
    ("cold", "reader"): 0.5,
    ("cold", "urlwatch"): 1.0,
    ("warm", "fastest"): 0.5,
    ("changed", "reader"): 0.5,
    ("changed", "urlwatch"): 0.75,
}
RSS_TARGET_MB = 100.0
# Issue 21 (one HTTP stack), for the feeds: the cold pass may not give back what the earlier
# rounds won, and a warm pass (900 conditional GETs at N = 1,000) is no slower than either anchor.
TARGETS_21 = {("cold", "reader"): 0.6, ("warm", "fastest"): 1.0}


# --- measuring one process -------------------------------------------------------------------


@dataclass
class Run:
    tool: str
    subset: str
    pass_: str
    rep: int
    wall: float
    cpu: float
    user: float
    sys: float
    rss_mb: float
    returncode: int
    tree_mb: float = 0.0  # peak of the summed PSS of the process and its descendants (sampled)
    served: dict[str, int] = field(default_factory=dict)  # the server's 200/304 counts
    records: int | None = None  # events (monitor) / entries (reader) in the store afterwards
    load: float = 0.0  # the 1-minute load average when the pass started (other work on the box)
    error: str | None = None  # the last line the tool wrote to stderr, when it failed

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["pass"] = data.pop("pass_")
        return data


def measure(cmd: list[str], *, cwd: Path, log: Path, env: dict[str, str] | None = None) -> dict:
    """Run ``cmd`` to completion: wall time, CPU time of it *and its descendants* (a worker
    pool's processes included), its own peak RSS, and the peak memory of its whole tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(log, "ab") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env
        )
        tree = ProcessTree(proc.pid)
        next_sample = started
        deadline = started + RUN_TIMEOUT
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            if time.perf_counter() >= next_sample:  # not too often: sampling costs CPU too
                tree.sample()
                next_sample = time.perf_counter() + SAMPLE_EVERY
            time.sleep(0.005)
        wall = time.perf_counter() - started
    tree.reap_orphans()  # descendants left behind (a fork server) end, and are counted
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    user = after.ru_utime - before.ru_utime
    system = after.ru_stime - before.ru_stime
    return {
        "wall": wall,
        "cpu": user + system,
        "user": user,
        "sys": system,
        "rss_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
        "tree_mb": tree.peak_mb or usage.ru_maxrss / 1024,  # too quick to sample: its own
        "returncode": proc.returncode,
    }


def become_subreaper() -> None:
    """Orphaned descendants of a measured tool (a pool's fork server) are re-parented to this
    process, so their CPU time is reaped into RUSAGE_CHILDREN here instead of lost."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_CHILD_SUBREAPER = 36
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


class ProcessTree:
    """A process and its descendants, found in /proc; their memory summed as PSS (shared pages
    counted once across the tree, not once per process as RSS would)."""

    def __init__(self, root: int) -> None:
        self.members = {root}
        self.peak_mb = 0.0

    def sample(self) -> None:
        for pid in list(self.members):
            self.members |= _children(pid)
        total = sum(_pss_kb(pid) for pid in self.members)
        self.peak_mb = max(self.peak_mb, total / 1024)

    def reap_orphans(self, timeout: float = 10.0) -> None:
        ends = time.perf_counter() + timeout
        while time.perf_counter() < ends:
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                mine = self.members & _children(os.getpid())
                if not mine:
                    return
                time.sleep(0.02)


def _children(pid: int) -> set[int]:
    """Direct children, from /proc/PID/task/*/children (cheap: no scan of all of /proc)."""
    found: set[int] = set()
    try:
        for task in os.scandir(f"/proc/{pid}/task"):
            found.update(int(c) for c in Path(task.path, "children").read_text().split())
    except OSError:
        pass
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- the corpus server -----------------------------------------------------------------------


class CorpusServer:
    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(BENCH / "server.py"), "--root", str(root)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.stop()
            raise RuntimeError("bench/server.py did not start")

    def control(self, what: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/_bench/{what}", timeout=60) as response:
            return json.loads(response.read() or b"{}")

    def preload(self, paths: list[str]) -> None:
        """Fetch every document once (both variants), so no timed pass pays the disk reads."""
        for variant in ("changed", "base"):
            self.control(f"variant/{variant}")
            for path in paths:
                with urllib.request.urlopen(f"{self.url}/{path}", timeout=60) as response:
                    response.read()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def corpus_server(root: Path) -> Iterator[CorpusServer]:
    server = CorpusServer(root)
    try:
        yield server
    finally:
        server.stop()


# --- the tools -------------------------------------------------------------------------------


def monitor_command() -> list[str]:
    script = Path(sys.executable).parent / "monitor"
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor"]


def anchors_python() -> Path:
    return ANCHORS_VENV / "bin" / "python"


def ensure_anchors() -> None:
    """Create bench/.venv-anchors with the pinned urlwatch and reader unless it is already there."""
    marker = ANCHORS_VENV / "pins.txt"
    wanted = "\n".join(ANCHOR_PINS)
    if marker.exists() and marker.read_text() == wanted and anchors_python().exists():
        return
    print(f"creating {ANCHORS_VENV} with {', '.join(ANCHOR_PINS)} ...", file=sys.stderr)
    if ANCHORS_VENV.exists():
        shutil.rmtree(ANCHORS_VENV)
    subprocess.run([sys.executable, "-m", "venv", str(ANCHORS_VENV)], check=True)
    subprocess.run(
        [str(anchors_python()), "-m", "pip", "install", "-q", *ANCHOR_PINS],
        check=True,
    )
    marker.write_text(wanted)


def anchor_versions() -> dict[str, str]:
    code = (
        "import json, importlib.metadata as m;"
        "print(json.dumps({p: m.version(p) for p in ('urlwatch', 'reader', 'feedparser', "
        "'requests', 'lxml')}))"
    )
    out = subprocess.run([str(anchors_python()), "-c", code], capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else {}


def tool_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "READER_"))}
    env["HOME"] = env.get("HOME", "/tmp")
    # The corpus is on 127.0.0.1: no tool goes through a proxy.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env.pop(name, None)
        env.pop(name.lower(), None)
    env["NO_PROXY"] = "127.0.0.1,localhost"
    # The warm-up compiles each tool's bytecode once, as pip did for the anchors when it
    # installed them; an environment that forbids writing it (this machine sets it) would have
    # monitor, an editable install, compile its modules again in every timed pass (~50 ms).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def source_id(path: str) -> str:
    return Path(path).stem


class Tool:
    """One tool set up for one series in ``folder``; ``run()`` runs one pass."""

    name = ""

    def __init__(
        self, folder: Path, template: Path, base_url: str, paths: list[str], concurrency: int
    ) -> None:
        self.folder = folder
        self.template = template
        self.base_url = base_url
        self.paths = paths
        self.concurrency = concurrency
        self.log = folder / "stderr.log"

    def urls(self) -> list[str]:
        return [f"{self.base_url}/{p}" for p in self.paths]

    def setup(self) -> float | None:
        """Prepare a fresh series; return the seconds an untimed setup step took, if any."""
        return None

    def command(self) -> list[str]:
        raise NotImplementedError

    def run(self) -> dict:
        return measure(self.command(), cwd=self.folder, log=self.log, env=tool_env())

    def records(self) -> int | None:
        return None


class Monitor(Tool):
    name = "monitor"

    def setup(self) -> float | None:
        selectors = corpus.LIST_SELECTORS
        fields = "".join(f'{k} = "{v}"\n' for k, v in selectors["fields"].items())
        parts = [
            f'[store]\nurl = "sqlite:///{self.folder / "state" / "monitor.db"}"\n',
            f"[http]\nconcurrency = {self.concurrency}\nper_host = {self.concurrency}\n",
        ]
        for path, url in zip(self.paths, self.urls(), strict=True):
            if path.startswith("lists/"):
                parts.append(
                    f'[[source]]\nid = "{source_id(path)}"\nkind = "list"\nformat = "html"\n'
                    f'url = "{url}"\nentries = "{selectors["entries"]}"\n'
                    f'key = "{selectors["key"]}"\n[source.fields]\n{fields}'
                )
            else:
                parts.append(
                    f'[[source]]\nid = "{source_id(path)}"\nkind = "feed"\nurl = "{url}"\n'
                )
        (self.folder / "monitor.toml").write_text("\n".join(parts))
        return None

    def command(self) -> list[str]:
        return [*monitor_command(), "--config", str(self.folder / "monitor.toml"), "run", "--once"]

    def records(self) -> int | None:
        return _count(self.folder / "state" / "monitor.db", "events")


class Urlwatch(Tool):
    name = "urlwatch"

    def setup(self) -> float | None:
        jobs = [
            f"name: {source_id(p)}\nurl: {u}\n"
            for p, u in zip(self.paths, self.urls(), strict=True)
        ]
        (self.folder / "urls.yaml").write_text("---\n".join(jobs))
        shutil.copy(self.template / "urlwatch.yaml", self.folder / "urlwatch.yaml")
        return None

    def command(self) -> list[str]:
        return [
            str(ANCHORS_VENV / "bin" / "urlwatch"),
            "--urls", str(self.folder / "urls.yaml"),
            "--cache", str(self.folder / "cache.db"),
            "--config", str(self.folder / "urlwatch.yaml"),
            "--hooks", str(self.folder / "hooks.py"),
        ]  # fmt: skip


class Reader(Tool):
    name = "reader"

    def setup(self) -> float | None:
        urls = self.folder / "feeds.txt"
        urls.write_text("\n".join(self.urls()) + "\n")
        code = (
            "import sys\nfrom reader import make_reader\n"
            "r = make_reader(sys.argv[1])\n"
            "for url in open(sys.argv[2]).read().split():\n    r.add_feed(url)\n"
            "r.close()\n"
        )
        started = time.perf_counter()
        subprocess.run(
            [str(anchors_python()), "-c", code, str(self.folder / "db.sqlite"), str(urls)],
            check=True,
            env=tool_env(),
        )
        return time.perf_counter() - started

    def command(self) -> list[str]:
        return [
            str(anchors_python()), "-m", "reader",
            "--db", str(self.folder / "db.sqlite"),
            "--config", str(self.template / "reader.toml"),
            "update", "--workers", "10", "--no-scheduled",
        ]  # fmt: skip

    def records(self) -> int | None:
        return _count(self.folder / "db.sqlite", "entries")


TOOL_CLASSES: dict[str, type[Tool]] = {"monitor": Monitor, "urlwatch": Urlwatch, "reader": Reader}


def _count(db: Path, table: str) -> int | None:
    if not db.exists():
        return None
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except sqlite3.Error:
        return None


def warm_up(tools: list[str], template: Path) -> None:
    """Run each tool once on nothing, so no timed pass compiles bytecode or writes defaults."""
    template.mkdir(parents=True, exist_ok=True)
    env = tool_env()
    run = {"cwd": template, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    if "monitor" in tools:
        (template / "empty.toml").write_text(f'[store]\nurl = "sqlite:///{template}/warm.db"\n')
        subprocess.run(
            [*monitor_command(), "--config", str(template / "empty.toml"), "run", "--once"], **run
        )  # type: ignore[arg-type]
    if "urlwatch" in tools:
        (template / "urls.yaml").write_text("name: none\nurl: http://127.0.0.1:9/none\n")
        for f in ("urlwatch.yaml", "cache.db"):
            (template / f).unlink(missing_ok=True)
        subprocess.run(
            [str(ANCHORS_VENV / "bin" / "urlwatch"), "--urls", str(template / "urls.yaml"),
             "--cache", str(template / "cache.db"), "--config", str(template / "urlwatch.yaml"),
             "--hooks", str(template / "hooks.py")],
            **run,  # type: ignore[arg-type]
        )  # fmt: skip
        if not (template / "urlwatch.yaml").exists():
            raise RuntimeError("urlwatch did not write its default config")
    if "reader" in tools:
        (template / "reader.toml").write_text("[reader]\n")
        subprocess.run(
            [str(anchors_python()), "-m", "reader", "--db", str(template / "reader.sqlite"),
             "--config", str(template / "reader.toml"), "update", "--workers", "10"],
            **run,  # type: ignore[arg-type]
        )  # fmt: skip


# --- one N -----------------------------------------------------------------------------------


def run_series(
    tool: Tool, server: CorpusServer, subset: str, rep: int, setups: list[dict[str, Any]]
) -> list[Run]:
    if tool.folder.exists():
        shutil.rmtree(tool.folder)
    tool.folder.mkdir(parents=True)
    server.control("variant/base")
    setup_seconds = tool.setup()
    if setup_seconds is not None:
        setups.append({"tool": tool.name, "subset": subset, "rep": rep, "add_s": setup_seconds})
    runs = []
    for pass_ in PASSES:
        server.control("variant/changed" if pass_ == "changed" else "variant/base")
        run = one_pass(tool, server, subset, pass_, rep)
        runs.append(run)
        # A failed pass leaves work undone that the next pass would do instead, so it would not
        # measure what its name says: catch up (untimed, up to 3 times) before going on.
        for attempt in range(3):
            if runs[-1].returncode == 0:
                break
            runs.append(one_pass(tool, server, subset, f"{pass_}-catch-up-{attempt + 1}", rep))
    server.control("variant/base")
    return runs


def one_pass(tool: Tool, server: CorpusServer, subset: str, pass_: str, rep: int) -> Run:
    server.control("reset")
    load = os.getloadavg()[0]
    logged = tool.log.stat().st_size if tool.log.exists() else 0
    result = tool.run()
    served = {k: v for k, v in server.control("stats").items() if k != "variant"}
    run = Run(
        tool.name, subset, pass_, rep, served=served, records=tool.records(), load=load, **result
    )
    if run.returncode != 0:
        with open(tool.log, "rb") as log:
            log.seek(logged)
            lines = log.read().decode(errors="replace").strip().splitlines()
        run.error = lines[-1][:500] if lines else f"exit status {run.returncode}"
    print(
        f"  {tool.name:8} {subset:5} rep {rep} {pass_:7} wall {run.wall:7.2f}s "
        f"cpu {run.cpu:7.2f}s rss {run.rss_mb:6.0f} MB tree {run.tree_mb:6.0f} MB rc {run.returncode} load {load:.1f} "
        f"served {served}"
        + (f" records {run.records}" if run.records is not None else "")
        + (f"\n           error: {run.error}" if run.error else ""),
        file=sys.stderr,
        flush=True,
    )
    return run


def bench_n(
    n: int, tools: list[str], reps: int, workdir: Path, template: Path, concurrency: int
) -> dict[str, Any]:
    root = workdir / f"corpus-{n}"
    started = time.perf_counter()
    manifest = corpus.generate(root, n)
    generated = time.perf_counter() - started
    subsets = {"feeds": manifest.feeds, "lists": manifest.lists}
    sizes = {k: corpus.size_of(root, v) for k, v in subsets.items()}
    print(
        f"N={n}: {len(manifest.feeds)} feeds ({sizes['feeds'] / 1e6:.1f} MB), "
        f"{len(manifest.lists)} lists ({sizes['lists'] / 1e6:.1f} MB), "
        f"{len(manifest.changed)} changed; corpus ready in {generated:.1f}s",
        file=sys.stderr,
    )
    runs: list[Run] = []
    setups: list[dict[str, Any]] = []
    with corpus_server(root) as server:
        server.preload(manifest.feeds + manifest.lists)
        for rep in range(1, reps + 1):
            for subset, paths in subsets.items():
                if not paths:
                    continue
                for name in SUBSETS[subset]:
                    if name not in tools:
                        continue
                    folder = workdir / f"n{n}" / f"{name}-{subset}"
                    tool = TOOL_CLASSES[name](folder, template, server.url, paths, concurrency)
                    runs += run_series(tool, server, subset, rep, setups)
    return {
        "n": n,
        "feeds": len(manifest.feeds),
        "lists": len(manifest.lists),
        "changed": len(manifest.changed),
        "bytes": sizes,
        "reps": reps,
        "runs": [r.to_json() for r in runs],
        "setup": setups,
        "medians": medians(runs),
    }


def medians(runs: list[Run]) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """subset → pass → tool → {wall, cpu, rss_mb} medians over the repetitions."""
    out: dict[str, Any] = {}
    groups: dict[tuple[str, str, str], list[Run]] = {}
    for r in runs:
        if r.pass_ not in PASSES:  # catch-up passes after a failure: in the JSON, not medians
            continue
        groups.setdefault((r.subset, r.pass_, r.tool), []).append(r)
    for (subset, pass_, tool), group in groups.items():
        out.setdefault(subset, {}).setdefault(pass_, {})[tool] = {
            "wall": statistics.median(r.wall for r in group),
            "cpu": statistics.median(r.cpu for r in group),
            "rss_mb": statistics.median(r.rss_mb for r in group),
            "tree_mb": statistics.median(r.tree_mb for r in group),
            "runs": len(group),
            "failed_runs": sum(1 for r in group if r.returncode != 0),
        }
    return out


def ratios(result: dict[str, Any]) -> dict[str, Any]:
    """monitor / anchor of each median, per subset and pass; 'fastest' is the faster anchor."""
    out: dict[str, Any] = {}
    for subset, by_pass in result["medians"].items():
        for pass_, by_tool in by_pass.items():
            mon = by_tool.get("monitor")
            if mon is None:
                continue
            anchors = {t: m for t, m in by_tool.items() if t != "monitor"}
            if not anchors:
                continue
            fastest = min(anchors, key=lambda t: anchors[t]["wall"])
            row = {}
            for anchor, m in [*anchors.items(), ("fastest", anchors[fastest])]:
                row[anchor] = {
                    k: (mon[k] / m[k] if m[k] else None)
                    for k in ("wall", "cpu", "rss_mb", "tree_mb")
                }
            row["fastest_is"] = fastest
            out.setdefault(subset, {})[pass_] = row
    return out


def target_checks(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    checks = []
    for result in results:
        for subset, by_pass in result["ratios"].items():
            for (pass_, anchor), limit in TARGETS.items():
                row = by_pass.get(pass_, {}).get(anchor)
                if row is None or row["wall"] is None:
                    continue
                checks.append(
                    {
                        "n": result["n"],
                        "subset": subset,
                        "what": f"{pass_} wall ≤ {limit}× {anchor}"
                        + (f" ({by_pass[pass_]['fastest_is']})" if anchor == "fastest" else ""),
                        "ratio": row["wall"],
                        "met": row["wall"] <= limit,
                    }
                )
        feeds = result["ratios"].get("feeds", {})
        for (pass_, anchor), limit in TARGETS_21.items():
            row = feeds.get(pass_, {}).get(anchor)
            if row is None or row["wall"] is None:
                continue
            fastest = f" ({feeds[pass_]['fastest_is']})" if anchor == "fastest" else ""
            checks.append(
                {
                    "n": result["n"],
                    "subset": "feeds",
                    "what": f"{pass_} wall ≤ {limit}× {anchor}{fastest} (issue 21)",
                    "ratio": row["wall"],
                    "met": row["wall"] <= limit,
                }
            )
        peak = max(
            (
                max(r["rss_mb"], r.get("tree_mb", 0.0))
                for r in result["runs"]
                if r["tool"] == "monitor"
            ),
            default=None,
        )
        if peak is not None:
            checks.append(
                {
                    "n": result["n"],
                    "subset": "all",
                    "what": f"monitor peak memory ≤ {RSS_TARGET_MB:g} MB, its processes together"
                    " (target at N=3000)",
                    "ratio": peak / RSS_TARGET_MB,
                    "value": peak,
                    "met": peak <= RSS_TARGET_MB,
                }
            )
    return checks


def scaling(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Per tool and pass: seconds and MB per 1,000 sources at each N (linear growth: flat)."""
    out: dict[str, Any] = {}
    for result in results:
        for subset, by_pass in result["medians"].items():
            count = result["feeds"] if subset == "feeds" else result["lists"]
            for pass_, by_tool in by_pass.items():
                for tool, m in by_tool.items():
                    key = f"{tool}/{subset}/{pass_}"
                    out.setdefault(key, []).append(
                        {
                            "n": result["n"],
                            "sources": count,
                            "wall_per_1000": m["wall"] / count * 1000,
                            "cpu_per_1000": m["cpu"] / count * 1000,
                            "rss_mb": m["rss_mb"],
                            "tree_mb": m["tree_mb"],
                        }
                    )
    return out


# --- output ----------------------------------------------------------------------------------


def print_tables(results: list[dict[str, Any]], checks: list[dict[str, Any]]) -> None:
    for result in results:
        print(
            f"\nN = {result['n']}  ({result['feeds']} feeds, {result['lists']} lists, "
            f"{result['changed']} changed; medians of {result['reps']} run(s))"
        )
        header = f"{'subset':6} {'pass':8} {'tool':9} {'wall s':>8} {'cpu s':>8} {'rss MB':>7} {'tree MB':>7}   monitor/anchor wall (cpu, rss)"
        print(header)
        print("-" * len(header))
        for subset, by_pass in result["medians"].items():
            for pass_ in PASSES:
                by_tool = by_pass.get(pass_, {})
                for tool in TOOLS:
                    m = by_tool.get(tool)
                    if m is None:
                        continue
                    ratio = ""
                    r = result["ratios"].get(subset, {}).get(pass_, {}).get(tool)
                    if r is not None:
                        ratio = f"   {r['wall']:.2f}× ({r['cpu']:.2f}×, {r['rss_mb']:.2f}×)"
                    failed = f"  [{m['failed_runs']} failed]" if m["failed_runs"] else ""
                    print(
                        f"{subset:6} {pass_:8} {tool:9} {m['wall']:8.2f} {m['cpu']:8.2f} "
                        f"{m['rss_mb']:7.0f} {m['tree_mb']:7.0f}{ratio}{failed}"
                    )
        for r in result["runs"]:
            if r["returncode"] != 0:
                print(
                    f"(failed: {r['tool']} {r['subset']} {r['pass']} rep {r['rep']}: {r['error']})"
                )
        for s in result["setup"]:
            if s["rep"] == 1:
                print(f"(untimed setup: {s['tool']} {s['subset']} add {s['add_s']:.1f}s)")
    if checks:
        print("\ntargets (ratio = monitor / anchor, median wall time):")
        for c in checks:
            mark = "met   " if c["met"] else "MISSED"
            value = f" = {c['value']:.0f} MB" if "value" in c else ""
            print(f"  {mark} N={c['n']:<5} {c['subset']:5} {c['what']}: {c['ratio']:.2f}{value}")


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return out.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "monitor")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="monitor vs urlwatch and reader on one local corpus",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--n", type=int, action="append", help="sources (repeatable; default 300, 1000)"
    )
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each series")
    parser.add_argument("--reps-large", type=int, default=1, help="repetitions when N ≥ 3000")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of tools")
    parser.add_argument("--monitor-only", action="store_true", help="no anchors (no venv needed)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=10,
        help="monitor's requests in flight (the anchors use 10 threads)",
    )
    parser.add_argument("--workdir", type=Path, default=BENCH / "out" / "work")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--keep", action="store_true", help="keep the stores and caches")
    args = parser.parse_args(argv)
    become_subreaper()
    ns = args.n or [300, 1000]
    tools = ["monitor"] if args.monitor_only else [t for t in args.tools.split(",") if t]
    unknown = [t for t in tools if t not in TOOLS]
    if unknown:
        parser.error(f"unknown tool {unknown[0]!r}")
    if any(t != "monitor" for t in tools):
        ensure_anchors()
    args.workdir.mkdir(parents=True, exist_ok=True)
    template = args.workdir / "template"
    warm_up(tools, template)
    results = []
    started = time.perf_counter()
    monitor_state = git_state()  # before the runs: the tree being measured
    for n in ns:
        reps = args.reps_large if n >= 3000 else args.reps
        result = bench_n(n, tools, reps, args.workdir, template, args.concurrency)
        result["ratios"] = ratios(result)
        results.append(result)
        if not args.keep:
            shutil.rmtree(args.workdir / f"n{n}", ignore_errors=True)
    checks = target_checks(results)
    print_tables(results, checks)
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": time.perf_counter() - started,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "monitor": monitor_state,
        "anchors": anchor_versions() if any(t != "monitor" for t in tools) else {},
        "concurrency": args.concurrency,
        "results": results,
        "checks": checks,
        "scaling": scaling(results),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"compare-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(f"\nwrote {path}")
    failed = [r for res in results for r in res["runs"] if r["returncode"] != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

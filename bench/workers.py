"""Sources polled per second by 1, 2 and 3 `monitor run` workers sharing one PostgreSQL store.

Serves N small list pages from 127.0.0.1, starts K workers against a fresh PostgreSQL schema with
every source due every few seconds (more than the workers can keep up with, so they run
saturated), and counts the polls the workers record in a measuring window after a warm-up:

    python bench/workers.py --sources 1000 --seconds 30 --workers 1 2 3

The database defaults to MONITOR_TEST_DATABASE_URL (or the local test database). Numbers depend on
the machine's cores: the workers, PostgreSQL and the page server share them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def serve(count: int) -> tuple[ThreadingHTTPServer, str]:
    pages = {
        f"/{i}.html": (
            "<html><body><table>"
            + "".join(
                f"<tr><td>Organisation {i}-{n}</td><td>Decision {n}</td></tr>" for n in range(20)
            )
            + "</table></body></html>"
        ).encode()
        for i in range(count)
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def config(folder: Path, base: str, store: str, count: int, every: float) -> Path:
    sources = "".join(
        f'[[source]]\nid = "l{i}"\nkind = "list"\nformat = "html"\nurl = "{base}/{i}.html"\n'
        f'every = "{every:g}s"\nentries = "tr"\nkey = "name"\n[source.fields]\nname = "td"\n'
        for i in range(count)
    )
    path = folder / "monitor.toml"
    path.write_text(
        f'[store]\nurl = "{store}"\n[service]\ntick = "0.2s"\n[http]\nconcurrency = 32\n' + sources
    )
    return path


def polls_since(engine: sa.Engine, moment: float) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT count(*) FROM polls WHERE started_at >= to_timestamp(:t)"),
                {"t": moment},
            ).scalar()
        )


def measure(workers: int, count: int, seconds: float, warmup: float, database: str) -> dict:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(database, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    store = f"{database}{'&' if '?' in database else '?'}options=-csearch_path%3D{schema}"
    server, base = serve(count)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = config(Path(tmp), base, store, count, every=max(2.0, count / 400))
            env = {**os.environ, "PYTHONPATH": str(REPO), "MONITOR_LOG_LEVEL": "WARNING"}
            run = [sys.executable, "-m", "monitor", "--config", str(path)]
            subprocess.run([*run, "db", "upgrade"], check=True, env=env, capture_output=True)
            for _ in range(workers):
                processes.append(
                    subprocess.Popen([*run, "run"], env=env, stderr=subprocess.DEVNULL)
                )
            time.sleep(warmup)
            engine = sa.create_engine(store, poolclass=sa.pool.NullPool)
            start = time.time()
            time.sleep(seconds)
            polled = polls_since(engine, start)
            engine.dispose()
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        server.shutdown()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    return {"workers": workers, "sources": count, "seconds": seconds, "polls": polled,
            "sources_per_second": round(polled / seconds, 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=15)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument(
        "--database", default=os.environ.get("MONITOR_TEST_DATABASE_URL", DEFAULT_DB)
    )
    args = parser.parse_args()
    results = [
        measure(k, args.sources, args.seconds, args.warmup, args.database) for k in args.workers
    ]
    single = results[0]["sources_per_second"] or 1
    print(f"{'workers':>8} {'polls':>8} {'sources/s':>10} {'vs 1':>6}")
    for r in results:
        print(
            f"{r['workers']:>8} {r['polls']:>8} {r['sources_per_second']:>10} {r['sources_per_second'] / single:>6.2f}"
        )
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "workers.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""The benchmarks run: tiny versions of the corpus, the server, micro.py and compare.py.

No timing is asserted here (benchmarks are never timed assertions in the test suite); see
bench/README.md for the real runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO

BENCH = REPO / "bench"
sys.path.insert(0, str(BENCH))

import corpus  # noqa: E402
import server  # noqa: E402


def test_corpus_is_deterministic_and_has_a_changed_overlay(tmp_path: Path) -> None:
    manifest = corpus.generate(tmp_path / "a", 20)
    again = corpus.generate(tmp_path / "b", 20)
    assert (len(manifest.feeds), len(manifest.lists), len(manifest.changed)) == (18, 2, 2)
    for path in manifest.feeds + manifest.lists:
        assert (tmp_path / "a" / "base" / path).read_bytes() == (
            tmp_path / "b" / "base" / path
        ).read_bytes()
    assert again.changed == manifest.changed
    for path in manifest.changed:
        assert (tmp_path / "a" / "changed" / path).read_bytes() != (
            tmp_path / "a" / "base" / path
        ).read_bytes()
    feed = (tmp_path / "a" / "base" / manifest.feeds[0]).read_bytes()
    assert 20 <= feed.count(b"<item>") + feed.count(b"<entry>") <= 50
    assert b"&lt;p&gt;" in feed  # item bodies are HTML
    assert b"<table" in (tmp_path / "a" / "base" / manifest.lists[0]).read_bytes()


def test_server_answers_conditional_gets(tmp_path: Path) -> None:
    manifest = corpus.generate(tmp_path, 10)
    changed = manifest.changed[0]
    httpd = server.serve(tmp_path)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        with urllib.request.urlopen(f"{base}/{changed}") as response:
            assert response.status == 200
            etag = response.headers["ETag"]
            modified = response.headers["Last-Modified"]
        for header, value in (("If-None-Match", etag), ("If-Modified-Since", modified)):
            request = urllib.request.Request(f"{base}/{changed}", headers={header: value})
            with pytest.raises(urllib.error.HTTPError) as not_modified:
                urllib.request.urlopen(request)
            assert not_modified.value.code == 304
        urllib.request.urlopen(f"{base}/_bench/variant/changed").read()
        request = urllib.request.Request(f"{base}/{changed}", headers={"If-None-Match": etag})
        with urllib.request.urlopen(request) as response:
            assert response.status == 200
            assert response.headers["ETag"] != etag
        with urllib.request.urlopen(f"{base}/_bench/stats") as response:
            assert json.loads(response.read()) == {"variant": "changed", "200": 2, "304": 2}
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.slow
def test_micro_benchmarks_run(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH / "micro.py"), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stderr
    (report,) = tmp_path.glob("micro-*.json")
    groups = {r["group"]: r for r in json.loads(report.read_text())["results"]}
    assert set(groups) == {"un", "synthetic", "append", "replay"}
    names = [row["name"] for row in groups["replay"]["rows"]]
    assert "replay 2000 events" in names


@pytest.mark.slow
def test_monitor_only_comparison_runs(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable, str(BENCH / "compare.py"), "--monitor-only", "--n", "10",
            "--reps", "1", "--workdir", str(tmp_path / "work"), "--out", str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    (report,) = tmp_path.glob("compare-*.json")
    (result,) = json.loads(report.read_text())["results"]
    runs = {(r["subset"], r["pass"]): r for r in result["runs"]}
    assert set(runs) == {(s, p) for s in ("feeds", "lists") for p in ("cold", "warm", "changed")}
    assert runs["feeds", "cold"]["served"] == {"200": 9}
    assert runs["feeds", "warm"]["served"] == {"304": 9}  # conditional GET on the second pass
    assert runs["feeds", "changed"]["served"] == {"200": 1, "304": 8}
    assert runs["feeds", "changed"]["records"] > runs["feeds", "warm"]["records"]
    assert all(r["returncode"] == 0 and r["wall"] > 0 and r["rss_mb"] > 0 for r in runs.values())


@pytest.mark.slow
def test_web_benchmark_runs(tmp_path: Path) -> None:
    """bench/web.py on a 2,000-event store: a row per kind of request, and the store kept for
    the next run."""
    import web

    command = [
        sys.executable, str(BENCH / "web.py"), "--events", "2000", "--requests", "2",
        "--warmup", "1", "--workdir", str(tmp_path / "work"), "--out", str(tmp_path / "out"),
    ]  # fmt: skip
    for run in ("built", "reused"):
        out = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=REPO)
        assert out.returncode == 0, out.stderr
        (report,) = (tmp_path / "out").glob("web-*.json")
        (result,) = json.loads(report.read_text())["results"]
        assert result["store"] == "SQLite"
        assert result["build"]["reused"] is (run == "reused")
        assert sum(result["build"]["counts"].values()) == 2000
        assert [row["kind"] for row in result["rows"]] == [name for name, _ in web.KINDS]
        for row in result["rows"]:
            assert row["n"] == 2
            assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["max_ms"]
        report.unlink()

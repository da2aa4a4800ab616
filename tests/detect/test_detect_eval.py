"""The evaluation set clears its floors (bench/eval_detect.py prints the details and misses)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EVAL_SET = REPO / "tests" / "fixtures" / "news_eval.jsonl"


def _bench():
    spec = importlib.util.spec_from_file_location("eval_detect", REPO / "bench" / "eval_detect.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_eval_set_shape() -> None:
    rows = [json.loads(line) for line in EVAL_SET.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 120
    assert len({r["id"] for r in rows}) == len(rows)
    assert sum(1 for r in rows if not r["labels"]) >= 40
    assert {r["lang"] for r in rows} == {"en", "ru"}
    actors = {lab["actor"] for r in rows for lab in r["labels"] if lab["kind"] == "designation"}
    assert {"RU", "KZ", "KG", "US", "GB", "CA", "UN"} <= actors


def test_floors() -> None:
    result = _bench().evaluate(EVAL_SET)
    for kind in ("designation", "designation_no_watch"):
        assert result[kind]["precision"] >= 0.95, result["misses"]
        assert result[kind]["recall"] >= 0.9, result["misses"]
    assert result["topic"]["precision"] >= 0.95, result["misses"]
    assert result["topic"]["recall"] >= 0.95, result["misses"]

"""Evaluate the news detectors on tests/fixtures/news_eval.jsonl: precision, recall, F1, misses.

Each line is a headline and lede about a real event, labelled with the designation changes
(actor, entity, action) and topics it reports. Designations are compared on (actor, canonical
entity, action), with and without a Taliban watch (the result must not depend on watching);
topics on their name.

    .venv/bin/python bench/eval_detect.py [path]
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from monitor.config import Topic, Watch  # noqa: E402
from monitor.detect import NewsItem, detect_designations, match_topics  # noqa: E402
from monitor.detect.names import canonical_entity, normalise  # noqa: E402

DEFAULT_PATH = REPO / "tests" / "fixtures" / "news_eval.jsonl"
WATCHES = [
    Watch(
        entity="Taliban",
        aliases=["Taleban", "Талибан", "Движение «Талибан»", "Islamic Emirate of Afghanistan"],
    )
]
TOPICS = [
    Topic(
        name="Moscow Format",
        match=["Moscow Format", "Moscow-format", "Московский формат", "Московского формата"],
    )
]


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _item(row: dict[str, Any]) -> NewsItem:
    published = None
    if row.get("date"):
        published = datetime.fromisoformat(row["date"]).replace(tzinfo=UTC)
    return NewsItem(title=row["title"], summary=row.get("lede", ""), published=published)


def _key(actor: str, entity: str, action: str) -> tuple[str, str, str]:
    return (actor, normalise(canonical_entity(entity)), action)


def _scores(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def evaluate(path: str | Path = DEFAULT_PATH) -> dict[str, Any]:
    """Scores per kind ("designation", "topic", and "designation_no_watch") and every miss."""
    rows = load(Path(path))
    counts = {k: [0, 0, 0] for k in ("designation", "designation_no_watch", "topic")}
    misses: list[dict[str, Any]] = []
    for row in rows:
        item = _item(row)
        gold_d = {
            _key(lab["actor"], lab["entity"], lab["action"])
            for lab in row["labels"]
            if lab["kind"] == "designation"
        }
        gold_t = {lab["topic"] for lab in row["labels"] if lab["kind"] == "topic"}
        for kind, watches in (("designation", WATCHES), ("designation_no_watch", [])):
            found = detect_designations(item, watches)
            pred = {_key(d.actor, d.entity, d.action) for d in found}
            evidence = {_key(d.actor, d.entity, d.action): d.evidence for d in found}
            _count(counts[kind], pred, gold_d)
            if kind == "designation":
                for key in sorted(pred - gold_d):
                    misses.append({"id": row["id"], "kind": kind, "miss": "FP", "found": key,
                                   "evidence": evidence[key]})  # fmt: skip
                for key in sorted(gold_d - pred):
                    misses.append({"id": row["id"], "kind": kind, "miss": "FN", "expected": key})
        pred_t = {t.topic for t in match_topics(item, TOPICS)}
        _count(counts["topic"], pred_t, gold_t)
        for topic in sorted(pred_t - gold_t):
            misses.append({"id": row["id"], "kind": "topic", "miss": "FP", "found": topic})
        for topic in sorted(gold_t - pred_t):
            misses.append({"id": row["id"], "kind": "topic", "miss": "FN", "expected": topic})
    result: dict[str, Any] = {k: _scores(*v) for k, v in counts.items()}
    result["items"] = len(rows)
    result["misses"] = misses
    return result


def _count(acc: list[int], pred: set[Any], gold: set[Any]) -> None:
    acc[0] += len(pred & gold)
    acc[1] += len(pred - gold)
    acc[2] += len(gold - pred)


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_PATH
    result = evaluate(path)
    print(f"{result['items']} items from {path}")
    print(f"{'kind':<22}{'P':>7}{'R':>7}{'F1':>7}{'TP':>6}{'FP':>5}{'FN':>5}")
    for kind in ("designation", "designation_no_watch", "topic"):
        s = result[kind]
        print(
            f"{kind:<22}{s['precision']:>7.3f}{s['recall']:>7.3f}{s['f1']:>7.3f}"
            f"{s['tp']:>6}{s['fp']:>5}{s['fn']:>5}"
        )
    print(f"\nmisses ({len(result['misses'])}):")
    for miss in result["misses"]:
        what = miss.get("found") or miss.get("expected")
        line = f"  {miss['miss']} {miss['kind']:<12} {miss['id']}: {what}"
        if miss.get("evidence"):
            line += f"\n      evidence: {miss['evidence']}"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

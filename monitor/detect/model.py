"""The values the news-detection layer takes and returns: plain frozen data, no behaviour.

Kept apart from the rules so the pipeline (and its tests) can build items and read findings
without importing the classifier's regular expressions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.events import ACTIONS, Action

__all__ = ["ACTIONS", "Designation", "NewsItem", "TopicMatch"]


@dataclass(frozen=True)
class NewsItem:
    """One feed item as the detector sees it; ``summary`` may hold HTML (tags are stripped)."""

    title: str
    summary: str = ""
    text: str = ""
    url: str = ""
    published: datetime | None = None
    source: str = ""


@dataclass(frozen=True)
class Designation:
    """A reported change to an official list: who changed it, for whom, and how."""

    actor: str
    entity: str
    action: Action
    watched: bool
    evidence: str
    lang: str = field(default="", compare=False)  # ISO 639-1 of the item
    # What decided: the rule's verb and cues, or the model's score and the first stage's cues.
    signals: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class TopicMatch:
    """A configured topic an item is about, with the sentence that says so."""

    topic: str
    evidence: str
    lang: str = field(default="", compare=False)
    signals: dict[str, Any] = field(default_factory=dict, compare=False)

"""News detection: designation changes and configured topics in news items, grouped into stories.

Pure functions over :class:`NewsItem` values — no network, no database — so the pipeline and the
evaluation harness (``bench/eval_detect.py``) call the same code.

The names below are imported when first asked for: a process that only records what a worker
process found (``monitor.detect.reports``) then never compiles the classifiers' rules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.detect.designations import detect_designations
    from monitor.detect.model import ACTIONS, Designation, NewsItem, TopicMatch
    from monitor.detect.stories import (
        Story,
        assign_story,
        story_id,
        story_key_for_designation,
        story_key_for_topic,
    )
    from monitor.detect.topics import match_topics

_HOMES = {
    "ACTIONS": "model",
    "Designation": "model",
    "NewsItem": "model",
    "Story": "stories",
    "TopicMatch": "model",
    "assign_story": "stories",
    "detect_designations": "designations",
    "match_topics": "topics",
    "story_id": "stories",
    "story_key_for_designation": "stories",
    "story_key_for_topic": "stories",
}
__all__ = [
    "ACTIONS",
    "Designation",
    "NewsItem",
    "Story",
    "TopicMatch",
    "assign_story",
    "detect_designations",
    "match_topics",
    "story_id",
    "story_key_for_designation",
    "story_key_for_topic",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"monitor.detect.{home}"), name)

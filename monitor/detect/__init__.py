"""News detection: designation changes and configured topics in news items, grouped into stories.

Pure functions over :class:`NewsItem` values — no network, no database — so the pipeline and the
evaluation harness (``bench/eval_detect.py``) call the same code.

The names below are imported when first asked for: a process that only records what a worker
process found (``monitor.detect.reports``) then never compiles the classifiers' rules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what __getattr__ returns, for type checkers
    from monitor.detect.classify import detect_designations as detect_designations
    from monitor.detect.model import ACTIONS as ACTIONS
    from monitor.detect.model import Designation as Designation
    from monitor.detect.model import NewsItem as NewsItem
    from monitor.detect.model import TopicMatch as TopicMatch
    from monitor.detect.stories import Story as Story
    from monitor.detect.stories import assign_story as assign_story
    from monitor.detect.stories import story_id as story_id
    from monitor.detect.stories import story_key_for_designation as story_key_for_designation
    from monitor.detect.stories import story_key_for_topic as story_key_for_topic
    from monitor.detect.topics import match_topics as match_topics

_HOMES = {
    "ACTIONS": "model",
    "Designation": "model",
    "NewsItem": "model",
    "Story": "stories",
    "TopicMatch": "model",
    "assign_story": "stories",
    "detect_designations": "classify",
    "match_topics": "topics",
    "story_id": "stories",
    "story_key_for_designation": "stories",
    "story_key_for_topic": "stories",
}
__all__ = list(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"monitor.detect.{home}"), name)

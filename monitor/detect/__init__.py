"""News detection: designation changes and configured topics in news items, grouped into stories.

Pure functions over :class:`NewsItem` values — no network, no database — so the pipeline and the
evaluation harness (``bench/eval_detect.py``) call the same code.
"""

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

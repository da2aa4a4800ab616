"""The two founding reports: one designation story (VOA first, MENAFN corroborates) and one
Moscow Format topic story, from the real texts in ../shared/data/seed-articles."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config import Topic, Watch
from monitor.detect.classify import detect_designations
from monitor.detect.model import NewsItem
from monitor.detect.stories import (
    Story,
    assign_story,
    story_key_for_designation,
    story_key_for_topic,
)
from monitor.detect.topics import match_topics

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "seed-articles"
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


def seed(name: str, source: str) -> NewsItem:
    path = SEEDS / name
    if not path.exists():
        pytest.skip(f"{path} is missing (the shared data folder is not beside the repo)")
    head, _, rest = path.read_text(encoding="utf-8").partition("\n\n")
    published = datetime.fromisoformat(head.removeprefix("date:").strip()).replace(tzinfo=UTC)
    paragraphs = [p.strip() for p in rest.split("\n\n") if p.strip()]
    lede = paragraphs[0]
    title = re.split(r"(?<=[.!?])\s+", lede, maxsplit=1)[0]
    return NewsItem(
        title=title,
        summary=lede,
        text="\n\n".join(paragraphs[1:]),
        url=f"https://example.org/{source}/{path.stem}",
        published=published,
        source=source,
    )


def _add(stories: list[Story], story_id: str, kind: str, key, item: NewsItem) -> None:
    assert item.published is not None
    stories.append(
        Story(
            story_id,
            kind,
            key,
            item.published,
            item.published,
            frozenset({item.source}),
            frozenset({item.url}),
        )
    )


def test_seed_reports_make_one_designation_story_and_one_topic_story() -> None:
    voa = seed("voa-2024-10-05.txt", "voa")
    menafn = seed("menafn-2024-10-06.txt", "menafn")
    stories: list[Story] = []
    events: list[tuple[str, str, str]] = []
    for item in sorted([menafn, voa], key=lambda i: i.published or datetime.min):
        for d in detect_designations(item, WATCHES):
            if not d.watched:
                continue
            key = story_key_for_designation(d)
            story_id, is_new = assign_story(
                key, "designation", item.published, item.url, stories, timedelta(days=14)
            )
            if is_new:
                _add(stories, story_id, "designation", key, item)
            kind = "designation_reported" if is_new else "designation_corroborated"
            events.append((kind, item.source, f"{d.actor} {d.entity} {d.action}"))
        for t in match_topics(item, TOPICS):
            key = story_key_for_topic(t)
            story_id, is_new = assign_story(
                key, "topic", item.published, item.url, stories, timedelta(days=7)
            )
            if is_new:
                _add(stories, story_id, "topic", key, item)
            kind = "topic_reported" if is_new else "topic_corroborated"
            events.append((kind, item.source, t.topic))
    assert events == [
        ("designation_reported", "voa", "RU Taliban announced_removal"),
        ("topic_reported", "voa", "Moscow Format"),
        ("designation_corroborated", "menafn", "RU Taliban announced_removal"),
    ]
    assert [s.id for s in stories] == [
        "RU-taliban-announced_removal-2024-10-05",
        "moscow-format-2024-10-05",
    ]


def test_voa_kazakh_and_kyrgyz_background_is_not_news() -> None:
    found = detect_designations(seed("voa-2024-10-05.txt", "voa"), [])
    assert [(d.actor, d.entity, d.action) for d in found] == [
        ("RU", "Taliban", "announced_removal")
    ]
    assert "principal decision" in found[0].evidence

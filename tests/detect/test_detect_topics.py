"""Topic matcher: inflection- and quote-tolerant phrases, evidence from the whole item."""

from __future__ import annotations

import pytest

from monitor.config import Topic
from monitor.detect.model import NewsItem, TopicMatch
from monitor.detect.topics import match_topics

MOSCOW_FORMAT = Topic(
    name="Moscow Format",
    match=["Moscow Format", "Moscow-format", "Московский формат", "Московского формата"],
)


@pytest.mark.parametrize(
    "title",
    [
        "Lavrov opens Moscow Format meeting on Afghanistan",
        "Moscow-format talks on Afghanistan postponed",
        "Moscow format consultations resume",
        "The Moscow Format's participants met in Kazan",
        "Заседание Московского формата прошло в Казани",
        "Встреча в «московском формате» по Афганистану",
        "Страны «Московского формата» приняли заявление",
        "Участники встречи в Московском формате",
    ],
)
def test_topic_in_either_language(title: str) -> None:
    assert match_topics(NewsItem(title=title), [MOSCOW_FORMAT]) == [
        TopicMatch("Moscow Format", title)
    ]


@pytest.mark.parametrize(
    "title",
    [
        "Astana format ministers meet in Doha",
        "Taliban and Afghan politicians meet in Moscow",
        "Doha talks on Afghanistan open",
        "A new format for talks in Moscow",
    ],
)
def test_other_meetings_are_not_the_topic(title: str) -> None:
    assert match_topics(NewsItem(title=title), [MOSCOW_FORMAT]) == []


def test_evidence_is_the_first_sentence_naming_it_even_in_the_body() -> None:
    item = NewsItem(
        title="Russia hosts Afghanistan conference",
        summary="<p>Delegates from ten countries met in Moscow.</p>",
        text="Lavrov spoke first. The meeting was held under the Moscow Format platform. More later.",
    )
    assert match_topics(item, [MOSCOW_FORMAT]) == [
        TopicMatch("Moscow Format", "The meeting was held under the Moscow Format platform.")
    ]


def test_any_configured_topic() -> None:
    doha = Topic(name="Doha process", match=["Doha process", "Дохинский процесс"])
    item = NewsItem(title="Талибы примут участие в Дохинском процессе")
    assert [m.topic for m in match_topics(item, [MOSCOW_FORMAT, doha])] == ["Doha process"]


@pytest.mark.parametrize(
    "title",
    [
        "El formato de Moscú reúne a los enviados para Afganistán",
        "Delegação talibã chega para a reunião do formato de Moscou",
        "Spotkanie w formacie moskiewskim poświęcone Afganistanowi",
        "Das Moskauer Format berät erneut über Afghanistan",
        "نشست فرمت مسکو درباره افغانستان آغاز شد",
        "Moskova formatı toplantısında Afganistan ele alındı",
    ],
)
def test_the_shipped_topic_names_the_format_in_the_feeds_languages(title: str) -> None:
    from pathlib import Path

    from monitor.config import load_settings

    shipped = load_settings(Path(__file__).parents[2] / "monitor.toml", env={}).topics
    found = match_topics(NewsItem(title=title), shipped)  # a phrase is tried before meaning
    assert [(m.topic, m.evidence, set(m.signals)) for m in found] == [
        ("Moscow Format", title, {"phrase"})
    ]

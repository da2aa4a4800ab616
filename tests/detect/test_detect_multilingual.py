"""Detection in any language: the cheap first stage, countries named in many languages, the
model's findings with their evidence, topics by meaning, and no network while classifying.

The sentences here are the project's own (real news is read only by the evaluation)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from monitor.config import Topic, Watch
from monitor.detect.classify import detect_designations
from monitor.detect.lexicon import cues
from monitor.detect.model import NewsItem
from monitor.detect.places import place_codes
from monitor.detect.topics import match_topics

TALIBAN = [Watch(entity="Taliban", aliases=["Taleban", "Талибан"])]


@pytest.mark.parametrize(
    "text",
    [
        "Canada lists the Proud Boys as a terrorist entity",
        "Il governo ha inserito il gruppo nella lista delle organizzazioni terroristiche",
        "Prokuratura chce wpisać stowarzyszenie na listę ugrupowań terrorystycznych",
        "دولت این گروه را در فهرست سازمان‌های تروریستی قرار داد",
        "गृह मंत्रालय ने इस संगठन को प्रतिबंधित सूची में डाल दिया",
        "Уряд вніс угруповання до переліку терористичних організацій",
        "政府は同団体をテロ組織に指定した",
    ],
)
def test_designation_vocabulary_in_many_languages(text: str) -> None:
    assert cues(text).candidate


@pytest.mark.parametrize(
    "text",
    [
        "Farmers expect a record wheat harvest after a wet spring",
        "The city council approved the budget for the new bridge",
        "Die Regierung verbietet Plastiktüten ab dem nächsten Jahr",  # a ban, but on no group
    ],
)
def test_everyday_news_stops_at_the_first_stage(text: str) -> None:
    assert not cues(text).candidate


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Делегація з Росії прибула", "RU"),
        ("Ambasador Rosji w Warszawie", "RU"),
        ("سفیر قزاقستان در تهران", "KZ"),
        ("El gobierno de Canadá anunció", "CA"),
        ("रूस और भारत के बीच व्यापार", "RU"),
        ("Kırgızistan hükümeti", "KG"),
    ],
)
def test_countries_named_in_any_language(text: str, code: str) -> None:
    assert code in place_codes(text)


def test_a_report_in_another_language_is_found_with_evidence_language_and_signals() -> None:
    item = NewsItem(
        title="Kasachstan streicht die Taliban von der Liste der verbotenen Organisationen",
        summary="Das Oberste Gericht Kasachstans hat die Taliban von der Liste der in dem Land "
        "verbotenen terroristischen Organisationen gestrichen.",
    )
    found = detect_designations(item, TALIBAN)
    assert [(d.actor, d.entity, d.watched) for d in found] == [("KZ", "Taliban", True)]
    finding = found[0]
    assert finding.lang == "de"
    assert finding.evidence == item.title
    assert finding.signals["model"] >= 0.5
    assert "terror" in finding.signals["cues"] or "ban" in finding.signals["cues"]


def test_a_call_the_english_rules_read_stays_no_change() -> None:
    item = NewsItem(
        title="Activists urge the government to ban the Proud Boys as a terrorist group",
        summary="A petition calls on ministers to proscribe the group.",
    )
    assert detect_designations(item, []) == []


MOSCOW_FORMAT = Topic(
    name="Moscow Format",
    match=["Moscow Format"],
    description="Consultations on Afghanistan that Russia hosts with regional states",
    examples=[
        "Russia hosts regional consultations on Afghanistan with a Taliban delegation",
        "Special envoys on Afghanistan meet in Kazan",
    ],
)


@pytest.mark.parametrize(
    ("name", "signal"),
    [
        ("Moscow Format", "model"),  # labelled examples in bench/detect/: a trained head
        ("Regional talks on Afghanistan", "similarity"),  # only its description and examples
    ],
)
def test_a_topic_matches_by_meaning_without_its_phrase(name: str, signal: str) -> None:
    topic = MOSCOW_FORMAT.model_copy(update={"name": name})
    item = NewsItem(
        title="Russia gathers regional envoys and a Taliban delegation for talks on Afghanistan",
        summary="Diplomats from China, Pakistan, Iran and India joined the consultations in Moscow.",
    )
    [found] = match_topics(item, [topic])
    assert found.topic == name
    assert found.lang == "en"
    assert found.evidence == item.title  # the sentence that names the topic's places and groups
    assert signal in found.signals and len(found.signals["anchors"]) >= 2


def test_a_topic_does_not_match_unrelated_news_by_meaning() -> None:
    item = NewsItem(
        title="Moscow hosts a football tournament",
        summary="Teams from ten countries play in the Russian capital this week.",
    )
    assert match_topics(item, [MOSCOW_FORMAT]) == []


def test_a_topic_needs_phrases_a_description_or_examples() -> None:
    with pytest.raises(ValueError):
        Topic(name="Empty")
    assert Topic(name="By meaning", description="Talks on Afghanistan").by_meaning


def test_classifying_opens_no_socket() -> None:
    """The model, the language identifier and the country names all ship inside packages: a
    fresh process that cannot open a socket loads them all and classifies."""
    script = textwrap.dedent(
        """
        import socket

        def refuse(*args, **kwargs):
            raise AssertionError("a socket was opened while classifying")

        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.getaddrinfo = refuse
        socket.create_connection = refuse
        from monitor.config import Topic, Watch
        from monitor.detect.classify import detect_designations
        from monitor.detect.model import NewsItem
        from monitor.detect.topics import match_topics

        item = NewsItem(
            title="Kirgisistan streicht die Taliban von seiner Terrorliste",
            summary="Die Regierung in Bischkek hat die Taliban von der Liste verbotener Gruppen "
            "entfernt.",
        )
        found = detect_designations(item, [Watch(entity="Taliban")])
        assert found and found[0].lang == "de" and "model" in found[0].signals, found
        topic = Topic(name="Talks", examples=["Envoys meet in Moscow on Afghanistan"])
        assert match_topics(item, [topic]) == []
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_a_report_that_names_no_organisation_is_kept_and_says_so() -> None:
    from monitor.describe import reported_entity

    item = NewsItem(
        title="Ottawa adds five transnational crime networks to its list of terrorist entities",
        summary="Canada has listed five criminal networks as terrorist entities under the Criminal "
        "Code, the public safety minister said.",
    )
    [found] = detect_designations(item, [])
    assert (found.actor, found.entity) == ("CA", "")
    assert reported_entity(found.entity) == "organisations it does not name"


def test_news_far_from_every_topic_and_list_never_loads_the_model() -> None:
    """Most items are neither: the sentence model (~1 s to load and embed a topic's examples)
    is loaded only when an item passes a first stage."""
    from monitor.detect import semantic

    semantic._model.cache_clear()
    for name in ("Moscow Format", "Regional talks on Afghanistan"):
        topic = MOSCOW_FORMAT.model_copy(update={"name": name})
        item = NewsItem(
            title="Farmers expect a record wheat harvest",
            summary="Rain in spring helped the crop in the northern provinces, officials said.",
        )
        assert detect_designations(item, TALIBAN) == []
        assert match_topics(item, [topic]) == []
    assert semantic._model.cache_info().currsize == 0

"""Text preparation: HTML, datelines and sentence splitting keep evidence readable."""

from __future__ import annotations

import pytest

from monitor.text import paragraphs, prep, split_sentences, strip_dateline


def test_paragraphs_keep_their_breaks() -> None:
    html = "<p>Russia&#8217;s court <b>ruled</b>.</p><p>Second&nbsp;one.</p>"
    assert paragraphs(html) == "Russia’s court ruled.\nSecond one."


def test_prep_is_length_preserving() -> None:
    text = "Ёлка’s «Талибан»"
    assert len(prep(text)) == len(text)
    assert prep(text) == "Елка's «Талибан»"


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("ISLAMABAD — Russia reported Friday", "Russia reported Friday"),
        ("KABUL, Afghanistan (AP) — The Taliban said", "The Taliban said"),
        ("WASHINGTON, Feb 20 (Reuters) - The United States", "The United States"),
        ("MOSCOW, April 17. /TASS/. The Russian Supreme Court", "The Russian Supreme Court"),
        ("МОСКВА, 17 апреля. /ТАСС/. Верховный суд", "Верховный суд"),
        ("МОСКВА, 17 апр — РИА Новости. Верховный суд", "Верховный суд"),
        ("(MENAFN) Moscow has announced", "Moscow has announced"),
        ("Russia — the Kremlin said", "Russia — the Kremlin said"),
    ],
)
def test_strip_dateline(text: str, rest: str) -> None:
    assert strip_dateline(text) == rest


def test_split_sentences_respects_abbreviations() -> None:
    text = "The U.S. said on Jan. 6 it would act. Mr. Rubio agreed.\nВ т.ч. Россия. Новый абзац."
    assert split_sentences(text) == [
        "The U.S. said on Jan. 6 it would act.",
        "Mr. Rubio agreed.",
        "В т.ч. Россия.",
        "Новый абзац.",
    ]

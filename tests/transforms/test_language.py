"""Language identification: what the model is shown, the quick first look, and the page's hint."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scrapeclean.transforms.text.language import (
    QUICK_SAMPLE_CHARS,
    LanguageConfig,
    detect_language,
    text_prefix,
)
from tests.transforms.test_sitelines import make_article

GERMAN = (
    "Die Bundesregierung hat am Mittwoch einen Gesetzentwurf beschlossen, der die Förderung von "
    "Wärmepumpen neu regelt. Nach Angaben des Wirtschaftsministeriums sollen Hausbesitzer "
    "künftig bis zu siebzig Prozent der Kosten erstattet bekommen, wenn sie ihre alte "
    "Ölheizung austauschen."
)
ENGLISH = (
    "The city council voted on Tuesday to extend the harbour ferry service until midnight, "
    "after a year in which evening passenger numbers grew by almost a third. The extension "
    "will cost about 1.2 million crowns a year, and the ferry company said it would hire six "
    "more crew members before the new timetable starts in March."
)
# Names only: no language in the first QUICK_SAMPLE_CHARS characters (lid.176 is 0.42 sure).
NAMES = (
    "Angela Merkel, Olaf Scholz, Emmanuel Macron, Joe Biden, Xi Jinping, Wladimir Putin, Recep "
    "Tayyip Erdogan, Giorgia Meloni, Pedro Sanchez, Donald Tusk, Mark Rutte, Ursula von der "
    "Leyen, Charles Michel, Roberta Metsola, Josep Borrell, Antonio Guterres, Jens Stoltenberg, "
    "Christine Lagarde, Kristalina Georgieva, Ngozi Okonjo-Iweala."
)


@pytest.mark.parametrize("lead_chars", [0, 1, 297, 298, 299, 300, 301, 600])
@pytest.mark.parametrize("body", ["", "b" * 5, "b" * 700])
def test_text_prefix_is_the_start_of_the_article_text(lead_chars: int, body: str) -> None:
    article = replace(make_article("d", ["a" * lead_chars]), body=body)
    assert text_prefix(article, 300) == article.text[:300]


@pytest.mark.parametrize(
    ("paragraphs", "language"),
    [([ENGLISH], "en"), ([GERMAN], "de"), ([ENGLISH[:120]], "en"), ([GERMAN[:120]], "de")],
)
def test_detects_the_language_of_short_and_long_texts(paragraphs: list[str], language: str) -> None:
    assert detect_language(make_article("d", paragraphs), LanguageConfig()).language == language


def test_an_unsure_first_look_reads_the_whole_sample() -> None:
    """The first QUICK_SAMPLE_CHARS characters name no language; the 600 do."""
    assert len(NAMES) > QUICK_SAMPLE_CHARS
    article = make_article("d", [NAMES, GERMAN])
    assert detect_language(article, LanguageConfig()).language == "de"


def test_the_sample_length_bounds_what_the_model_reads() -> None:
    article = make_article("d", [NAMES, GERMAN])
    short = LanguageConfig(sample_chars=QUICK_SAMPLE_CHARS)
    assert detect_language(article, short).language is None  # names alone: not sure enough


def test_the_page_hint_stays_when_the_text_says_nothing() -> None:
    article = replace(make_article("d", ["1234 5678 90", "2025-11-30 12:00"]), language="fr")
    assert detect_language(article, LanguageConfig()).language == "fr"
    assert detect_language(article, LanguageConfig(enabled=False)) is article

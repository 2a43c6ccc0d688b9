"""Quality rules (one test per rule, exact reason code) and the language filter."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scrapeclean.transforms.corpus.quality import (
    QUALITY_RULES,
    LanguageFilterConfig,
    QualityConfig,
    check_quality,
    filter_language,
)
from scrapeclean.transforms.records import Article, Reject, RejectReason
from tests.transforms.test_sitelines import make_article

GOOD = [
    "The city council voted on Tuesday to extend the harbour ferry service until midnight, "
    "after a year in which evening passenger numbers grew by almost a third.",
    "“People who work late deserve a way home that does not cost a taxi fare,” said councillor "
    "Maria Lind, who proposed the change.",
    "The extension will cost about 1.2 million crowns a year. The ferry company said it would "
    "hire six more crew members before the new timetable starts in March.",
]
ON = QualityConfig(enabled=True)


def only(rule: RejectReason, **thresholds: object) -> QualityConfig:
    """The config with just one rule on: the test isolates what that rule alone decides."""
    return QualityConfig(enabled=True, rules=(rule.value,), **thresholds)  # type: ignore[arg-type]


def reason(paragraphs: list[str], config: QualityConfig) -> str | None:
    result = check_quality(make_article("d", paragraphs), config)
    return result.reason.value if isinstance(result, Reject) else None


def test_a_good_article_passes_every_rule() -> None:
    article = make_article("d", GOOD)
    assert check_quality(article, ON) is article


@pytest.mark.parametrize(
    ("rule", "paragraphs", "thresholds"),
    [
        (RejectReason.LOREM_IPSUM, [*GOOD, "Lorem ipsum dolor sit amet."], {}),
        (
            RejectReason.JAVASCRIPT_COOKIE_NOTICE,
            ["Please enable JavaScript to read this page.", "Home", "Sections", "We use cookies."],
            {},
        ),
        (RejectReason.LOW_WORD_COUNT, ["Ferry service extended until midnight."], {}),
        (RejectReason.HIGH_WORD_COUNT, GOOD, {"min_words": 10, "max_words": 40}),
        (RejectReason.WORD_LENGTH_OUT_OF_RANGE, ["a b c d e f g h i j k l m n o p."], {}),
        (RejectReason.WORD_LENGTH_OUT_OF_RANGE, ["Incomprehensibilities notwithstanding."], {}),
        (RejectReason.HIGH_SYMBOL_RATIO, ["#ferry #harbour #news and more #tags today."], {}),
        (RejectReason.HIGH_SYMBOL_RATIO, ["Wait... what... really... no... yes."], {}),
        (RejectReason.LOW_ALPHABETIC_WORDS, ["Scores: 12 34 56 78 90 11 22 33 44 final."], {}),
        (RejectReason.LOW_TERMINAL_PUNCTUATION, ["Home", "World news", "Sport", "Weather"], {}),
        (RejectReason.REPEATED_LINES, ["Buy now.", "Buy now.", "Buy now.", "Real text."], {}),
        (RejectReason.REPEATED_NGRAM, ["Click here, click here, click here, click here now."], {}),
    ],
)
def test_each_rule_rejects_with_its_own_code(
    rule: RejectReason, paragraphs: list[str], thresholds: dict
) -> None:
    assert reason(paragraphs, only(rule, **thresholds)) == rule.value
    assert reason(GOOD, only(rule)) is None  # and the good article passes that rule


def test_reject_keeps_id_raw_and_names_the_numbers() -> None:
    result = check_quality(make_article("d7", ["Too short."]), ON)
    assert isinstance(result, Reject)
    assert (result.doc_id, result.raw, result.reason) == ("d7", b"raw bytes", "low_word_count")
    assert result.detail == "2 words < 50"


def test_specific_page_kinds_are_reported_before_statistics() -> None:
    lorem = ["Lorem ipsum dolor sit amet, consectetur adipiscing elit"] * 3
    assert reason(lorem, ON) == "lorem_ipsum"


def test_an_article_about_javascript_is_not_a_notice_page() -> None:
    paragraphs = [*GOOD, "The booking site was rewritten in JavaScript last year."]
    assert reason(paragraphs, ON) is None


def test_off_by_default_and_each_rule_can_be_off() -> None:
    junk = ["Lorem ipsum", "Lorem ipsum"]
    assert QualityConfig().enabled is False
    assert reason(junk, QualityConfig()) is None
    assert reason(junk, QualityConfig(enabled=True, rules=())) is None
    no_lorem = tuple(r for r in QUALITY_RULES if r != "lorem_ipsum")
    assert reason(junk, QualityConfig(enabled=True, rules=no_lorem)) == "low_word_count"


def test_quality_config_checks() -> None:
    with pytest.raises(ValueError, match=r"^rules: unknown rule 'too_pretty'"):
        QualityConfig(rules=("too_pretty",))
    with pytest.raises(ValueError, match=r"^min_words:"):
        QualityConfig(min_words=10, max_words=5)


@pytest.mark.parametrize(
    ("language", "config", "kept"),
    [
        ("en", LanguageFilterConfig(), True),
        ("de", LanguageFilterConfig(keep=("en",)), False),
        ("en", LanguageFilterConfig(keep=("en", "de")), True),
        ("en-GB", LanguageFilterConfig(keep=("en",)), True),
        ("EN", LanguageFilterConfig(keep=("en",)), True),
        (None, LanguageFilterConfig(keep=("en",)), True),
        (None, LanguageFilterConfig(keep=("en",), keep_unknown=False), False),
    ],
)
def test_filter_language(language: str | None, config: LanguageFilterConfig, kept: bool) -> None:
    article = replace(make_article("d", GOOD), language=language)
    result = filter_language(article, config)
    if kept:
        assert isinstance(result, Article)
    else:
        assert isinstance(result, Reject) and result.reason == RejectReason.LANGUAGE_FILTERED

"""validate: the minimum-words rule and its exact reason code."""

from __future__ import annotations

from scrapeclean.transforms.records import Article, Reject, RejectReason
from scrapeclean.transforms.text.validate import ValidateConfig, validate_article


def article(words: int) -> Article:
    lead = " ".join(["word"] * words)
    return Article(
        "id",
        "src",
        None,
        None,
        None,
        lead,
        "",
        None,
        None,
        None,
        words,
        "h",
        (),
        (),
        "text",
        raw=b"raw",
    )


def test_enough_words_pass() -> None:
    assert validate_article(article(30), ValidateConfig(min_words=30)) == article(30)


def test_too_short_is_rejected_with_its_raw_input() -> None:
    result = validate_article(article(29), ValidateConfig(min_words=30))
    assert isinstance(result, Reject)
    assert (result.reason, result.detail, result.raw, result.doc_id) == (
        RejectReason.TOO_SHORT,
        "29 words < 30",
        b"raw",
        "id",
    )

"""Article validation: articles with too little text to be useful become rejects."""

from __future__ import annotations

from dataclasses import dataclass

from scrapeclean.transforms.records import Article, Reject, RejectReason


@dataclass(frozen=True, slots=True)
class ValidateConfig:
    """Minimum size of a useful article."""

    # Words in lead + body. News briefs run 40+ words; below 30 a page is a stub, a teaser or an
    # error page (Gopher's web filter asks 50 of whole documents; ours excludes the headline).
    min_words: int = 30

    def __post_init__(self) -> None:
        if self.min_words < 0:
            raise ValueError("min_words: must be >= 0")


def validate_article(article: Article, config: ValidateConfig) -> Article | Reject:
    """Pass an article with enough words; reject it as ``too_short`` otherwise."""
    if article.n_words < config.min_words:
        detail = f"{article.n_words} words < {config.min_words}"
        return Reject.of(article, RejectReason.TOO_SHORT, detail)
    return article

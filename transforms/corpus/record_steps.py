"""The corpus steps that judge one article on its own, in the run's order: quality, language
filter, split. CleanCorpus runs them after the cross-document steps (site lines, exact and near
dedup); ``scrapeclean explain`` runs them on one document. Pure: no Beam."""

from __future__ import annotations

from scrapeclean.transforms.corpus.quality import (
    LanguageFilterConfig,
    QualityConfig,
    check_quality,
    filter_language,
)
from scrapeclean.transforms.corpus.split import SplitConfig, assign_split
from scrapeclean.transforms.text.stages import StageCall

# The corpus steps that compare documents with each other: one document cannot be judged alone.
CROSS_DOCUMENT_STEPS = ("sitelines", "dedup", "neardup")


def record_steps(
    quality: QualityConfig, language_filter: LanguageFilterConfig, split: SplitConfig
) -> tuple[StageCall, ...]:
    """The enabled per-article corpus steps, bound to their sections, in order."""
    return tuple(
        StageCall(name, fn, section)
        for name, fn, section, enabled in (
            ("quality", check_quality, quality, quality.enabled),
            # an empty list keeps every language: no step
            ("language_filter", filter_language, language_filter, bool(language_filter.keep)),
            ("split", assign_split, split, split.enabled),
        )
        if enabled
    )

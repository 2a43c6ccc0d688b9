"""The corpus steps that judge one article on its own: quality and the language filter (which
CleanCorpus runs before choosing duplicate survivors, so a survivor is always publishable), and
the split (run last, on survivors). ``scrapeclean explain`` runs all three on one document.
Pure: no Beam."""

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


def rule_steps(
    quality: QualityConfig, language_filter: LanguageFilterConfig
) -> tuple[StageCall, ...]:
    """The enabled per-article rules that can reject an article, bound to their sections."""
    return tuple(
        StageCall(name, fn, section)
        for name, fn, section, enabled in (
            ("quality", check_quality, quality, quality.enabled),
            # an empty list keeps every language: no step
            ("language_filter", filter_language, language_filter, bool(language_filter.keep)),
        )
        if enabled
    )


def split_steps(split: SplitConfig) -> tuple[StageCall, ...]:
    """The split step bound to its section, or nothing when the split is off."""
    return (StageCall("split", assign_split, split),) if split.enabled else ()


def record_steps(
    quality: QualityConfig, language_filter: LanguageFilterConfig, split: SplitConfig
) -> tuple[StageCall, ...]:
    """Every enabled per-article corpus step, in the run's order (rules, then the split)."""
    return rule_steps(quality, language_filter) + split_steps(split)

"""Per-document boilerplate: whole lines that are site or scraper chrome, from a rule catalog.

Only whole lines are removed, and only short ones; every removed line is kept verbatim for audit.
Lines that repeat across a site's pages but are in no catalog are a corpus-level concern.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from scrapeclean.transforms.records import Document

# Bullets, separators and closing punctuation around a chrome line ("» Share this article:",
# "Advertisement -", "Help us improve."): not part of what identifies it.
_EDGE_PUNCTUATION = " \t.!?:;,|•·*>»«-–—_=~/\\#"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class BoilerplateConfig:
    """The rule catalog (configs/default.yaml) and the limits on what a rule may remove."""

    # Exact lines, compared after normalize_line (case, spacing and edge punctuation folded).
    phrases: tuple[str, ...] = ()
    # Regular expressions that must match the whole normalised line. Keep them linear: no
    # nested quantifiers (issue 4: no catastrophic backtracking on adversarial lines).
    patterns: tuple[str, ...] = ()
    # Added to the catalog by a run config, so a site's own chrome needs no catalog copy.
    extra_phrases: tuple[str, ...] = ()
    extra_patterns: tuple[str, ...] = ()
    # A line longer than this is content whatever it matches: chrome lines are short, and a
    # paragraph that merely mentions "newsletter" must survive.
    max_line_words: int = 40

    def __post_init__(self) -> None:
        if self.max_line_words < 1:
            raise ValueError("max_line_words: must be >= 1")
        for name in ("patterns", "extra_patterns"):
            check_patterns(name, getattr(self, name))


def check_patterns(name: str, patterns: tuple[str, ...]) -> None:
    """Raise ValueError naming the config key when one of its regular expressions is invalid."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"{name}: bad pattern {pattern!r}: {error}") from None


def strip_boilerplate(document: Document, config: BoilerplateConfig) -> Document:
    """Remove catalog boilerplate lines from a document, recording each in boilerplate_removed."""
    kept, removed = split_boilerplate_lines(document.text.split("\n"), config)
    if not removed:
        return document
    return replace(
        document,
        text="\n".join(kept),
        boilerplate_removed=document.boilerplate_removed + tuple(removed),
    )


def split_boilerplate_lines(
    lines: list[str], config: BoilerplateConfig
) -> tuple[list[str], list[str]]:
    """Split lines into (kept, removed); blank lines are always kept (they separate paragraphs)."""
    is_chrome = compile_catalog(
        config.phrases + config.extra_phrases, config.patterns + config.extra_patterns
    )
    kept: list[str] = []
    removed: list[str] = []
    for line in lines:
        if line.strip() and len(line.split()) <= config.max_line_words and is_chrome(line):
            removed.append(line)
        else:
            kept.append(line)
    return kept, removed


def normalize_line(line: str) -> str:
    """Fold a line to what identifies it: casefolded, single-spaced, no edge punctuation."""
    return _SPACES.sub(" ", line).strip(_EDGE_PUNCTUATION).casefold()


@functools.lru_cache(maxsize=16)
def compile_catalog(phrases: tuple[str, ...], patterns: tuple[str, ...]) -> _Matcher:
    """Compile a catalog once per process (cached: the config is frozen and hashable)."""
    return _Matcher(
        frozenset(normalize_line(phrase) for phrase in phrases),
        re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None,
    )


@dataclass(frozen=True, slots=True)
class _Matcher:
    phrases: frozenset[str]
    pattern: re.Pattern[str] | None

    def __call__(self, line: str) -> bool:
        normalized = normalize_line(line)
        if normalized in self.phrases:
            return True
        return self.pattern is not None and self.pattern.fullmatch(normalized) is not None

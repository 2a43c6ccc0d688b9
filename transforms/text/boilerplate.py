"""Per-document boilerplate: whole lines that are site or scraper chrome, from a rule catalog
and the line model (transforms/text/linemodel.py), which also tells segment what the other
lines are (headline, summary, credit, content).

Only whole lines are removed; every removed line is kept verbatim for audit. Lines that repeat
across a site's pages but are in neither are a corpus-level concern.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from scrapeclean.transforms.records import Document
from scrapeclean.transforms.text import linemodel
from scrapeclean.transforms.text.catalog import (
    BOILERPLATE_PATTERNS,
    BOILERPLATE_PHRASES,
    CREDIT_PATTERNS,
)
from scrapeclean.transforms.text.paragraphs import split_paragraphs
from scrapeclean.transforms.text.words import fold_case

# Bullets, separators and closing punctuation around a chrome line ("» Share this article:",
# "Advertisement -", "Help us improve."): not part of what identifies it.
_EDGE_PUNCTUATION = " \t.!?:;,|•·*>»«-–—_=~/\\#"
THRESHOLDS = (
    "chrome_threshold",
    "headline_threshold",
    "headline_sure_threshold",
    "summary_above_threshold",
    "summary_below_threshold",
    "summary_possible_threshold",
    "credit_threshold",
)
CATALOG = "catalog"  # a removed line's reason when the rule catalog matched it


@dataclass(frozen=True, slots=True)
class BoilerplateConfig:
    """The rule catalog (text/catalog.py) and the limits on what a rule may remove."""

    # Exact lines, compared after normalize_line (case, spacing and edge punctuation folded).
    phrases: tuple[str, ...] = BOILERPLATE_PHRASES
    # Regular expressions that must match the whole normalised line. Keep them linear: no
    # nested quantifiers (issue 4: no catastrophic backtracking on adversarial lines).
    patterns: tuple[str, ...] = BOILERPLATE_PATTERNS
    # Added to the catalog by a run config, so a site's own chrome needs no catalog copy.
    extra_phrases: tuple[str, ...] = ()
    extra_patterns: tuple[str, ...] = ()
    # A line longer than this is content whatever it matches: chrome lines are short, and a
    # paragraph that merely mentions "newsletter" must survive.
    max_line_words: int = 40
    # Read every line of a text dump with the line model (not HTML-extracted text, which is
    # already the page's content, nor hard-wrapped text, whose lines are not paragraphs, nor
    # a text whose source stated its headline: see reads_lines).
    line_model: bool = True
    # A model file written by scripts/train_line_model.py; empty: the one shipped beside
    # transforms/text/linemodel.py (trained on wcxb-dev's dev part, see linemodel.md there).
    line_model_path: str = ""
    # Probabilities from which the model's reading is acted on, chosen by domain-grouped
    # cross-validation on wcxb-dev's dev part (docs/textdump-quality.md).
    chrome_threshold: float = 0.65
    headline_threshold: float = 0.05
    headline_sure_threshold: float = 0.5
    # ... in a dump of at most this many lines: stage 2, trained on article dumps twice (whole
    # and seed-sized), reads short dumps better; the ranker, a choice among a dump's lines,
    # whole pages (dev, cross-validated: page headline 0.653 -> 0.680, article 0.932 -> 0.931;
    # article dumps have 19-195 lines, pages 83-454, 10th-90th percentile).
    headline_sure_max_lines: int = 100
    summary_above_threshold: float = 0.15
    summary_below_threshold: float = 0.4
    summary_possible_threshold: float = 0.1
    credit_threshold: float = 0.5
    # Searched case-insensitively in the lines the line model would take for chrome: a match
    # keeps the line for segment (the default config gives it segment's credit patterns: wire
    # credits at an article's end sit where related links and footers do).
    keep_patterns: tuple[str, ...] = CREDIT_PATTERNS

    def __post_init__(self) -> None:
        if self.max_line_words < 1:
            raise ValueError("max_line_words: must be >= 1")
        if self.headline_sure_max_lines < 0:
            raise ValueError("headline_sure_max_lines: must be >= 0")
        for name in THRESHOLDS:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name}: must be between 0 and 1")
        if self.line_model:
            try:
                linemodel.load_model(self.line_model_path or str(linemodel.MODEL_PATH))
            except ValueError as error:
                raise ValueError(f"line_model_path: {error}") from None
        for name in ("patterns", "extra_patterns", "keep_patterns"):
            check_patterns(name, getattr(self, name))


def check_patterns(name: str, patterns: tuple[str, ...]) -> None:
    """Raise ValueError naming the config key when one of its regular expressions is invalid."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"{name}: bad pattern {pattern!r}: {error}") from None


def strip_boilerplate(document: Document, config: BoilerplateConfig) -> Document:
    """Remove chrome lines (catalog or line model) from a document, each kept verbatim in
    boilerplate_removed, and note the model's role for every line left."""
    return strip_many([document], config)[0]


def strip_many(documents: Sequence[Document], config: BoilerplateConfig) -> list[Document]:
    """strip_boilerplate of each document, the line model reading their lines together: what
    a run does with a batch of records (``Stage.many``, text/stages.py). The same documents as
    one at a time, bit for bit (``linemodel.predict_many``)."""
    lines_of = [document.text.split("\n") for document in documents]
    pages = [
        (lines, reads_lines(document, lines, config))
        for document, lines in zip(documents, lines_of, strict=True)
    ]
    verdicts_of = judge_many(pages, config)
    return [
        _stripped(document, lines, verdicts)
        for document, lines, verdicts in zip(documents, lines_of, verdicts_of, strict=True)
    ]


def _stripped(document: Document, lines: list[str], verdicts: list[Verdict | None]) -> Document:
    gone = [is_removed(verdict) for verdict in verdicts]
    removed = tuple(line for line, out in zip(lines, gone, strict=True) if out)
    read = any(v is not None and v.probability is not None for v in verdicts)
    if not read and not removed:
        return document
    return replace(
        document,
        text="\n".join([line for line, out in zip(lines, gone, strict=True) if not out]),
        boilerplate_removed=document.boilerplate_removed + removed,
        line_roles=tuple(v.role for v, out in zip(verdicts, gone, strict=True) if v and not out)
        if read
        else (),
    )


class Verdict(NamedTuple):
    """What a non-blank line is: its role, and the model's probability for it (None when the
    catalog decided or the model did not run)."""

    role: str
    probability: float | None = None


def is_removed(verdict: Verdict | None) -> bool:
    """Whether a line with this verdict leaves the text (blank lines never do)."""
    return verdict is not None and verdict.role in (CATALOG, "chrome")


def reads_lines(document: Document, lines: list[str], config: BoilerplateConfig) -> bool:
    """Whether the line model reads this document (its text split into ``lines``): a text dump
    of two or more lines, each of them a paragraph (not hard-wrapped), whose headline is to
    be found in it.

    Not a text whose source stated its headline (a JSONL title): the model learnt from dumps
    that hold one, and it read the lead that opens such a text as chrome (0.94 on a wire lead).
    Not twice: a text the model read (``line_roles``) has lost its chrome, and a second reading
    of what is left would see other neighbours (the stage is idempotent).
    """
    stated = document.headline is not None or document.summary_known
    if not config.line_model or document.extracted or stated or document.line_roles:
        return False
    filled = [len(line) for line in lines if line.strip()]
    if len(filled) < 2:
        return False
    # Wrapped text is 50-100 columns wide (is_hard_wrapped); only then is the split needed.
    return not 50 <= max(filled) <= 100 or len(split_paragraphs(document.text)) == len(filled)


def judge_lines(
    lines: list[str], config: BoilerplateConfig, use_model: bool = True
) -> list[Verdict | None]:
    """A verdict per line (None for a blank one): catalog chrome, else the line model's role,
    else content."""
    return judge_many([(lines, use_model)], config)[0]


def judge_many(
    pages: Sequence[tuple[list[str], bool]], config: BoilerplateConfig
) -> list[list[Verdict | None]]:
    """judge_lines of several texts' lines (each with whether the line model reads them), the
    model reading all of those together (``linemodel.predict_many``)."""
    # The catalog's verdict on a line seen before in these texts is the one it got there (a
    # site's menus and footers recur on its pages, a run's batch holds them together).
    known: dict[str, bool] = {}
    judged = [_catalog_verdicts(lines, config, known) for lines, _ in pages]
    read = [found for found, (_, use_model) in zip(judged, pages, strict=True) if use_model]
    read = [found for found in read if found.texts]
    if read:
        model = linemodel.load_model(config.line_model_path or str(linemodel.MODEL_PATH))
        readings = linemodel.predict_many([(found.texts, found.catalog) for found in read], model)
        for found, reading in zip(read, readings, strict=True):
            _model_verdicts(found, reading, config)
    return [found.verdicts for found in judged]


class _Judged(NamedTuple):
    at: list[int]  # the non-blank lines' indexes
    texts: list[str]  # those lines, stripped
    catalog: list[bool]  # whether the catalog matched each
    verdicts: list[Verdict | None]  # per line, blank ones included


def _catalog_verdicts(
    lines: list[str], config: BoilerplateConfig, known: dict[str, bool]
) -> _Judged:
    # The catalog's verdict on every non-blank line (from ``known`` when it holds the line, and
    # added to it); the others are content until the model.
    is_chrome = config_catalog(config)
    at = [i for i, line in enumerate(lines) if line.strip()]
    texts = [lines[i].strip() for i in at]
    most = config.max_line_words  # split(None, most) stops counting past the limit
    catalog = []
    for text in texts:
        matched = known.get(text)
        if matched is None:
            # A line shorter than 2 * most characters cannot hold more than most words: no split.
            matched = known[text] = (
                len(text) < 2 * most or len(text.split(None, most)) <= most
            ) and is_chrome(text)
        catalog.append(matched)
    verdicts: list[Verdict | None] = [None] * len(lines)
    for i, matched in zip(at, catalog, strict=True):
        verdicts[i] = _CATALOG_VERDICT if matched else _CONTENT_VERDICT
    return _Judged(at, texts, catalog, verdicts)


def _model_verdicts(found: _Judged, reading: linemodel.Reading, config: BoilerplateConfig) -> None:
    # The model's roles on the lines the catalog left, into found.verdicts.
    at, texts, catalog, verdicts = found
    probabilities = reading.probabilities
    if any(catalog):  # the catalog's lines go whatever the model says
        probabilities[catalog] = _CERTAIN_CHROME
    roles = linemodel.read_roles(reading, model_thresholds(config), catalog)
    keep = compile_keep(config.keep_patterns)
    if keep is not None:
        for j, (role, matched) in enumerate(zip(roles, catalog, strict=True)):
            if role == linemodel.CHROME and not matched and keep.search(texts[j]):
                roles[j] = linemodel.CONTENT
    left = [role for role, matched in zip(roles, catalog, strict=True) if not matched]
    if linemodel.CONTENT not in left:
        return  # a reading with no text left is no reading: the catalog alone decides
    for i, matched, role, row in zip(at, catalog, roles, probabilities.tolist(), strict=True):
        if not matched:
            p = row[linemodel.SUMMARY if role == linemodel.POSSIBLE_SUMMARY else role]
            verdicts[i] = Verdict(linemodel.ROLES[role], round(p, 3))


_CATALOG_VERDICT = Verdict(CATALOG)
_CERTAIN_CHROME = [float(label == "chrome") for label in linemodel.LABELS]
_CONTENT_VERDICT = Verdict("content")


def removal_reasons(document: Document, config: BoilerplateConfig) -> list[str]:
    """Why strip_boilerplate removes each line it removes, in order: "catalog", "chrome 0.97"
    (the line model's probability), or "chrome by place" (the model's reading put it above the
    headline or in the run that closes the article, without calling it chrome by itself). For
    ``explain``."""
    lines = document.text.split("\n")
    verdicts = judge_lines(lines, config, reads_lines(document, lines, config))
    reasons = []
    for verdict in verdicts:
        if verdict is None or not is_removed(verdict):
            continue
        if verdict.probability is None:
            reasons.append(verdict.role)
        elif verdict.probability < config.chrome_threshold:
            reasons.append(f"chrome by place (p {verdict.probability:.2f})")
        else:
            reasons.append(f"chrome {verdict.probability:.2f}")
    return reasons


def model_thresholds(config: BoilerplateConfig) -> linemodel.Thresholds:
    """The config's thresholds as the line model takes them."""
    return linemodel.Thresholds(
        config.chrome_threshold,
        config.headline_threshold,
        config.headline_sure_threshold,
        config.headline_sure_max_lines,
        config.summary_above_threshold,
        config.summary_below_threshold,
        config.summary_possible_threshold,
        config.credit_threshold,
    )


def normalize_line(line: str) -> str:
    """Fold a line to what identifies it: casefolded, single-spaced, no edge punctuation.

    split/join folds the same whitespace as a ``\\s+`` regex would (str.isspace's), and the
    spaces it drops at the edges are edge punctuation anyway: 1.0 against 2.5 us a line.
    """
    return fold_case(" ".join(line.split()).strip(_EDGE_PUNCTUATION))


def any_of(patterns: Sequence[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex matching where any of ``patterns`` does (None for none):
    the catalog's patterns, keep_patterns and segment's credit patterns are all searched so."""
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


@functools.lru_cache(maxsize=8)
def compile_keep(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """any_of(keep_patterns), compiled once per process."""
    return any_of(patterns)


def config_catalog(config: BoilerplateConfig) -> _Matcher:
    """compile_catalog of a config's phrases and patterns (its own and the extra ones).

    Found by the config's identity (a run passes the same section to every document), not by
    compile_catalog's cache: hashing the ~160 catalog strings for that cost ~10 us a document
    in a run, where the other stages have pushed them out of the CPU's caches.
    """
    known = _CATALOG_OF.get(id(config))
    if known is not None and known[0] is config:  # the id of a live object is its own
        return known[1]
    if len(_CATALOG_OF) >= 16:
        _CATALOG_OF.clear()
    matcher = compile_catalog(
        config.phrases + config.extra_phrases, config.patterns + config.extra_patterns
    )
    _CATALOG_OF[id(config)] = (config, matcher)
    return matcher


@functools.lru_cache(maxsize=16)
def compile_catalog(phrases: tuple[str, ...], patterns: tuple[str, ...]) -> _Matcher:
    """Compile a catalog once per process (cached: the config is frozen and hashable)."""
    starts = [ascii_starts(pattern) for pattern in patterns]
    subsets = {
        char: tuple(
            p for p, can in zip(patterns, starts, strict=True) if can is None or char in can
        )
        for char in map(chr, range(128))
    }
    compiled = {subset: any_of(subset) for subset in set(subsets.values())}
    return _Matcher(
        frozenset(normalize_line(phrase) for phrase in phrases),
        any_of(patterns),
        {char: compiled[subset] for char, subset in subsets.items()},
    )


@dataclass(frozen=True, slots=True)
class _Matcher:
    phrases: frozenset[str]
    pattern: re.Pattern[str] | None
    # Per ASCII character, the patterns a line starting with it can match (None: none of
    # them): a line tried against all ~33 alternatives of the catalog cost ~2 us, a few ~0.5.
    by_start: dict[str, re.Pattern[str] | None]

    def __call__(self, line: str) -> bool:
        normalized = normalize_line(line)
        if normalized in self.phrases:
            return True
        if self.pattern is None:
            return False
        # By the line's first character: a fullmatch opens there, whatever follows. A line that
        # opens with another character (IGNORECASE matches "ſ" to "s") tries every pattern.
        pattern = self.by_start.get(normalized[:1], self.pattern)
        return pattern is not None and pattern.fullmatch(normalized) is not None


def ascii_starts(pattern: str) -> frozenset[str] | None:
    """The ASCII characters a non-empty text that ``pattern`` matches case-insensitively from
    its start can open with, or None when re's parser does not show them (any character)."""
    elements = _first_elements(list(re._parser.parse(pattern, re.IGNORECASE)))[0]  # type: ignore[attr-defined]
    if elements is None:
        return None
    if not elements:
        return frozenset()
    # re itself says which ASCII characters those characters match without case.
    opening = re.compile(f"[{''.join(elements)}]", re.IGNORECASE)
    return frozenset(char for char in map(chr, range(128)) if opening.fullmatch(char))


_CLASSES = {
    re._constants.CATEGORY_DIGIT: r"\d",  # type: ignore[attr-defined]
    re._constants.CATEGORY_NOT_DIGIT: r"\D",  # type: ignore[attr-defined]
    re._constants.CATEGORY_SPACE: r"\s",  # type: ignore[attr-defined]
    re._constants.CATEGORY_NOT_SPACE: r"\S",  # type: ignore[attr-defined]
    re._constants.CATEGORY_WORD: r"\w",  # type: ignore[attr-defined]
    re._constants.CATEGORY_NOT_WORD: r"\W",  # type: ignore[attr-defined]
}


def _class_element(op: Any, value: Any) -> str:
    # A character class element as re's parser gave it, written back as a pattern.
    if op is re._constants.LITERAL:  # type: ignore[attr-defined]
        return re.escape(chr(value))
    if op is re._constants.RANGE:  # type: ignore[attr-defined]
        return f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}"
    return _CLASSES[value]


def _first_elements(items: list[tuple[Any, Any]]) -> tuple[set[str] | None, bool]:
    """The characters (as class elements) that can open a match of the sequence ``items``
    (None: unknown), and whether the sequence can match nothing at all."""
    c = re._constants  # type: ignore[attr-defined]
    elements: set[str] = set()
    for op, value in items:
        if op is c.LITERAL:
            found, empty = {re.escape(chr(value))}, False
        elif op is c.IN and all(o in (c.LITERAL, c.RANGE) or v in _CLASSES for o, v in value):
            found, empty = {_class_element(o, v) for o, v in value}, False
        elif op is c.SUBPATTERN:
            found, empty = _first_elements(list(value[-1]))
        elif op is c.BRANCH:
            found, empty = set(), False
            for branch in value[1]:
                more, nothing = _first_elements(list(branch))
                if more is None:
                    return None, False
                found, empty = found | more, empty or nothing
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            found, empty = _first_elements(list(value[2]))
            empty = empty or value[0] == 0
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):  # consume nothing: they only restrict
            found, empty = set(), True
        else:
            return None, False
        if found is None:
            return None, False
        elements |= found
        if not empty:
            return elements, False
    return elements, True


# config_catalog's memory: id(config) -> (config, its matcher); the config is held, so its id
# cannot be reused while it is here.
_CATALOG_OF: dict[int, tuple[BoilerplateConfig, _Matcher]] = {}

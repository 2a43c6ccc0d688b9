"""Article structure: headline, summary (dek), lead, body and credits from a cleaned text dump.

It only splits and classifies paragraphs that repair and boilerplate left; it never rewrites
their text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scrapeclean.transforms.records import Article, Document, Reject, RejectReason
from scrapeclean.transforms.text.boilerplate import any_of, check_patterns
from scrapeclean.transforms.text.catalog import BYLINE_PATTERNS, CREDIT_PATTERNS
from scrapeclean.transforms.text.paragraphs import is_dateline, split_paragraphs
from scrapeclean.transforms.text.words import content_word_overlap, ends_sentence, words_hash

_CLOSING_PARENTHESES = re.compile(r"\s*\(([^()]{1,400})\)\s*$")


@dataclass(frozen=True, slots=True)
class SegmentConfig:
    """Limits that tell a headline or dek from prose, and the credit-line catalog."""

    # News headlines run 5-15 words; 25 leaves room for long explanatory ones.
    max_headline_words: int = 25
    max_headline_chars: int = 220
    # A dek is one to three sentences; the seed's runs 70 words.
    max_summary_words: int = 90
    # Credit lines are short; a longer paragraph mentioning "reporting" is prose.
    max_credit_words: int = 60
    # Regexes searched (case-insensitive) in each paragraph: a match makes it a credit line.
    credit_patterns: tuple[str, ...] = CREDIT_PATTERNS
    # Regexes matched (case-sensitive, whole paragraph) against the paragraphs before the
    # lead: bylines such as "By Jane Doe and John Roe" go to credits.
    byline_patterns: tuple[str, ...] = BYLINE_PATTERNS

    def __post_init__(self) -> None:
        for name in (
            "max_headline_words",
            "max_headline_chars",
            "max_summary_words",
            "max_credit_words",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be >= 1")
        for name in ("credit_patterns", "byline_patterns"):
            check_patterns(name, getattr(self, name))


@dataclass(frozen=True, slots=True)
class _Rules:
    credit: _Search | None
    byline: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class _Search:
    """A case-insensitive search for any of several patterns, in two parts: the ones anchored
    at the start are only tried there (a search tries them at every character: 114 -> 25 us
    on the seed's eight paragraphs), the others are searched for only when one of their
    ``needles`` is in the text's ``ascii_folded`` form (None: no such strings known)."""

    anchored: re.Pattern[str] | None
    anywhere: re.Pattern[str] | None
    needles: tuple[str, ...] | None = None

    def search(self, text: str) -> bool:
        """Whether any of the patterns matches somewhere in text (as re.search would)."""
        if self.anchored is not None and self.anchored.match(text):
            return True
        if self.anywhere is None:
            return False
        if self.needles is not None:
            folded = ascii_folded(text)
            if not any(needle in folded for needle in self.needles):
                return False
        return self.anywhere.search(text) is not None

    @classmethod
    def of(cls, patterns: tuple[str, ...]) -> _Search:
        """Split patterns by whether they can only match at the start of a text."""
        anchored = [p for p in patterns if _is_anchored(p)]
        anywhere = [p for p in patterns if not _is_anchored(p)]
        needles = [needles_of(p) for p in anywhere]
        known = None if None in needles else tuple(n for group in needles for n in group)
        return cls(any_of(anchored), any_of(anywhere), known)


def _is_anchored(pattern: str) -> bool:
    # The parsed pattern opens with "^" (not a top-level alternation whose first branch does):
    # re's own parser, as no regular expression can tell that about another one.
    parsed = re._parser.parse(pattern)  # type: ignore[attr-defined]
    return len(parsed) > 0 and parsed[0] == (re._constants.AT, re._constants.AT_BEGINNING)  # type: ignore[attr-defined]


def needles_of(pattern: str) -> tuple[str, ...] | None:
    """Lower-case ASCII strings one of which is in ``ascii_folded(text)`` of every text that
    ``pattern`` matches case-insensitively (None when re's parser shows no such strings).

    Why: a pattern that opens with "\\b" is tried at every character of a paragraph (~3 us for
    a seed paragraph), a substring test is a fast scan. Per top-level alternative, the longest
    run of ASCII characters the pattern must match one after the other (in a group matched
    once too): re's IGNORECASE matches an ASCII character to its two cases and to the
    characters ascii_folded writes as it, so the run's lower case is in the folded text.
    Anything else (classes, repeats, optional parts, non-ASCII characters) ends a run.
    """
    parsed = list(re._parser.parse(pattern, re.IGNORECASE))  # type: ignore[attr-defined]
    if len(parsed) == 1 and parsed[0][0] is re._constants.BRANCH:  # type: ignore[attr-defined]
        runs = [_longest_run(list(branch)) for branch in parsed[0][1][1]]
    else:
        runs = [_longest_run(parsed)]
    return tuple(runs) if all(runs) else None


# The characters other than ASCII that re's IGNORECASE matches to ASCII letters (every code
# point tried): "İ" and "ı" to "i", "ſ" to "s", the Kelvin sign to "k". The Kelvin sign and
# ASCII letters lower-case to ASCII, "İ" to two characters, and no other to ASCII.
_ASCII_CASES = str.maketrans("İıſK", "iisk")


def ascii_folded(text: str) -> str:
    """``text`` lower-cased, the characters IGNORECASE matches to ASCII letters written as those
    (one character each, so a run of ASCII letters a match holds stays one run)."""
    if not text.isascii() and ("İ" in text or "ı" in text or "ſ" in text):
        text = text.translate(_ASCII_CASES)
    return text.lower()


def _longest_run(items: list[tuple[Any, Any]]) -> str:
    longest, run = "", ""
    for op, value in _inline(items):
        if op is re._constants.LITERAL and value < 128:  # type: ignore[attr-defined]
            run += chr(value).lower()
            longest = max(longest, run, key=len)
        else:
            run = ""
    return longest


def _inline(items: list[tuple[Any, Any]]) -> Iterator[tuple[Any, Any]]:
    # A group's items, matched once, in the sequence they are part of.
    for op, value in items:
        if op is re._constants.SUBPATTERN:  # type: ignore[attr-defined]
            yield from _inline(list(value[-1]))
        else:
            yield op, value


def segment_document(document: Document, config: SegmentConfig) -> Article | Reject:
    """Split a cleaned document into an Article, or reject it when no lead paragraph is left."""
    rules = _compile_rules(config.credit_patterns, config.byline_patterns)
    paragraphs = split_paragraphs(document.text)
    stated = document.headline is not None or document.summary_known
    roles = document.line_roles
    if not stated and roles and len(roles) == len(paragraphs):
        headline, summary, paragraphs, marked, maybe_dek = read_head(paragraphs, roles)
        rest, credits = take_credits(paragraphs, rules, config, marked)
        # A news dek can look like a lead to a model trained on web pages: the dek rule decides
        # when the model was unsure, or when a dateline opens the next paragraph (leads open
        # with one, deks never do).
        unsure = headline and summary is None and len(rest) >= 2
        if unsure and (maybe_dek or is_dateline(rest[1])) and is_dek(rest[0], rest[1:], config):
            summary, rest = rest[0], rest[1:]
    else:
        content, credits = take_credits(paragraphs, rules, config)
        headline, summary, rest = (
            find_head_as_stated(content, document, config) if stated else find_head(content, config)
        )
    if not rest:
        return Reject.of(document, RejectReason.EMPTY, "no text after cleaning")
    return Article(
        doc_id=document.doc_id,
        source=document.source,
        url=document.url,
        headline=headline,
        summary=summary,
        credits="\n".join((*document.credits, *credits)) or None,
        published=document.published,
        language=document.language,
        fixes=document.fixes,
        boilerplate_removed=document.boilerplate_removed,
        input_format=document.input_format,
        raw=document.raw,
        **text_fields(rest),
    )


def text_fields(paragraphs: list[str]) -> dict[str, Any]:
    """lead, body, n_words and content_hash of an article made of these paragraphs (one or more).

    One definition for every stage that (re)builds an article's text: the lead is the first
    paragraph, the body the rest joined by a blank line, counts and hash over both.
    """
    lead, body = paragraphs[0], "\n\n".join(paragraphs[1:])
    words = (f"{lead}\n\n{body}" if body else lead).split()  # one split for count and hash
    return {"lead": lead, "body": body, "n_words": len(words), "content_hash": words_hash(words)}


def read_head(
    paragraphs: list[str], roles: tuple[str, ...]
) -> tuple[str | None, str | None, list[str], frozenset[int], bool]:
    """Headline, summary, the other paragraphs, which of them are credits, and whether the first
    of them may be a dek, as the line model read them (boilerplate stage)."""
    pairs = list(zip(paragraphs, roles, strict=True))
    headline = next((p for p, role in pairs if role == "headline"), None)
    summary = " ".join(p for p, role in pairs if role == "summary") or None
    rest = [(p, role) for p, role in pairs if role not in ("headline", "summary")]
    marked = frozenset(i for i, (_, role) in enumerate(rest) if role == "credit")
    unmarked = [role for i, (_, role) in enumerate(rest) if i not in marked]
    maybe_dek = bool(unmarked) and unmarked[0] == "possible_summary"
    return headline, summary, [p for p, _ in rest], marked, maybe_dek


def take_credits(
    paragraphs: list[str],
    rules: _Rules,
    config: SegmentConfig,
    marked: frozenset[int] = frozenset(),
) -> tuple[list[str], list[str]]:
    """Move credit lines (anywhere, and the ``marked`` ones) and bylines (before the lead) out
    of the paragraphs."""
    content: list[str] = []
    credits: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        # split() stops counting past the limit: a long paragraph is not cut into all its words.
        short = len(paragraph.split(None, config.max_credit_words)) <= config.max_credit_words
        is_credit = index in marked or (
            short and rules.credit is not None and rules.credit.search(paragraph)
        )
        is_byline = index < 4 and rules.byline is not None and rules.byline.fullmatch(paragraph)
        (credits if is_credit or is_byline else content).append(paragraph)
    # Wire copy often closes its last paragraph with "(Reporting by ...; Editing by ...)".
    closing = _CLOSING_PARENTHESES.search(content[-1]) if content else None
    if closing and closing.start() > 0 and rules.credit and rules.credit.search(closing[1]):
        credits.append(closing.group().strip())
        content[-1] = content[-1][: closing.start()]
    return content, credits


def find_head(
    paragraphs: list[str], config: SegmentConfig
) -> tuple[str | None, str | None, list[str]]:
    """Return (headline, summary, remaining paragraphs) for any plausible head layout.

    Handles summary-then-headline (the seed), headline-then-summary and headline-only; a
    document whose first paragraphs hold no headline keeps all its paragraphs.
    """
    if len(paragraphs) < 2:
        return None, None, paragraphs
    index = next(
        (i for i in range(min(3, len(paragraphs) - 1)) if is_headline(paragraphs[i], config)),
        None,
    )
    if index is None:
        return None, None, paragraphs
    headline, before, rest = paragraphs[index], paragraphs[:index], paragraphs[index + 1 :]
    if before:
        if sum(len(p.split()) for p in before) > config.max_summary_words:
            return None, None, paragraphs
        return headline, " ".join(before), rest
    if len(rest) >= 2 and is_dek(rest[0], rest[1:], config):
        return headline, rest[0], rest[1:]
    return headline, None, rest


def find_head_as_stated(
    paragraphs: list[str], document: Document, config: SegmentConfig
) -> tuple[str | None, str | None, list[str]]:
    """Like find_head, for an input that states its headline and/or summary: those win.

    A first paragraph repeating the stated headline is dropped; a stated summary that is just
    the lead (or its start) is no summary; what the input did not state is still guessed.
    """
    rest = list(paragraphs)
    headline = document.headline
    if headline is not None:
        while len(rest) > 1 and _fold(rest[0]) == _fold(headline):
            del rest[0]
    elif len(rest) >= 2 and is_headline(rest[0], config):
        headline, rest = rest[0], rest[1:]
    summary = document.summary
    if not document.summary_known and len(rest) >= 2 and is_dek(rest[0], rest[1:], config):
        summary, rest = rest[0], rest[1:]
    elif summary and rest and _fold(rest[0]).startswith(_fold(summary).rstrip(".…")):
        summary = None
    return headline, summary, rest


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def is_headline(paragraph: str, config: SegmentConfig) -> bool:
    """A headline is short, has two or more words and does not end like a sentence."""
    words = paragraph.split()
    return (
        2 <= len(words) <= config.max_headline_words
        and len(paragraph) <= config.max_headline_chars
        and not ends_sentence(paragraph.rstrip("?!"))  # "Can the market survive?" is one
        and not is_dateline(paragraph)
    )


def is_dek(candidate: str, following: list[str], config: SegmentConfig) -> bool:
    """Whether the paragraph after a headline is a dek (summary) rather than the lead.

    Nothing in plain text marks a dek, so evidence is weighed; two pieces make a dek:
    the next paragraph opens with a dateline (leads do, deks never; counts twice), the candidate
    stops without sentence punctuation, it is clearly shorter than the next paragraph, or it
    restates the article (most of its content words recur in what follows: a dek summarises,
    while a lead introduces facts; on the labeled corpus deks score 0.35-0.93, leads 0.10-0.48).
    """
    words = len(candidate.split())
    if words > config.max_summary_words or is_dateline(candidate) or candidate[:1] in "\"“‘'«„":
        return False
    evidence = (
        2 * is_dateline(following[0])
        + (not ends_sentence(candidate))
        + (words < 0.8 * len(following[0].split()))
    )
    # The overlap reads the whole article: only weighed when it decides.
    return evidence >= 2 or (
        evidence == 1 and content_word_overlap(candidate, " ".join(following)) >= 0.5
    )


@functools.lru_cache(maxsize=16)
def _compile_rules(credit: tuple[str, ...], byline: tuple[str, ...]) -> _Rules:
    return _Rules(
        credit=_Search.of(credit) if credit else None,
        byline=re.compile("|".join(f"(?:{p})" for p in byline)) if byline else None,
    )

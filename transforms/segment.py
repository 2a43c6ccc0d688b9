"""Article structure: headline, summary (dek), lead, body and credits from a cleaned text dump.

It only splits and classifies paragraphs that repair and boilerplate left; it never rewrites
their text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from transforms.boilerplate import check_patterns
from transforms.dedup import content_hash
from transforms.records import Article, Document, Reject, RejectReason

_BLOCK_SPLIT = re.compile(r"\n\s*\n")
_TRAILING_QUOTES = "\"'”’»)]"
_INITIALISM = re.compile(r"(?:\b[A-Z]\.)+$")  # "U.S." ends a headline, not a sentence
# "WASHINGTON (Reuters) -", "LONDON —", "KYIV, Ukraine (AP) —": how news leads open.
_DATELINE = re.compile(
    r"^[A-ZÀ-Ý][A-ZÀ-Ý.'’ -]{1,40}(?:, [A-Z][\w.' -]{1,30})?(?: \([\w .]{1,30}\))? ?[-–—]{1,2} "
)
_WORD = re.compile(r"\w+")
_CLOSING_PARENTHESES = re.compile(r"\s*\(([^()]{1,400})\)\s*$")
_STOPWORDS = frozenset(
    "a an and are as at be by for from has have he her his in is it its of on or said says "
    "she that the their they this to was were will with who which".split()
)


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
    credit_patterns: tuple[str, ...] = ()
    # Regexes matched (case-sensitive, whole paragraph) against the paragraphs before the
    # lead: bylines such as "By Jane Doe and John Roe" go to credits.
    byline_patterns: tuple[str, ...] = ()

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
    credit: re.Pattern[str] | None
    byline: re.Pattern[str] | None


def segment_document(document: Document, config: SegmentConfig) -> Article | Reject:
    """Split a cleaned document into an Article, or reject it when no lead paragraph is left."""
    rules = _compile_rules(config.credit_patterns, config.byline_patterns)
    content, credits = take_credits(split_paragraphs(document.text), rules, config)
    headline, summary, rest = find_head(content, config)
    if not rest:
        return Reject.of(document, RejectReason.EMPTY, "no text after cleaning")
    lead, body = rest[0], "\n\n".join(rest[1:])
    text = f"{lead}\n\n{body}" if body else lead
    return Article(
        doc_id=document.doc_id,
        source=document.source,
        url=document.url,
        headline=headline,
        summary=summary,
        lead=lead,
        body=body,
        credits="\n".join(credits) or None,
        published=None,
        language=None,
        n_words=len(text.split()),
        content_hash=content_hash(text),
        fixes=document.fixes,
        boilerplate_removed=document.boilerplate_removed,
        input_format=document.input_format,
        raw=document.raw,
    )


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are lines, or blank-line separated blocks when the lines are hard-wrapped."""
    blocks = [block for block in _BLOCK_SPLIT.split(text) if block.strip()]
    paragraphs: list[str] = []
    for block in blocks:
        lines = [line for line in block.split("\n") if line.strip()]
        if len(blocks) > 1 and is_hard_wrapped(lines):
            paragraphs.append(" ".join(lines))
        else:
            paragraphs.extend(lines)
    return paragraphs


def is_hard_wrapped(lines: list[str]) -> bool:
    """True for a block wrapped at a fixed width: full-width lines that stop mid-sentence."""
    if len(lines) < 2:
        return False
    width = max(len(line) for line in lines)
    inner = lines[:-1]
    # Wrapping happens at 60-100 columns; short lines are separate paragraphs (headlines).
    if not 50 <= width <= 100 or any(len(line) < 0.6 * width for line in inner):
        return False
    return sum(not ends_sentence(line) for line in inner) >= 0.6 * len(inner)


def take_credits(
    paragraphs: list[str], rules: _Rules, config: SegmentConfig
) -> tuple[list[str], list[str]]:
    """Move credit lines (anywhere) and bylines (before the lead) out of the paragraphs."""
    content: list[str] = []
    credits: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        short = len(paragraph.split()) <= config.max_credit_words
        is_credit = short and rules.credit is not None and rules.credit.search(paragraph)
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
    if len(rest) >= 2 and is_dek(rest[0], rest[1], config):
        return headline, rest[0], rest[1:]
    return headline, None, rest


def is_headline(paragraph: str, config: SegmentConfig) -> bool:
    """A headline is short, has two or more words and does not end like a sentence."""
    words = paragraph.split()
    return (
        2 <= len(words) <= config.max_headline_words
        and len(paragraph) <= config.max_headline_chars
        and not ends_sentence(paragraph)
        and not _DATELINE.match(paragraph)
    )


def is_dek(candidate: str, following: str, config: SegmentConfig) -> bool:
    """Whether the paragraph after a headline is a dek (summary) rather than the lead.

    A dek is short, never opens with a dateline, and shows one of: the next paragraph opens
    with a dateline, it stops without sentence punctuation, or it restates the next paragraph.
    """
    if len(candidate.split()) > config.max_summary_words or _DATELINE.match(candidate):
        return False
    return (
        bool(_DATELINE.match(following))
        or not ends_sentence(candidate)
        or word_overlap(candidate, following) >= 0.5
    )


def ends_sentence(text: str) -> bool:
    """True when text ends with sentence punctuation (closing quotes ignored, "U.S." is not)."""
    stripped = text.rstrip().rstrip(_TRAILING_QUOTES)
    if stripped.endswith((".", "!", "?", ":", ";", "…")):
        return not (stripped.endswith(".") and _INITIALISM.search(stripped))
    return False


def word_overlap(first: str, second: str) -> float:
    """Share of the first text's content words that also occur in the second."""
    words = {w for w in _WORD.findall(first.casefold()) if w not in _STOPWORDS}
    if not words:
        return 0.0
    return len(words & set(_WORD.findall(second.casefold()))) / len(words)


@functools.lru_cache(maxsize=16)
def _compile_rules(credit: tuple[str, ...], byline: tuple[str, ...]) -> _Rules:
    return _Rules(
        credit=re.compile("|".join(f"(?:{p})" for p in credit), re.IGNORECASE) if credit else None,
        byline=re.compile("|".join(f"(?:{p})" for p in byline)) if byline else None,
    )

"""segment: headline / summary / lead / body / credits in every plausible dump layout."""

from __future__ import annotations

import re
import textwrap

import pytest

from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.records import Article, Document, Reject, RejectReason
from scrapeclean.transforms.text.paragraphs import is_hard_wrapped, split_paragraphs
from scrapeclean.transforms.text.segment import ascii_folded, needles_of, segment_document
from scrapeclean.transforms.text.words import ends_sentence

HEADLINE = "Port Strike Enters Second Week as Talks Stall"
SUMMARY = (
    "Dockworkers and terminal operators remain far apart on automation and pay, with cargo "
    "piling up."
)
LEAD = (
    "ANTWERP — A strike by dockworkers at Europe’s second-largest port entered its second week on "
    "Monday after talks between unions and terminal operators broke down over automation."
)
BODY = [
    "More than 60 container ships were waiting at anchor, according to port data.",
    "“We are not against machines, we are against losing our jobs to them,” a union leader said.",
]


def segment(text: str, config: RunConfig) -> Article:
    result = segment_document(Document("s", "id", "text", b"", text), config.segment)
    assert isinstance(result, Article), result
    return result


@pytest.mark.parametrize(
    ("lines", "summary"),
    [
        ([SUMMARY, HEADLINE, LEAD, *BODY], SUMMARY),
        ([HEADLINE, SUMMARY, LEAD, *BODY], SUMMARY),
        ([HEADLINE, LEAD, *BODY], None),
    ],
    ids=["summary-first", "headline-first", "no-summary"],
)
@pytest.mark.parametrize("separator", ["\n", "\n\n"], ids=["one-newline", "blank-line"])
def test_layouts(lines: list[str], summary: str | None, separator: str, config: RunConfig) -> None:
    article = segment(separator.join(lines), config)
    assert (article.headline, article.summary, article.lead) == (HEADLINE, summary, LEAD)
    assert article.body == "\n\n".join(BODY)
    assert article.credits is None


def test_credits_and_bylines_move_to_credits(config: RunConfig) -> None:
    text = "\n".join(
        [
            HEADLINE,
            "By Anna de Wit and Marc Peeters",
            LEAD,
            *BODY,
            "Reporting by Anna de Wit; Editing by Tom Hale",
            "The Associated Press contributed to this report.",
        ]
    )
    article = segment(text, config)
    assert article.lead == LEAD and article.body == "\n\n".join(BODY)
    assert article.credits == (
        "By Anna de Wit and Marc Peeters\nReporting by Anna de Wit; Editing by Tom Hale\n"
        "The Associated Press contributed to this report."
    )


@pytest.mark.parametrize(
    "credit",
    [
        "THE ASSOCIATED PRESS CONTRIBUTED TO THIS REPORT.",
        "Jürgen Müller contributed to this report.",
        "The Associated Press contributed to thiſ report.",  # IGNORECASE: "ſ" is an "s"
        "This story includes reporting from Reuters.",
        "Jürgen Müller contrıbuted to this report.",  # and "ı" an "i", in a needle too
        "This story İncludes reporting from Reuters’ Kyiv bureau.",
    ],
)
def test_credit_lines_are_found_in_any_case_and_script(credit: str, config: RunConfig) -> None:
    article = segment("\n".join([HEADLINE, LEAD, *BODY, credit]), config)
    assert article.credits == credit and article.body == "\n\n".join(BODY)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"\bincludes? (contributions|reporting) from\b", "It Includes Reporting From AP"),
        (r"^(compiled|written) by\b", "WRITTEN BY Jane Doe"),
        (r"[^.]{0,80}\. all rights reserved", "(c) 2025 Paper. All Rights Reserved"),
        (r"(a|b)xyz|q+rst", "QQRST"),
        (r"\bincludes? (contributions|reporting) from\b", "Müller İncludes Reporting From AP"),
        (r"^(compiled|written) by\b", "WRıTTEN BY Jürgen"),
        (r"(a|b)xyz|q+rst", "ſtaff: QQRST"),
    ],
)
def test_needles_are_in_every_text_a_pattern_matches(pattern: str, text: str) -> None:
    assert re.search(pattern, text, re.IGNORECASE)
    needles = needles_of(pattern)
    assert needles is not None and any(needle in ascii_folded(text) for needle in needles)


@pytest.mark.parametrize("pattern", [r"\w+\d", r"(a|b)|cd", "ſ"])
def test_no_needles_where_a_match_needs_no_known_ascii_string(pattern: str) -> None:
    assert needles_of(pattern) is None  # "ſ" matches "s" and "S" case-insensitively


def test_trailing_parenthesised_credit_is_split_off(config: RunConfig) -> None:
    last = "Backlogs could take a month to clear. (Reporting by Anna de Wit; Editing by Tom Hale)"
    article = segment("\n".join([HEADLINE, LEAD, last]), config)
    assert article.body == "Backlogs could take a month to clear."
    assert article.credits == "(Reporting by Anna de Wit; Editing by Tom Hale)"


def test_parenthesised_prose_at_the_end_stays(config: RunConfig) -> None:
    last = "The port handled 270 million tonnes last year (a record)."
    assert segment("\n".join([HEADLINE, LEAD, last]), config).body == last


def test_hard_wrapped_paragraphs_are_joined(config: RunConfig) -> None:
    body = (
        "The strike began after the operators announced plans to automate two terminals by "
        "2027, a move unions say would cost 800 jobs over five years."
    )
    wrapped = "\n\n".join(textwrap.fill(p, width=72) for p in (LEAD, body))
    article = segment(f"{HEADLINE}\n\n{wrapped}", config)
    assert (article.headline, article.lead, article.body) == (HEADLINE, LEAD, body)


def test_no_headline_keeps_every_paragraph(config: RunConfig) -> None:
    article = segment("\n".join([LEAD, *BODY]), config)
    assert article.headline is None and article.summary is None
    assert article.lead == LEAD and article.body == "\n\n".join(BODY)


def test_words_and_hash(config: RunConfig) -> None:
    article = segment("\n".join([HEADLINE, LEAD, *BODY]), config)
    assert article.n_words == len(f"{LEAD} {' '.join(BODY)}".split())
    again = segment("\n\n".join([HEADLINE.upper(), LEAD, *BODY]), config)
    assert article.content_hash == again.content_hash  # the headline is not content


def test_nothing_left_is_empty(config: RunConfig) -> None:
    result = segment_document(Document("s", "id", "text", b"raw", ""), config.segment)
    assert isinstance(result, Reject)
    assert (result.reason, result.detail, result.raw) == (
        RejectReason.EMPTY,
        "no text after cleaning",
        b"raw",
    )


def test_a_lone_line_is_the_lead_not_a_headline(config: RunConfig) -> None:
    article = segment(HEADLINE, config)  # validate rejects it as too_short, with its words
    assert (article.headline, article.lead, article.n_words) == (None, HEADLINE, 8)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A sentence.", True),
        ("“A quoted sentence.”", True),
        ("Is it a question?", True),
        ("Talks Stall in U.S.", False),
        ("Kremlin Envoy Says", False),
    ],
)
def test_ends_sentence(text: str, expected: bool) -> None:
    assert ends_sentence(text) is expected


def test_paragraph_split_keeps_unwrapped_lines_apart() -> None:
    assert split_paragraphs("Short line one\nShort line two.\n\nNext block.") == [
        "Short line one",
        "Short line two.",
        "Next block.",
    ]
    assert not is_hard_wrapped(["Headline Without Period", "A short lead."], 23)
    long_line = " ".join(
        ["A paragraph on one line, as most dumps have them, runs past 100 columns."] * 2
    )
    head = "Harlow & Finch to close 42 stores, putting 1,800 jobs at risk"
    assert split_paragraphs(f"{head}\nBy Priya Shah\n\n{long_line}") == [
        head,
        "By Priya Shah",
        long_line,
    ]

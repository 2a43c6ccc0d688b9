"""boilerplate, the rule catalog: catalog lines go (verbatim into boilerplate_removed) from top,
middle and bottom; prose that merely mentions the same words stays. The line model's part of
the stage is tested in test_linemodel.py."""

from __future__ import annotations

import dataclasses

import pytest

from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.records import Document
from scrapeclean.transforms.text.boilerplate import (
    CATALOG,
    BoilerplateConfig,
    judge_lines,
    normalize_line,
    strip_boilerplate,
)


def is_removed(line: str, config: RunConfig) -> bool:
    return catalog_removed([line], config.boilerplate) == [line]


def catalog_removed(lines: list[str], config: BoilerplateConfig) -> list[str]:
    """The lines the rule catalog alone removes."""
    verdicts = judge_lines(lines, config, use_model=False)
    return [line for line, v in zip(lines, verdicts, strict=True) if v and v.role == CATALOG]


@pytest.mark.parametrize(
    "line",
    [
        "Help us improve.",
        "ADVERTISEMENT",
        "» Share this article:",
        "Share on Facebook",
        "Sign up for our daily politics newsletter",
        "Subscribe to our newsletter for the latest updates",
        "Skip to content",
        "© 2025 Reuters. All rights reserved.",
        "Copyright 2024 The Associated Press. All rights reserved.",
        "We use cookies to improve your experience. By continuing you agree to our use of cookies.",
        "This site uses cookies.",
        "Read more: Why the Fed paused again",
        "Related: Five things to know about the summit",
        "Follow us on Twitter",
        "Click here to subscribe",
        "Updated 3:04 PM EST, Sun November 30, 2025",
        "Story continues below advertisement",
        "Listen to this article",
        "Was this article helpful?",
        "Sign in to continue reading",
        "Article continues after this advertisement",
        "Comments are closed.",
        "Werbung",
        "Publicité",
        "Compartir este artículo",
    ],
)
def test_catalog_lines_are_removed(line: str, config: RunConfig) -> None:
    assert is_removed(line, config)


@pytest.mark.parametrize(
    "line",
    [
        "The newsletter, which has 40,000 subscribers, was sold on Monday.",
        "“Help us improve the schools,” the mayor told parents at the meeting.",
        "Advertisement spending rose 4% in the quarter, the company said.",
        "Readers can sign up for the bank's newsletter online, a spokesperson said, adding that "
        "more than a million people had already done so since the launch last year.",
        "Share prices fell 3% in early trading.",
        "Copyright law was at the heart of the dispute between the two publishers.",
        "Published in 1851, the novel sold poorly during Melville’s lifetime.",
    ],
)
def test_prose_is_kept(line: str, config: RunConfig) -> None:
    assert not is_removed(line, config)


def test_lines_go_from_top_middle_and_bottom_verbatim(config: RunConfig) -> None:
    lines = [
        "Skip to content",
        "Headline Here",
        "First one.",
        "ADVERTISEMENT",
        "Last one.",
        "Help us.",
    ]
    text = "\n".join(lines).replace("Help us.", "Help us improve.")
    document = Document("s", "id", "text", b"", text)
    catalog_only = dataclasses.replace(config.boilerplate, line_model=False)
    stripped = strip_boilerplate(document, catalog_only)
    assert stripped.text == "Headline Here\nFirst one.\nLast one."
    assert stripped.boilerplate_removed == ("Skip to content", "ADVERTISEMENT", "Help us improve.")


def test_long_lines_are_never_boilerplate() -> None:
    config = BoilerplateConfig(phrases=("advertisement",), patterns=("share .*",), max_line_words=5)
    assert catalog_removed(["share this one two three four five six", "share this"], config) == [
        "share this"
    ]


def test_extra_rules_extend_the_catalog() -> None:
    config = BoilerplateConfig(extra_phrases=("Daily Planet Staff",), extra_patterns=(r"tip: .*",))
    removed = catalog_removed(["daily planet staff", "Tip: call us", "Text."], config)
    assert removed == ["daily planet staff", "Tip: call us"]


@pytest.mark.parametrize(
    ("pattern", "line"),
    [
        (r"\d+ shares?", "12 Shares"),
        (r"(?:no|\w+) likes", "Zero likes"),
        (r"ſponsored by \w+", "Sponsored by Acme"),  # case-insensitively, "ſ" is an "s"
        (r"sponsored by \w+", "Sponsored by Acmé"),  # a line of other characters too
        (r"ıtems? sold \S+", "Items sold 12’"),  # and "ı" is an "i"
        (r"(?=k)kiosk", "Kiosk"),
        (r"[^.]{0,20}\. reprints", "Ask us. Reprints"),
    ],
)
def test_a_pattern_matches_whatever_its_line_opens_with(pattern: str, line: str) -> None:
    config = BoilerplateConfig(extra_patterns=(pattern,))
    assert catalog_removed([line, "Prose stays here."], config) == [line]


def test_normalize_line_folds_case_spacing_and_edge_punctuation() -> None:
    assert normalize_line("  »  Share   THIS article: ") == "share this article"


def test_invalid_pattern_is_refused_at_config_time() -> None:
    with pytest.raises(ValueError, match="extra_patterns: bad pattern"):
        BoilerplateConfig(extra_patterns=("(unclosed",))

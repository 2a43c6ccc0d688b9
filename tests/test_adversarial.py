"""Adversarial text for every regex-driven stage: inputs built to make backtracking regexes
blow up (long runs, unclosed openings, near-misses of every catalog pattern) must come out as
an article or a reject. Each runs in a killable sandbox: a hang fails the test instead of
stalling the suite (the generous limit is a hang guard, not a speed target)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.records import Article, Reject
from scrapeclean.transforms.text.sandbox import Sandbox
from scrapeclean.transforms.text.stages import clean_bytes

HANG_GUARD_SECONDS = 120
N = 50_000  # quadratic work at this size is ~10^9 steps: a hang, caught
ADVERSARIAL = {
    "unclosed scripts": "<script>" * N,
    "unclosed comments": "<!--" * N,
    "tag near-misses": "<b " * N + "\n" + "<a href='" * N,
    "entity near-misses": "&#" * N + "&amp" * N,
    "one long word": "a" * (4 * N),
    "byline near-miss": "By " + "Anna de " * (N // 10) + "x",
    "copyright near-miss": "© " + "2024 " * (N // 10),
    "cookie line": "we use cookies " * (N // 10),
    "dateline near-miss": "WASHINGTON " * (N // 10) + "- x",
    "parentheses": "Lead. " + "(" * N + "Reporting by x" + ")" * N,
    "mojibake runs": "Ã©â€™" * N,
    "blank lines": "\n \n\t\n" * N + "Headline\nBody text here.",
}


def clean(text: str, config: RunConfig) -> Article | Reject:
    return clean_bytes(text.encode("utf-8"), "adversarial.txt", "text", config)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(HANG_GUARD_SECONDS)
    yield box
    box.close()


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_text_finishes(name: str, config: RunConfig, sandbox: Sandbox) -> None:
    assert isinstance(sandbox.call(clean, ADVERSARIAL[name], config), Article | Reject)

"""repair: one test per repair, the exact fix names, and correct text left alone."""

from __future__ import annotations

import pytest

from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.records import Reject, RejectReason
from scrapeclean.transforms.text.repair import RepairConfig, repair_text
from scrapeclean.transforms.text.stages import clean_bytes
from tests.conftest import SEEDS

CONFIG = RepairConfig()


@pytest.mark.parametrize(
    ("text", "expected", "fixes"),
    [
        ("one\r\ntwo\rthree", "one\ntwo\nthree", ("line_endings",)),
        ("Ukraineâ€™s team", "Ukraine’s team", ("mojibake",)),
        ("SÃ£o Paulo cafÃ© owners", "São Paulo café owners", ("mojibake",)),
        (
            "Q&amp;A with &quot;experts&quot; &#8212; live",
            'Q&A with "experts" — live',
            ("html_entities",),
        ),
        ("double &amp;quot;escaped&amp;quot;", 'double "escaped"', ("html_entities",)),
        ("AT&T and R&D stay; so does &nonsense", "AT&T and R&D stay; so does &nonsense", ()),
        ("a <b>bold</b> <a href='x'>link</a>", "a bold link", ("html_tags",)),
        ("one</p><p>two", "one\n\ntwo", ("html_tags",)),
        ("x<script>var a = 1;</script>y", "xy", ("html_tags",)),
        ("if a<b and c>d then", "if a<b and c>d then", ()),
        ("bell\x07 and \x1b escape", "bell and escape", ("control_chars", "whitespace")),
        ("\x1b[1;31mRed\x1b[0m lead \x1b]0;title\x07here", "Red lead here", ("control_chars",)),
        ("one\n\u3164 \u3164\n\u2800\u2800\n\u200d\u200e\ntwo", "one\n\ntwo", ("whitespace",)),
        ("zero\u200bwidth soft\u00adhyphen", "zerowidth softhyphen", ("zero_width",)),
        (
            "non\u00a0breaking\tspace  and trailing  ",
            "non breaking space and trailing",
            ("whitespace",),
        ),
        ("Cafe\u0301", "Café", ("unicode_nfc",)),
        (
            "Emoji 👩\u200d💻 and ZWNJ می\u200cخواهم stay",
            "Emoji 👩\u200d💻 and ZWNJ می\u200cخواهم stay",
            (),
        ),
    ],
    ids=[
        "crlf",
        "mojibake-quote",
        "mojibake-latin",
        "entities",
        "double-escaped",
        "not-entities",
        "inline-tags",
        "block-tags",
        "script",
        "not-tags",
        "controls",
        "ansi-escapes-whole",
        "invisible-lines",
        "zero-width",
        "spaces",
        "nfc",
        "joiners-kept",
    ],
)
def test_each_repair(text: str, expected: str, fixes: tuple[str, ...]) -> None:
    assert repair_text(text, CONFIG) == (expected, fixes)


def test_typographic_text_is_left_exactly_as_it_is() -> None:
    seed = (SEEDS / "000_05c8e702dea443c3.txt").read_text(encoding="utf-8")
    repaired, fixes = repair_text(seed, CONFIG)
    assert fixes == ()
    assert repaired == seed.rstrip("\n")  # only the tail of blank lines goes (layout)
    assert "‘Proceeding Constructively,’" in repaired and "US–Russia" in repaired


@pytest.mark.parametrize(
    "text",
    [
        "Café’s menu was “naïve”, said Zoë—again.",
        "À bientôt… dit-elle",
        "Señor Müller’s “Straße”",
        "Ünal’s team – ÖFB",
    ],
)
def test_accents_beside_typographic_punctuation_are_not_mojibake(text: str) -> None:
    assert repair_text(text, CONFIG) == (text, ())  # these pass the cheap gate to ftfy


def test_blank_line_runs_and_edges_are_tidied() -> None:
    assert repair_text("\n\n first\n\n\n\nsecond \n\n\n", CONFIG) == (
        "first\n\nsecond",
        ("whitespace",),
    )


@pytest.mark.parametrize(
    "text", ["\u3164", "\u3164 \u3164 \u3164\n" * 40, "\u2800\n\u3000\u200b\n\u200d\ufe0f", ""]
)
def test_text_of_invisible_characters_only_is_empty(text: str, config: RunConfig) -> None:
    result = clean_bytes(text.encode(), "blank.txt", "text", config)
    assert isinstance(result, Reject) and result.reason == RejectReason.EMPTY


def test_repairs_can_be_switched_off() -> None:
    off = RepairConfig(fix_mojibake=False, unescape_entities=False, strip_html_tags=False)
    text = "Ukraineâ€™s <b>Q&amp;A</b>"
    assert repair_text(text, off) == (text, ())

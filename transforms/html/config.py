"""HtmlConfig: the work caps and extraction switches of one HTML page, in a module of its own so
that every HTML module can take it without importing the extraction itself."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class HtmlConfig:
    """Work caps and extraction switches for one HTML page."""

    # Longest page text parsed. News pages are 50-500 KB; bench/html-dev's largest is ~2 MB.
    max_chars: int = 8_000_000
    # More elements than this and the page is refused (empty article): lxml and trafilatura
    # cost grows with the tree, and real article pages stay under ~30k elements.
    max_elements: int = 150_000
    # Longest article text extracted from one page, in characters (`too_large` past it). Markup
    # only shrinks into text, but a JSON-LD articleBody of nested lists grows: each <li> repeats
    # its sub-lists' text, and a 160 KB page nesting 120 deep gave 7.7 M characters (issue 17).
    # The 1,780 pages of bench/html-dev and wcxb-dev give at most 94,683 characters (and at
    # most 0.83 of the page's length): 1 M is ten times that.
    max_text_chars: int = 1_000_000
    # Deeper trees are refused. libxml2 stops parsing at depth 256 on its own (without
    # XML_PARSE_HUGE), so a page reaching it is truncated; real pages stay under ~60.
    max_depth: int = 250
    # trafilatura's focus. Balanced (both False) measured best with our rules on bench/html-dev:
    # F1 0.945 vs 0.940 favor_precision, 0.939 favor_recall.
    favor_precision: bool = False
    favor_recall: bool = False
    # Where the balanced run kept less than this share of the page's visible words, trafilatura's
    # recall-oriented run is tried as well (html/body.py); 0 never tries it. A speed gate: on
    # wcxb-dev's dev part word F1 is 0.9454 tried on every page, 0.9453 below 0.75 (half the
    # pages pay for a second run), 0.9446 below 0.6 (26%), 0.9433 below 0.5 (16%), 0.9361 never.
    # 0.6 takes 11% of the extraction's CPU off for 0.0007 F1; going on to 0.5 costs twice that
    # F1 for another 3% (docs/html-quality.md, "Speed, 2026-12-07: less of the recall run").
    recall_retry_share: float = 0.6
    # ... and wins when it finds more than this many times the words. Chosen by domain-grouped
    # 5-fold cross-validation on wcxb-dev's dev part (every fold chose 1.05; docs/html-quality.md).
    recall_retry_gain: float = 1.05
    # trafilatura compares its result with readability/jusText extractions (local, no network);
    # on bench/html-dev: F1 0.945 with vs 0.938 without, at ~1.4x the time.
    fallback: bool = True
    # Tables in articles are usually data the text refers to (results, schedules, recipes);
    # dropping them cost recall on bench/html-dev in trafilatura's own run (F1 0.926 with
    # tables, 0.922 without).
    include_tables: bool = True
    # Use JSON-LD articleBody when the extracted text is much shorter: some pages render the
    # body with JavaScript and only ship it in structured data.
    use_json_ld_body: bool = True
    # Below this share of articleBody's length the DOM extraction is deemed to have failed.
    json_ld_body_ratio: float = 0.5
    # Paragraph rules (paragraphs.py): credit and boilerplate rules leave longer blocks be.
    max_rule_words: int = 40
    # Put back the visible intro paragraph (the one <meta description> repeats) when the content
    # scorer dropped it for its styling. Off: written for bench/html-dev, on wcxb-dev's dev part
    # it cost word F1 (0.9447 without, 0.9440 with; docs/html-quality.md).
    recover_lead: bool = False
    # A visible dek (subtitle element under the headline) goes to ``summary`` and is kept out of
    # the paragraphs, as the schema asks. True puts it first in the paragraphs instead:
    # bench/html-dev annotates deks as article text (+0.006 F1 there), our contract does not.
    dek_as_lead: bool = False
    # Site-specific teaser openings (lowercase prefixes, e.g. "jetzt im abo:") a deployment
    # can add without a code change; short blocks starting with one are dropped. None are
    # built in: the built-in teaser phrases did not help on wcxb-dev (docs/html-quality.md).
    extra_teaser_prefixes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        names = ("max_chars", "max_text_chars", "max_elements", "max_depth", "max_rule_words")
        for name in names:
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be >= 1")
        for name in ("json_ld_body_ratio", "recall_retry_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name}: must be between 0 and 1")
        if self.recall_retry_gain < 1:
            raise ValueError("recall_retry_gain: must be >= 1")

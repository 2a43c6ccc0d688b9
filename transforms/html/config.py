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
    # Deeper trees are refused. libxml2 stops parsing at depth 256 on its own (without
    # XML_PARSE_HUGE), so a page reaching it is truncated; real pages stay under ~60.
    max_depth: int = 250
    # trafilatura's focus. Balanced (both False) measured best with our rules on bench/html-dev:
    # F1 0.945 vs 0.940 favor_precision, 0.939 favor_recall.
    favor_precision: bool = False
    favor_recall: bool = False
    # trafilatura compares its result with readability/jusText extractions (local, no network);
    # on bench/html-dev: F1 0.945 with vs 0.938 without, at ~1.4x the time.
    fallback: bool = True
    # Tables in articles are usually data the text refers to (results, schedules, recipes);
    # dropping them cost recall on bench/html-dev in trafilatura's own run (F1 0.926 -> 0.922).
    include_tables: bool = True
    # Use JSON-LD articleBody when the extracted text is much shorter: some pages render the
    # body with JavaScript and only ship it in structured data.
    use_json_ld_body: bool = True
    # Below this share of articleBody's length the DOM extraction is deemed to have failed.
    json_ld_body_ratio: float = 0.5
    # Paragraph rules (paragraphs.py): credits and teasers longer than this many words are prose.
    max_rule_words: int = 40
    # Put back the visible intro paragraph (the one <meta description> repeats) when the content
    # scorer dropped it for its styling; bench/html-dev annotates it as article text.
    recover_lead: bool = True
    # A visible dek (subtitle element under the headline) goes to ``summary`` and is kept out of
    # the paragraphs, as the schema asks. True puts it first in the paragraphs instead:
    # bench/html-dev annotates deks as article text (+0.006 F1 there), our contract does not.
    dek_as_lead: bool = False
    # Site-specific teaser openings (lowercase prefixes, e.g. "jetzt im abo:") a deployment
    # can add without a code change; short blocks starting with one are dropped.
    extra_teaser_prefixes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name in ("max_chars", "max_elements", "max_depth", "max_rule_words"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be >= 1")
        if not 0 <= self.json_ld_body_ratio <= 1:
            raise ValueError("json_ld_body_ratio: must be between 0 and 1")

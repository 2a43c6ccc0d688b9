"""The line model in the boilerplate and segment stages: chrome runs go verbatim into
boilerplate_removed, and headline, summary, lead and credits are found wherever they sit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from scrapeclean.pipeline.job.config import RunConfig
from scrapeclean.transforms.records import Article, Document
from scrapeclean.transforms.text.boilerplate import removal_reasons, strip_boilerplate
from scrapeclean.transforms.text.linemodel import (
    CHROME,
    CONTENT,
    CREDIT,
    HEADLINE,
    LABELS,
    POSSIBLE_SUMMARY,
    SUMMARY,
    Reading,
    Thresholds,
    read_roles,
)
from scrapeclean.transforms.text.segment import segment_document

HEADLINE_TEXT = "Rotterdam Approves Taller Flood Barrier After Two-Year Fight"
SUMMARY_TEXT = (
    "The $48 million plan raises the riverside wall by 1.2 metres and adds pumping stations in "
    "three low-lying districts."
)
PARAGRAPHS = [
    "ROTTERDAM — The city council voted 31 to 14 on Tuesday to build a taller flood barrier "
    "along the Maas, ending a two-year dispute over who pays for protecting the harbour.",
    "Engineers say the current wall, built in 1978, would be overtopped by a storm surge of the "
    "kind forecast to become ten times more likely by 2050.",
    "“We cannot keep betting that the next big storm misses us,” said Deputy Mayor Ingrid van "
    "Dijk, who led the negotiations with the port authority.",
    "The port will cover 40% of the cost; the rest comes from a regional climate fund and a new "
    "levy on commercial property near the river.",
    "Construction is due to start next spring and take four years, with temporary barriers in "
    "place during the winter storm season.",
]
TOP_CHROME = ["Home", "News", "Politics", "Business", "Sign in", "Subscribe"]
RELATED = [
    "Related stories",
    "Dutch farmers protest new nitrogen rules in The Hague",
    "Port of Antwerp strike enters its second week",
    "How Venice's flood gates held back a record tide",
    "Newsletter",
    "Get the morning briefing in your inbox every weekday.",
    "© 2025 Harbour Daily. All rights reserved.",
    "Privacy Policy",
    "Terms of Use",
]


def clean(lines: list[str], config: RunConfig) -> tuple[Document, Article]:
    document = Document("s", "id", "text", b"", "\n".join(lines) + "\n")
    stripped = strip_boilerplate(document, config.boilerplate)
    article = segment_document(stripped, config.segment)
    assert isinstance(article, Article)
    return stripped, article


def test_chrome_above_the_headline_goes_and_the_headline_is_found(config: RunConfig) -> None:
    stripped, article = clean([*TOP_CHROME, HEADLINE_TEXT, *PARAGRAPHS], config)
    assert article.headline == HEADLINE_TEXT
    assert article.summary is None
    assert article.lead == PARAGRAPHS[0]
    assert article.body == "\n\n".join(PARAGRAPHS[1:])
    assert stripped.boilerplate_removed == tuple(TOP_CHROME)


def test_a_text_whose_source_stated_its_headline_keeps_its_lead(config: RunConfig) -> None:
    # a JSONL record: the title is the headline, the text opens with the lead (the model,
    # trained on dumps that hold their headline, reads such a lead as chrome)
    text = "\n\n".join([*PARAGRAPHS, "Help us improve."]) + "\n"
    document = Document("s", "id", "jsonl", b"", text, headline=HEADLINE_TEXT)
    stripped = strip_boilerplate(document, config.boilerplate)
    article = segment_document(stripped, config.segment)
    assert isinstance(article, Article)
    assert stripped.boilerplate_removed == ("Help us improve.",)
    assert (article.headline, article.lead) == (HEADLINE_TEXT, PARAGRAPHS[0])


def test_summary_after_the_headline(config: RunConfig) -> None:
    _, article = clean([HEADLINE_TEXT, SUMMARY_TEXT, *PARAGRAPHS], config)
    assert (article.headline, article.summary) == (HEADLINE_TEXT, SUMMARY_TEXT)
    assert article.lead == PARAGRAPHS[0]


def test_summary_before_the_headline(config: RunConfig) -> None:
    _, article = clean(["Share", SUMMARY_TEXT, HEADLINE_TEXT, *PARAGRAPHS], config)
    assert (article.headline, article.summary) == (HEADLINE_TEXT, SUMMARY_TEXT)
    assert article.lead == PARAGRAPHS[0]


def test_no_summary_is_an_answer(config: RunConfig) -> None:
    _, article = clean([HEADLINE_TEXT, "By Sanne de Vries", *PARAGRAPHS], config)
    assert article.headline == HEADLINE_TEXT
    assert article.summary is None
    assert article.lead == PARAGRAPHS[0]
    assert article.credits == "By Sanne de Vries"


def test_a_trailing_related_list_goes_as_a_whole_run(config: RunConfig) -> None:
    stripped, article = clean([HEADLINE_TEXT, *PARAGRAPHS, *RELATED], config)
    assert stripped.boilerplate_removed == tuple(RELATED)
    assert article.body == "\n\n".join(PARAGRAPHS[1:])
    assert all(line not in article.text for line in RELATED)


def test_every_removed_line_is_kept_verbatim_with_its_reason(config: RunConfig) -> None:
    lines = ["  Skip to content ", *TOP_CHROME, HEADLINE_TEXT, *PARAGRAPHS, *RELATED]
    document = Document("s", "id", "text", b"", "\n".join(lines))
    stripped = strip_boilerplate(document, config.boilerplate)
    kept = stripped.text.split("\n")
    assert sorted(kept + list(stripped.boilerplate_removed)) == sorted(lines)
    reasons = removal_reasons(document, config.boilerplate)
    assert len(reasons) == len(stripped.boilerplate_removed)
    assert reasons[0] == "catalog"  # "Skip to content" is a catalog phrase
    assert all(reason.startswith(("catalog", "chrome")) for reason in reasons)


def test_html_extracted_text_and_a_disabled_model_are_left_to_the_catalog(
    config: RunConfig,
) -> None:
    text = "\n".join([*TOP_CHROME, HEADLINE_TEXT, *PARAGRAPHS])
    catalog_only = ("Sign in", "Subscribe")  # the catalog's phrases among the chrome lines
    off = dataclasses.replace(config.boilerplate, line_model=False)
    for document, section in (
        (Document("s", "id", "html", b"", text, extracted=True), config.boilerplate),
        (Document("s", "id", "text", b"", text), off),
    ):
        stripped = strip_boilerplate(document, section)
        assert stripped.boilerplate_removed == catalog_only
        assert stripped.line_roles == ()


THRESHOLDS = Thresholds(
    chrome=0.5,
    headline=0.2,
    headline_sure=0.7,
    headline_sure_lines=6,
    summary_above=0.3,
    summary_below=0.3,
    summary_possible=0.1,
    credit=0.5,
)


def reading(table: np.ndarray, headline_scores: list[float] | None = None) -> Reading:
    """A Reading of ``table``; the ranker's scores default to stage 2's headline column, the dek
    reader's verdicts to its summary column."""
    scores = table[:, HEADLINE] if headline_scores is None else np.array(headline_scores)
    return Reading(table, scores, table[:, SUMMARY])


def probabilities(*rows: str) -> np.ndarray:
    """One row per line from a label name: that label 0.8, the others 0.05."""
    table = np.full((len(rows), len(LABELS)), 0.05)
    for i, label in enumerate(rows):
        table[i, LABELS.index(label)] = 0.8
    return table


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # lines above the headline that are not its summary are chrome
        (
            ("content", "headline", "content", "content"),
            [CHROME, HEADLINE, CONTENT, CONTENT],
        ),
        # the summary is the nearest line past credits, above or below
        (
            ("headline", "credit", "summary", "content"),
            [HEADLINE, CREDIT, SUMMARY, CONTENT],
        ),
        # no line likely enough to be a headline: no headline, nothing forced to chrome
        (("content", "content"), [CONTENT, CONTENT]),
        # a summary above the headline wins over a likely one below (which may be the lead)
        (
            ("summary", "headline", "summary", "content"),
            [SUMMARY, HEADLINE, CONTENT, CONTENT],
        ),
    ],
)
def test_read_roles(rows: tuple[str, ...], expected: list[int]) -> None:
    table = probabilities(*rows)
    if "headline" not in rows:
        table[:, LABELS.index("headline")] = 0.1
    assert read_roles(reading(table), THRESHOLDS) == expected


def test_an_unsure_line_under_the_headline_is_left_to_the_dek_rule() -> None:
    table = probabilities("headline", "content", "content")
    table[1, LABELS.index("summary")] = 0.2  # above summary_possible, below summary_below
    assert read_roles(reading(table), THRESHOLDS) == [HEADLINE, POSSIBLE_SUMMARY, CONTENT]


def test_the_ranker_picks_the_headline_when_stage_2_is_unsure() -> None:
    # A whole page: stage 2 leans to a menu line (0.4, below headline_sure); the ranker, which
    # reads the dump as a choice among its lines, prefers the line that opens the content.
    table = probabilities("chrome", "content", "content", "content")
    table[0, HEADLINE] = 0.4
    table[1, HEADLINE] = 0.3
    unsure = reading(table, [2.0, 3.0, -1.0, -2.0])
    assert read_roles(unsure, THRESHOLDS)[:2] == [CHROME, HEADLINE]
    # sure of its pick, stage 2 keeps it whatever the ranker says
    table[0, HEADLINE] = 0.75
    assert read_roles(reading(table, [2.0, 3.0, -1.0, -2.0]), THRESHOLDS)[:2] == [HEADLINE, CONTENT]
    # the catalog's lines are never the headline, however the ranker scores them
    table[0, HEADLINE] = 0.4
    roles = read_roles(
        reading(table, [2.0, 3.0, 5.0, -2.0]), THRESHOLDS, [False, False, True, False]
    )
    assert roles[1] == HEADLINE


def test_in_a_long_dump_the_ranker_picks_even_when_stage_2_is_sure() -> None:
    # A whole page (longer than headline_sure_lines): stage 2 is sure of a banner line at the
    # top, the ranker prefers the line that opens the content, and on whole pages the ranker
    # is the better judge.
    rows = ("chrome", "chrome", "content", "content", "content", "content", "content")
    table = probabilities(*rows)
    table[0, HEADLINE] = 0.9
    scores = [1.0, 0.0, 3.0, -1.0, -1.0, -1.0, -1.0]
    assert read_roles(reading(table, scores), THRESHOLDS)[:3] == [CHROME, CHROME, HEADLINE]
    # the same lines one short of the limit: stage 2's sure pick stands
    short = reading(table[:-1], scores[:-1])
    assert read_roles(short, THRESHOLDS)[:3] == [HEADLINE, CHROME, CONTENT]


def test_the_dek_reader_decides_the_line_under_the_headline() -> None:
    # Stage 2 leans to a summary under the headline; the dek reader, which asks only that
    # line's question (summary or lead?), reads a lead: the lead stays the lead.
    table = probabilities("headline", "summary", "content")
    lead = Reading(table, table[:, HEADLINE], np.array([0.0, 0.05, 0.0]))
    assert read_roles(lead, THRESHOLDS) == [HEADLINE, CONTENT, CONTENT]
    dek = Reading(table, table[:, HEADLINE], np.array([0.0, 0.9, 0.0]))
    assert read_roles(dek, THRESHOLDS) == [HEADLINE, SUMMARY, CONTENT]

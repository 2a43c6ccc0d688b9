"""CleanCorpus and DropDuplicates on Beam: agreement with the pure rules, order independence,
skipped steps, counters, and per-window dedup under TestStream."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing import test_stream
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to, equal_to_per_window
from apache_beam.transforms.window import FixedWindows, IntervalWindow, TimestampedValue

from scrapeclean.transforms.beam.corpus import NAMESPACES, CleanCorpus, WriteTopLines
from scrapeclean.transforms.beam.dedup import DropDuplicates
from scrapeclean.transforms.beam.run_stages import MAIN, REJECTS
from scrapeclean.transforms.corpus.dedup import DedupConfig
from scrapeclean.transforms.corpus.neardup import NearDupConfig
from scrapeclean.transforms.corpus.quality import (
    LanguageFilterConfig,
    QualityConfig,
    check_quality,
    filter_language,
)
from scrapeclean.transforms.corpus.sitelines import SiteLinesConfig, parse_top_lines, strip_corpus
from scrapeclean.transforms.corpus.split import SplitConfig, assign_split
from scrapeclean.transforms.corpus.survivors import dedup_corpus
from scrapeclean.transforms.records import Article, Reject
from scripts.make_site_corpus import ARTICLES_PATH
from tests.transforms.test_neardup import edited
from tests.transforms.test_sitelines import make_article
from tests.transforms.test_survivors import chain

RUNNER = "FnApiRunner"
WRITTEN = json.loads(ARTICLES_PATH.read_text(encoding="utf-8"))
SECTIONS = (
    SiteLinesConfig(enabled=True),
    DedupConfig(enabled=True),
    NearDupConfig(enabled=True),
    QualityConfig(enabled=True),
    LanguageFilterConfig(keep=("en",)),
    SplitConfig(fractions=(0.5, 0.25, 0.25)),  # every split shows up in a small corpus
)


def corpus() -> list[Article]:
    """Two sites with footers; an exact and a near copy across sites; a stub; a German page."""
    articles = []
    for number in range(24):
        site = "harbor" if number < 12 else "valley"
        paragraphs = list(WRITTEN[number]["paragraphs"])
        if number == 13:  # the exact copy of article 0 (other site, other chrome)
            paragraphs = list(WRITTEN[0]["paragraphs"])
        if number == 14:  # a near copy of article 1: one word changed
            paragraphs = list(WRITTEN[1]["paragraphs"])
            paragraphs[-1] = paragraphs[-1].replace(" the ", " a ", 1)
        if number == 15:
            paragraphs = ["A stub of eleven words that the quality rules turn away."]
        footer = f"The {site.title()} Post is owned by its readers."
        article = make_article(f"{number:02d}", [*paragraphs, footer], f"/in/{site}/{number}.txt")
        articles.append(replace(article, language="de" if number == 16 else None))
    return articles


def reference(
    articles: list[Article], sections: tuple[Any, ...] = SECTIONS
) -> tuple[list[Article], list[Reject], dict]:
    """The same steps as plain function calls: what the Beam transform must produce."""
    sitelines, dedup, near, quality, language, split = sections
    stripped, top = strip_corpus(articles, sitelines)
    records, passed = [], []
    for record in stripped:
        for step, section in ((check_quality, quality), (filter_language, language)):
            record = record if isinstance(record, Reject) else step(record, section)
        (records if isinstance(record, Reject) else passed).append(record)
    for record in dedup_corpus(passed, dedup, near):
        records.append(record if isinstance(record, Reject) else assign_split(record, split))
    kept = [r for r in records if isinstance(r, Article)]
    return kept, [r for r in records if isinstance(r, Reject)], top


def counters(result: Any, namespace: str) -> dict[str, int]:
    query = result.metrics().query(MetricsFilter().with_namespace(namespace))
    return {c.key.metric.name: c.committed for c in query["counters"]}


@pytest.mark.parametrize("spill", [False, True], ids=["in-memory", "spilled"])
def test_clean_corpus_agrees_with_the_pure_rules_and_counts(tmp_path: Path, spill: bool) -> None:
    articles = corpus()
    kept, rejects, top = reference(articles)
    assert {r.reason for r in rejects} == {"duplicate", "near_duplicate", "low_word_count",
                                           "language_filtered"}  # fmt: skip
    assert {a.split for a in kept} == {"train", "validation", "test"}
    pipeline = TestPipeline(runner=RUNNER)
    random.Random(5).shuffle(articles)
    spill_dir = str(tmp_path / "spill") if spill else None
    out = pipeline | beam.Create(articles) | CleanCorpus(*SECTIONS, spill_dir=spill_dir)
    assert_that(out.records, equal_to(kept), label="Records")
    assert_that(out.rejects, equal_to(rejects), label="Rejects")
    assert_that(out.top_lines, equal_to(list(top.items())), label="TopLines")
    _ = out.top_lines | WriteTopLines(str(tmp_path / "site_boilerplate.jsonl"))
    result = pipeline.run()
    result.wait_until_finish()
    written = parse_top_lines((tmp_path / "site_boilerplate.jsonl").read_text(encoding="utf-8"))
    assert written == {site: [list(entry) for entry in lines] for site, lines in top.items()}
    assert written["/in/harbor"] == [["The Harbor Post is owned by its readers.", 12]]
    assert counters(result, "sitelines") == {"in": 24, "out": 24, "lines_removed": 24,
                                             "boilerplate_lines": 2}  # fmt: skip
    assert counters(result, "quality") == {"in": 24, "out": 23, "rejected.low_word_count": 1}
    assert counters(result, "language_filter")["rejected.language_filtered"] == 1
    assert counters(result, "dedup") == {"in": 22, "out": 21, "rejected.duplicate": 1}
    near = counters(result, "neardup")
    assert (near["in"], near["out"], near["rejected.near_duplicate"]) == (21, 20, 1)
    split = counters(result, "split")
    assert split["in"] == split["out"] == 20 == len(kept)
    if spill:  # both passes went through files, and the signature tables
        assert {p.name for p in (tmp_path / "spill").iterdir()} == {"sitelines", "dedup"}
        assert {p.name for p in (tmp_path / "spill/dedup").iterdir()} == {"articles", "signatures"}


def test_survivors_do_not_depend_on_input_order() -> None:
    """Exact groups and near stars keep the same survivors however the input is ordered."""
    base = [make_article(f"d{n}", list(WRITTEN[n % 6]["paragraphs"])) for n in range(18)]
    base.append(replace(base[2], doc_id="a0"))  # an exact copy with the smallest id
    near = list(WRITTEN[3]["paragraphs"])
    near[0] = f"{near[0]} Updated at noon."
    base.append(make_article("b1", near))  # near copy of d3/d9/d15, and the smallest id
    outcome = sorted(
        (r.doc_id if isinstance(r, Article) else (r.doc_id, r.reason, r.detail)
         for r in dedup_corpus(base, DedupConfig(enabled=True), NearDupConfig(enabled=True))),
        key=str,
    )  # fmt: skip
    assert len([o for o in outcome if isinstance(o, str)]) == 6
    assert ("d2", "duplicate", "a0") in outcome and "a0" in outcome
    # d15 is the smallest id of its exact group, but b1 took the group: all of it names b1
    assert ("d15", "near_duplicate", "b1") in outcome and ("d3", "near_duplicate", "b1") in outcome
    pipeline = TestPipeline(runner=RUNNER)
    for seed in range(3):
        shuffled = random.Random(seed).sample(base, len(base))
        result = (
            pipeline
            | f"Create{seed}" >> beam.Create(shuffled)
            | f"Dedup{seed}"
            >> DropDuplicates(DedupConfig(enabled=True), NearDupConfig(enabled=True))
        )
        both = (
            result[MAIN] | f"Ids{seed}" >> beam.Map(lambda a: a.doc_id),
            result[REJECTS] | f"Why{seed}" >> beam.Map(lambda r: (r.doc_id, r.reason, r.detail)),
        ) | f"Both{seed}" >> beam.Flatten()
        assert_that(both, equal_to(outcome), label=f"Check{seed}")
    pipeline.run().wait_until_finish()


def test_disabled_steps_are_skipped() -> None:
    off = (
        SiteLinesConfig(enabled=False),
        DedupConfig(enabled=False),
        NearDupConfig(enabled=False),
        QualityConfig(enabled=False),
        LanguageFilterConfig(),
        SplitConfig(enabled=False),
    )
    articles = corpus()[:5]
    pipeline = TestPipeline(runner=RUNNER)
    out = pipeline | beam.Create(articles) | CleanCorpus(*off)
    assert_that(out.records, equal_to(articles), label="Unchanged")
    assert_that(out.rejects, equal_to([]), label="NoRejects")
    assert_that(out.top_lines, equal_to([]), label="NoTopLines")
    result = pipeline.run()
    result.wait_until_finish()
    assert all(counters(result, namespace) == {} for namespace in NAMESPACES)


@pytest.mark.parametrize("spill", [False, True], ids=["in-memory", "spilled"])
def test_duplicates_are_found_per_window_in_streaming(tmp_path: Path, spill: bool) -> None:
    """With FixedWindows each window keeps its own survivor: the same text survives twice."""
    text = list(WRITTEN[0]["paragraphs"])
    near = [*text[:-1], text[-1].replace(" the ", " a ", 1)]
    docs = {name: make_article(name, paragraphs) for name, paragraphs in (
        ("b", text), ("a", text), ("c", text), ("d", near))}  # fmt: skip
    stream = (
        test_stream.TestStream()
        .add_elements([TimestampedValue(docs["b"], 1), TimestampedValue(docs["a"], 2)])
        .advance_watermark_to(10)
        .add_elements([TimestampedValue(docs["c"], 12), TimestampedValue(docs["d"], 13)])
        .advance_watermark_to_infinity()
    )
    sections = (
        SiteLinesConfig(enabled=False),
        *SECTIONS[1:3],
        QualityConfig(),
        LanguageFilterConfig(),
        SplitConfig(enabled=False),
    )
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    with TestPipeline(options=options) as pipeline:
        windowed = pipeline | stream | beam.WindowInto(FixedWindows(10))
        out = windowed | CleanCorpus(*sections, spill_dir=str(tmp_path) if spill else None)
        first, second = IntervalWindow(0, 10), IntervalWindow(10, 20)
        assert_that(
            out.records | beam.Map(lambda a: a.doc_id),
            equal_to_per_window({first: ["a"], second: ["c"]}),
            reify_windows=True,
            label="Survivors",
        )
        assert_that(
            out.rejects | beam.Map(lambda r: (r.doc_id, r.reason, r.detail)),
            equal_to_per_window(
                {first: [("b", "duplicate", "a")], second: [("d", "near_duplicate", "c")]}
            ),
            reify_windows=True,
            label="Rejected",
        )


def site_with_copies(copies: int) -> list[Article]:
    """A site of 12 articles with a footer, plus ``copies`` posts of one more article (WRITTEN
    24, whose short paragraphs would reach min_docs if every post counted)."""
    footer = "The Harbor Post is owned by its readers."
    pages = [
        make_article(f"p{n:02d}", [*WRITTEN[n]["paragraphs"], footer], f"/in/harbor/{n}.txt")
        for n in range(12)
    ]
    story = [*WRITTEN[24]["paragraphs"], footer]
    assert sum(len(p.split()) <= SECTIONS[0].max_line_words for p in story) >= 2
    pages += [make_article(f"x{n}", story, f"/in/harbor/post{n}.txt") for n in range(copies)]
    return pages


def test_six_copies_on_one_site_are_cleaned_as_the_article_alone() -> None:
    """Copies count once as a site's lines: the survivor of six posts loses only the footer."""
    (alone,) = [a for a in reference(site_with_copies(1))[0] if a.doc_id == "x0"]
    assert alone.boilerplate_removed[-1:] == ("The Harbor Post is owned by its readers.",)
    pipeline = TestPipeline(runner=RUNNER)
    out = pipeline | beam.Create(site_with_copies(6)) | CleanCorpus(*SECTIONS)
    survivor = out.records | beam.Filter(lambda a: a.doc_id.startswith("x"))
    assert_that(
        survivor | beam.Map(lambda a: (a.doc_id, a.lead, a.body, a.exact_copies, a.near_copies)),
        equal_to([("x0", alone.lead, alone.body, 5, 0)]),
    )
    pipeline.run().wait_until_finish()


def test_stars_on_beam_keep_a_chains_ends_and_one_of_a_family() -> None:
    """DropDuplicates agrees with the pure rule on a chain (A~B~C, A and C apart: A and C stay)
    and a family of eight near copies (one stays, naming itself in none of the rejects)."""
    texts = chain()
    articles = [make_article(name, [text]) for name, text in texts.items()]
    other = " ".join(WRITTEN[1]["paragraphs"])
    articles += [make_article(f"copy{n}", [edited(other, 1, seed=n)]) for n in range(8)]
    random.Random(2).shuffle(articles)
    expected = dedup_corpus(articles, DedupConfig(enabled=True), NearDupConfig(enabled=True))
    kept = [(r.doc_id, r.near_copies) for r in expected if isinstance(r, Article)]
    assert sorted(kept) == [("a", 1), ("c", 0), ("copy0", 7)]
    pipeline = TestPipeline(runner=RUNNER)
    result = pipeline | beam.Create(articles) | DropDuplicates(*SECTIONS[1:3])
    assert_that(result[MAIN], equal_to([r for r in expected if isinstance(r, Article)]))
    rejects = [r for r in expected if isinstance(r, Reject)]
    assert_that(result[REJECTS], equal_to(rejects), label="Rejects")
    pipeline.run().wait_until_finish()

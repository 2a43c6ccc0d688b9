"""A failure in one document's path is a reject of that document (issue 17): a raising function
injected into each DoFn (reading a file, a JSONL line, decoding, every corpus step, the write)
gives exactly that document as an ``internal_error`` reject that says where and what, and every
other document comes out as it would without it."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from scrapeclean.pipeline.cli.options import DEFAULT_RUNNER as RUNNER
from scrapeclean.transforms.beam import corpus as corpus_steps
from scrapeclean.transforms.beam import dedup, neardup, read, write
from scrapeclean.transforms.beam.corpus import CleanCorpus
from scrapeclean.transforms.beam.read import ReadDocuments
from scrapeclean.transforms.beam.write import WriteArticles, WriteRejects
from scrapeclean.transforms.config import OutputConfig
from scrapeclean.transforms.corpus import record_steps
from scrapeclean.transforms.corpus.sitelines import strip_corpus
from scrapeclean.transforms.records import Article, Reject, RejectReason
from scrapeclean.transforms.text import formats
from scrapeclean.transforms.text.decode import ReadConfig
from scrapeclean.transforms.text.formats import JsonlConfig
from tests.transforms.test_corpus import SECTIONS, corpus, reference
from tests.transforms.test_read import TEXT, write_warc
from tests.transforms.test_write import ARTICLE

BOOM = "RuntimeError: boom"


def raising(real: Callable[..., Any], hit: Callable[..., bool]) -> Callable[..., Any]:
    """``real``, except that it raises RuntimeError("boom") when ``hit(*args)``."""

    def injected(*args: Any, **kwargs: Any) -> Any:
        if hit(*args):
            raise RuntimeError("boom")
        return real(*args, **kwargs)

    return injected


def outcome(records: beam.PCollection, rejects: beam.PCollection) -> beam.PCollection:
    """(source name, "ok") per record and (source name, reason, detail) per reject."""
    return (
        records | "Ok" >> beam.Map(lambda d: (Path(d.source).name, "ok")),
        rejects | "Why" >> beam.Map(lambda r: (Path(r.source).name, str(r.reason), r.detail)),
    ) | "Outcome" >> beam.Flatten()


def read_inputs(tmp_path: Path) -> list[str]:
    """Two text files, three JSONL lines, two WARC files (one HTML response each)."""
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.txt").write_text(TEXT.replace("Headline", "Other"), encoding="utf-8")
    lines = [json.dumps({"text": f"{word} {TEXT}"}) for word in ("one", "BOOM", "three")]
    (tmp_path / "r.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_warc(tmp_path / "crawl.warc.gz")
    write_warc(tmp_path / "other.warc.gz")
    return [str(tmp_path / "*")]


READ_OK = ["a.txt", "b.txt", "r.jsonl#L1", "r.jsonl#L2", "r.jsonl#L3", "crawl", "other"]


@pytest.mark.parametrize(
    ("name", "hit", "lost", "victim", "detail"),
    [
        (
            "parse_jsonl_line",
            lambda line, *_: b"BOOM" in line,
            "r.jsonl#L2",
            "r.jsonl#L2",
            f"jsonl: {BOOM}",
        ),
        (
            "decode_document",
            lambda _, source, *__, **___: source.endswith("b.txt"),
            "b.txt",
            "b.txt",
            f"decode: {BOOM}",
        ),
        (
            "warc_documents",
            lambda _, path, __: "other" in path,
            "other",
            "other.warc.gz",
            f"read: {BOOM}",
        ),
    ],
)
def test_a_read_failure_is_that_document_s_reject(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    hit: Callable[..., bool],
    lost: str,
    victim: str,
    detail: str,
) -> None:
    owner = formats if name == "parse_jsonl_line" else read  # where the reader looks it up
    monkeypatch.setattr(owner, name, raising(getattr(owner, name), hit))
    pipeline = TestPipeline(runner=RUNNER)
    documents = pipeline | ReadDocuments(read_inputs(tmp_path), "auto", ReadConfig(), JsonlConfig())
    expected = [(source, "ok") for source in READ_OK if source != lost]
    expected.append((victim, "internal_error", detail))
    shown = outcome(documents.records, documents.rejects) | beam.Map(_warc_name)
    assert_that(shown, equal_to(expected))
    pipeline.run().wait_until_finish()


def _warc_name(row: tuple[str, ...]) -> tuple[str, ...]:
    """A WARC document's source name without its record offset (the file is what counts)."""
    return (row[0].split(".warc.gz#")[0], *row[1:]) if ".warc.gz#" in row[0] else row


VICTIM = "05"  # an article in no duplicate group, on a site that keeps 11 others


@functools.cache
def stripped_victim() -> Article:
    """The victim as the dedup and later steps see it: after the site lines step."""
    records, _ = strip_corpus(corpus(), SECTIONS[0])
    (victim,) = [r for r in records if r.doc_id == VICTIM]
    assert isinstance(victim, Article)
    return victim


CORPUS_INJECTIONS = {
    "sitelines-keys": (corpus_steps, "short_line_keys", lambda a, *_: a.doc_id == VICTIM),
    "sitelines-strip": (corpus_steps, "strip_site_lines", lambda a, *_: a.doc_id == VICTIM),
    "dedup": (dedup, "hash_shard", lambda h: h == stripped_victim().content_hash),
    "neardup": (neardup, "signatures", lambda texts, _: stripped_victim().text in texts),
    "quality": (record_steps, "check_quality", lambda a, _: a.doc_id == VICTIM),
    "split": (record_steps, "assign_split", lambda a, _: a.doc_id == VICTIM),
}


@pytest.mark.parametrize("step", sorted(CORPUS_INJECTIONS))
def test_a_corpus_step_failure_is_that_article_s_reject(
    monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    module, name, hit = CORPUS_INJECTIONS[step]
    monkeypatch.setattr(module, name, raising(getattr(module, name), hit))
    articles = corpus()
    kept, rejects, _ = reference([a for a in articles if a.doc_id != VICTIM])
    pipeline = TestPipeline(runner=RUNNER)
    out = pipeline | beam.Create(articles) | CleanCorpus(*SECTIONS)  # built after the patch
    assert_that(out.records, equal_to(kept), label="Records")
    why = out.rejects | beam.Map(lambda r: (r.doc_id, str(r.reason), r.detail))
    where = step.split("-")[0]
    expected = [(r.doc_id, str(r.reason), r.detail) for r in rejects]
    assert_that(why, equal_to([*expected, (VICTIM, "internal_error", f"{where}: {BOOM}")]))
    pipeline.run().wait_until_finish()


def test_an_article_without_a_parquet_row_is_written_as_a_reject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hit = lambda record: isinstance(record, Article) and record.doc_id == "boom"  # noqa: E731
    monkeypatch.setattr(write, "to_row", raising(write.to_row, hit))
    articles = [
        ARTICLE,
        replace(ARTICLE, doc_id="boom"),
        replace(ARTICLE, doc_id="surrogate", headline="Lone \ud800 surrogate"),
    ]
    reject = Reject("in/bad\udcffname.txt", "r1", RejectReason.BINARY, "x\ud800", b"", "text")
    pipeline = TestPipeline(runner=RUNNER)
    written = (
        pipeline
        | "Articles" >> beam.Create(articles)
        | WriteArticles(str(tmp_path / "articles"), OutputConfig())
    )
    _ = (
        (pipeline | "Rejects" >> beam.Create([reject]), written.rejects)
        | beam.Flatten()
        | WriteRejects(str(tmp_path / "rejects"), OutputConfig())
    )
    pipeline.run().wait_until_finish()
    assert pq.read_table(tmp_path / "articles").column("doc_id").to_pylist() == ["d1"]
    rows = sorted(pq.read_table(tmp_path / "rejects").to_pylist(), key=lambda r: r["doc_id"])
    assert [(r["doc_id"], r["reason"], r["detail"][:40]) for r in rows] == [
        ("boom", "internal_error", f"write: {BOOM}"),
        ("r1", "binary", "x"),
        ("surrogate", "internal_error", "write: UnicodeEncodeError: 'utf-8' codec"),
    ]
    assert rows[1]["source"] == "in/badname.txt"

"""The streaming graph: per-window articles and rejects, window-named Parquet files, and a graph
that builds with MatchContinuously (which no local runner runs; docs/beam-notes.md §5).

TestStream sends these pipelines to the BundleBasedDirectRunner, the one local runner that
honours event-time windows and watermarks.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.io.filesystem import FileMetadata
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing import test_stream
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to_per_window
from apache_beam.transforms.window import GlobalWindow, IntervalWindow, TimestampedValue

from scrapeclean.pipeline.job.config import load_config
from scrapeclean.pipeline.job.streaming import (
    build_stream_body,
    build_streaming_graph,
    build_windowed_tail,
)
from scrapeclean.transforms.beam.parquet_files import ParquetFileSink, parquet_file_name
from scrapeclean.transforms.beam.run_stages import MAIN, REJECTS, RunStages
from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.corpus.split import assign_split
from scrapeclean.transforms.records import Article, Document, Reject, RejectReason, make_doc_id
from scrapeclean.transforms.schema import ARTICLE_SCHEMA, REJECT_SCHEMA, to_row
from scrapeclean.transforms.text.stages import bind_stages, run_stages
from tests.conftest import REPO

WINDOW = 60
T0 = 1_795_770_000  # 2026-11-27T09:00:00Z, a window boundary
FIRST = IntervalWindow(T0, T0 + WINDOW)
SECOND = IntervalWindow(T0 + WINDOW, T0 + 2 * WINDOW)
NAME = re.compile(r"^(\d{8}T\d{6}Z-\d{8}T\d{6}Z)-\d{5}-of-\d{5}-[0-9a-f]{8}\.parquet$")
BODY = (
    "The city council approved a new budget on Tuesday after a long debate about road repairs, "
    "school funding and the future of the public library. Council members said the plan would "
    "keep taxes flat while adding money for bus routes. The mayor called the vote a fair "
    "compromise and promised regular reports on spending during the coming year."
)


def article_text(headline: str) -> str:
    return f"{headline}\n\n{BODY}"


def document(name: str, text: str) -> Document:
    return Document(f"feed/{name}.txt", f"id-{name}", "text", text.encode(), text)


def streaming_pipeline() -> TestPipeline:
    options = PipelineOptions([])  # not pytest's argv
    options.view_as(StandardOptions).streaming = True
    return TestPipeline(options=options)


def by_window(pairs: Sequence[tuple[int, Document]], config: RunConfig) -> dict:
    """The pure chain's result for each (event time, document), grouped by its window.

    With the default config the only corpus step on is the split, a per-record step.
    """
    expected: dict[IntervalWindow, dict[str, list]] = {}
    for timestamp, doc in pairs:
        window = FIRST if timestamp < T0 + WINDOW else SECOND
        result = run_stages(doc, config)
        if isinstance(result, Article):
            result = assign_split(result, config.split)
        kind = "articles" if isinstance(result, Article) else "rejects"
        expected.setdefault(window, {"articles": [], "rejects": []})[kind].append(result)
    return expected


def per_window(expected: dict, kind: str) -> dict[IntervalWindow, list]:
    return {window: outputs[kind] for window, outputs in expected.items() if outputs[kind]}


def written(folder: Path) -> dict[str, list[str]]:
    """{window span in the file name: doc ids in its files}; checks names and schema on the way."""
    schema = ARTICLE_SCHEMA if folder.name == "articles" else REJECT_SCHEMA
    rows: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.parquet")):
        match = NAME.match(path.name)
        assert match, f"unexpected file name {path.name!r}"
        table = pq.read_table(path)
        assert table.schema.equals(schema), path.name  # as tests/test_cli.py compares
        assert table.schema.metadata == schema.metadata, path.name
        rows.setdefault(match.group(1), []).extend(table.column("doc_id").to_pylist())
    return {span: sorted(ids) for span, ids in rows.items()}


def test_stages_and_windowed_write_per_window(tmp_path: Path, config: RunConfig) -> None:
    events = [
        (T0 + 5, document("a", article_text("Council approves budget"))),
        (T0 + 20, document("empty", "")),
        (T0 + 59, document("b", article_text("Harbour reopens after storm"))),
        (T0 + 61, document("short", "Too short to keep.")),
        (T0 + 90, document("c", article_text("Library extends opening hours"))),
    ]
    stream = (
        test_stream.TestStream()
        .add_elements([TimestampedValue(doc, ts) for ts, doc in events[:3]])
        .advance_watermark_to(T0 + WINDOW)
        .add_elements([TimestampedValue(doc, ts) for ts, doc in events[3:]])
        .advance_watermark_to_infinity()
    )
    corpus_steps = (config.sitelines, config.dedup, config.neardup, config.quality)
    assert not any(step.enabled for step in corpus_steps) and not config.language_filter.keep
    expected = by_window(events, config)
    assert [r.reason for r in expected[SECOND]["rejects"]] == [RejectReason.TOO_SHORT]
    assert all(a.split for a in expected[FIRST]["articles"])

    pipeline = streaming_pipeline()
    documents = pipeline | "Documents" >> stream
    cleaned = documents | "Clean" >> RunStages(bind_stages(config))
    outputs = build_windowed_tail(cleaned[MAIN], [cleaned[REJECTS]], str(tmp_path), WINDOW, config)
    assert_that(
        outputs.articles,
        equal_to_per_window(per_window(expected, "articles")),
        reify_windows=True,
        label="ArticlesPerWindow",
    )
    assert_that(
        outputs.rejects,
        equal_to_per_window(per_window(expected, "rejects")),
        reify_windows=True,
        label="RejectsPerWindow",
    )
    pipeline.run().wait_until_finish()

    first, second = "20261127T090000Z-20261127T090100Z", "20261127T090100Z-20261127T090200Z"
    assert written(tmp_path / "articles") == {first: ["id-a", "id-b"], second: ["id-c"]}
    assert written(tmp_path / "rejects") == {first: ["id-empty"], second: ["id-short"]}


def test_files_are_read_cleaned_and_written_per_window(tmp_path: Path, config: RunConfig) -> None:
    """From FileMetadata on, as MatchContinuously emits it: reading reuses read.py's DoFns."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    texts = {"a.txt": article_text("Council approves budget"), "stub.txt": "Too short to keep."}
    texts["b.txt"] = article_text("Harbour reopens after storm")
    metadata, ids = {}, {}
    for name, text in texts.items():
        path = inbox / name
        path.write_text(text, encoding="utf-8")
        metadata[name] = FileMetadata(str(path), path.stat().st_size, path.stat().st_mtime)
        ids[name] = make_doc_id(str(path), text.encode())
    stream = (
        test_stream.TestStream()
        .add_elements([TimestampedValue(metadata["a.txt"], T0 + 1)])
        .advance_watermark_to(T0 + WINDOW)
        .add_elements([TimestampedValue(metadata[n], T0 + 70) for n in ("stub.txt", "b.txt")])
        .advance_watermark_to_infinity()
    )
    pipeline = streaming_pipeline()
    outputs = build_stream_body(pipeline | "Files" >> stream, config, str(tmp_path / "out"), WINDOW)
    assert_that(
        outputs.articles | "ArticleSources" >> beam.Map(lambda a: Path(a.source).name),
        equal_to_per_window({FIRST: ["a.txt"], SECOND: ["b.txt"]}),
        reify_windows=True,
        label="ArticlesPerWindow",
    )
    assert_that(
        outputs.rejects | "Reasons" >> beam.Map(lambda r: (Path(r.source).name, str(r.reason))),
        equal_to_per_window({SECOND: [("stub.txt", "too_short")]}),
        reify_windows=True,
        label="RejectsPerWindow",
    )
    pipeline.run().wait_until_finish()

    first, second = "20261127T090000Z-20261127T090100Z", "20261127T090100Z-20261127T090200Z"
    articles = {first: [ids["a.txt"]], second: [ids["b.txt"]]}
    assert written(tmp_path / "out" / "articles") == articles
    assert written(tmp_path / "out" / "rejects") == {second: [ids["stub.txt"]]}


def test_duplicates_are_dropped_within_a_window_not_across(
    tmp_path: Path, config: RunConfig
) -> None:
    """The corpus steps group per window: a copy in the same window goes, a later one stays."""
    dedup_config = replace(config, dedup=replace(config.dedup, enabled=True))
    text = article_text("Council approves budget")
    stream = (
        test_stream.TestStream()
        .add_elements([TimestampedValue(document(n, text), T0 + 10) for n in ("a", "copy")])
        .advance_watermark_to(T0 + WINDOW)
        .add_elements([TimestampedValue(document("later", text), T0 + 65)])
        .advance_watermark_to_infinity()
    )
    pipeline = streaming_pipeline()
    cleaned = pipeline | "Documents" >> stream | "Clean" >> RunStages(bind_stages(dedup_config))
    outputs = build_windowed_tail(
        cleaned[MAIN], [cleaned[REJECTS]], str(tmp_path), WINDOW, dedup_config
    )
    assert_that(
        outputs.articles | "Ids" >> beam.Map(lambda a: a.doc_id),
        equal_to_per_window({FIRST: ["id-a"], SECOND: ["id-later"]}),
        reify_windows=True,
        label="ArticlesPerWindow",
    )
    assert_that(
        outputs.rejects | "Reasons" >> beam.Map(lambda r: (r.doc_id, str(r.reason), r.detail)),
        equal_to_per_window({FIRST: [("id-copy", "duplicate", "id-a")]}),
        reify_windows=True,
        label="RejectsPerWindow",
    )
    pipeline.run().wait_until_finish()


def test_parquet_sink_row_groups_and_a_second_flush() -> None:
    rejects = [
        Reject(f"s{i}", f"id{i}", RejectReason.BINARY, "x" * 200, b"r", "text") for i in range(2500)
    ]
    handle = io.BytesIO()
    sink = ParquetFileSink(REJECT_SCHEMA, "zstd", row_group_bytes=1024)
    sink.open(handle)
    for reject in rejects:
        sink.write(to_row(reject))
    sink.flush()
    sink.flush()  # FileSink allows more calls; the writer is closed only once
    with pytest.raises(RuntimeError, match="after flush"):
        sink.write(to_row(rejects[0]))  # a row after the footer fails loudly, never vanishes
    parquet = pq.ParquetFile(io.BytesIO(handle.getvalue()))
    assert parquet.metadata.num_rows == 2500
    assert parquet.metadata.num_row_groups == 3  # 1000 + 1000 + the 500 left at flush
    assert parquet.read().column("doc_id").to_pylist() == [r.doc_id for r in rejects]


def test_parquet_file_name_is_flat_utc_and_unique_per_call() -> None:
    window = IntervalWindow(T0, T0 + WINDOW)
    names = {parquet_file_name(window, None, 1, 3, "", "") for _ in range(2)}
    assert len(names) == 2  # a late firing of the same window cannot overwrite the first
    for name in names:
        assert name.startswith("20261127T090000Z-20261127T090100Z-00001-of-00003-")
        assert NAME.match(name) and ":" not in name and " " not in name
    partitioned = parquet_file_name(window, None, 1, 3, "", "language=en")
    assert partitioned.startswith("language=en/20261127T090000Z-")
    assert parquet_file_name(GlobalWindow(), None, 0, 1, "", "").startswith("part-00000-of-00001-")


@pytest.mark.parametrize("profile", ["default", "training", "corpus_off"])
def test_streaming_graph_builds_with_match_continuously(
    tmp_path: Path, config: RunConfig, profile: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Construction only: MatchContinuously cannot run on a local runner (docs/beam-notes.md §5)."""
    if profile == "training":
        config = load_config(REPO / "configs" / "training.yaml")
    elif profile == "corpus_off":  # CleanCorpus then returns a global Create([]) of rejects
        config = replace(config, split=replace(config.split, enabled=False))
    pipeline = beam.Pipeline(options=PipelineOptions(["--streaming"]))
    outputs = build_streaming_graph(
        pipeline,
        config,
        [str(tmp_path / "in/*.txt"), str(tmp_path / "in/*.jsonl")],
        str(tmp_path / "out"),
        window_seconds=300,
        poll_seconds=10,
        start_timestamp=T0,
    )
    labels = {node.full_label for node in pipeline.transforms_stack[0].parts}
    assert {"Watch0", "Watch1", "AllFiles", "Read", "Clean", "WriteArticles"} <= labels
    assert outputs.articles.windowing.windowfn.size == 300
    assert not outputs.articles.is_bounded  # runners run it as a stream
    assert pipeline.to_runner_api().components.transforms  # translates as portable runners do
    # A Flatten of differently windowed inputs only warns here, then fails to decode on a runner.
    assert "must have the same window" not in caplog.text
    assert not list(tmp_path.iterdir())  # building writes nothing


@pytest.mark.parametrize("window_seconds", [0, -5, 2.5, True])
def test_bad_window_is_refused(tmp_path: Path, config: RunConfig, window_seconds: object) -> None:
    with pytest.raises(ValueError, match="window_seconds"):
        build_streaming_graph(
            beam.Pipeline(options=PipelineOptions([])),
            config,
            ["in/*.txt"],
            str(tmp_path),
            window_seconds,  # type: ignore[arg-type]
            10,
        )


def test_the_cli_refuses_streaming_on_a_batch_runner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scrapeclean.pipeline.cli.main import main

    argv = ["run", "--streaming", "--input", str(tmp_path / "*.jsonl"), "--output", str(tmp_path)]
    assert main(argv) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "--streaming needs a runner with unbounded sources" in error[0]
    assert "PortableRunner" in error[0]

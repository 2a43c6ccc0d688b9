"""build_streaming_graph: watch the input globs, clean each new file, write Parquet per window.

For runners with unbounded sources (Flink, Dataflow, Prism). No local runner here executes it
(docs/beam-notes.md §5); the windowed part is unit-tested with TestStream. A stream
never finishes, so there is no staging, manifest, accounting check or _SUCCESS: each window's
files appear under articles/ and rejects/ when the window closes. The corpus steps (site
boilerplate, dedup, quality, split) run per window; site_boilerplate.jsonl is not written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.transforms.window import FixedWindows
from apache_beam.utils.timestamp import Timestamp

from scrapeclean.transforms.beam.corpus import CleanCorpus
from scrapeclean.transforms.beam.read import ReadMatched
from scrapeclean.transforms.beam.run_stages import MAIN, REJECTS, RunStages
from scrapeclean.transforms.beam.write import WriteArticles, WriteRejects
from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.text.stages import bind_stages


class StreamOutputs(NamedTuple):
    """The windowed records the stream writes, and the files written, for tests and callers."""

    articles: beam.PCollection  # Articles after the corpus steps, in fixed windows
    rejects: beam.PCollection  # Rejects from reading, every stage and the corpus steps
    article_files: beam.PCollection  # fileio.FileResult per articles file
    reject_files: beam.PCollection  # fileio.FileResult per rejects file


def build_streaming_graph(
    pipeline: beam.Pipeline,
    config: RunConfig,
    patterns: Sequence[str],
    output_dir: str,
    window_seconds: int,
    poll_seconds: float,
    input_format: str = "auto",
    start_timestamp: Timestamp | float | None = None,
) -> StreamOutputs:
    """Wire a never-ending job: every ``poll_seconds`` match ``patterns``, clean each new file.

    A file is read once, when a poll first sees it (also the files already there at the first
    poll); its documents take that poll time as event time, so windows are discovery time.
    ``start_timestamp`` defaults to now at build time: MatchContinuously's own default is the
    time its module was imported (docs/beam-notes.md §5).
    """
    if not patterns:
        raise ValueError("build_streaming_graph needs at least one input pattern")
    if not poll_seconds > 0:
        raise ValueError(f"poll_seconds must be > 0, not {poll_seconds!r}")
    _check_window(window_seconds)
    start = Timestamp.now() if start_timestamp is None else Timestamp.of(start_timestamp)
    matches = [
        pipeline
        | f"Watch{index}"
        >> fileio.MatchContinuously(pattern, interval=poll_seconds, start_timestamp=start)
        for index, pattern in enumerate(patterns)
    ]
    files = matches | "AllFiles" >> beam.Flatten()
    return build_stream_body(files, config, output_dir, window_seconds, input_format)


def build_stream_body(
    files: beam.PCollection,
    config: RunConfig,
    output_dir: str,
    window_seconds: int,
    input_format: str = "auto",
) -> StreamOutputs:
    """Everything after matching: read, every document stage, then the windowed tail."""
    read = files | "Read" >> ReadMatched(config.read, config.jsonl, input_format)
    cleaned = read[MAIN] | "Clean" >> RunStages(bind_stages(config))
    return build_windowed_tail(
        cleaned[MAIN], [read[REJECTS], cleaned[REJECTS]], output_dir, window_seconds, config
    )


def build_windowed_tail(
    records: beam.PCollection,
    rejects: Sequence[beam.PCollection],
    output_dir: str,
    window_seconds: int,
    config: RunConfig,
) -> StreamOutputs:
    """Window into ``FixedWindows(window_seconds)``, run CleanCorpus per window, write each window.

    As graph.py after the document stages, except that the cross-document steps (site
    boilerplate, dedup) see one window at a time: a duplicate in a later window is kept.
    Files: ``output_dir/articles/<start>-<end>-SSSSS-of-NNNNN-<token>.parquet`` (and rejects/),
    window bounds in UTC such as ``20261127T101500Z`` (transforms/beam/parquet_files.py).
    """
    _check_window(window_seconds)
    windows = FixedWindows(window_seconds)
    windowed = records | "WindowArticles" >> beam.WindowInto(windows)
    corpus = windowed | "CleanCorpus" >> CleanCorpus.from_config(config)
    # Flatten only equally windowed inputs: mixed ones fail to decode on the FnApiRunner. Corpus
    # rejects are windowed already, unless CleanCorpus had no step on (a global Create([])).
    document_rejects = (
        list(rejects)
        | "DocumentRejects" >> beam.Flatten()
        | "WindowRejects" >> beam.WindowInto(windows)
    )
    corpus_rejects = corpus.rejects | "WindowCorpusRejects" >> beam.WindowInto(windows)
    articles = corpus.records
    written = articles | "WriteArticles" >> WriteArticles(f"{output_dir}/articles", config.output)
    all_rejects = [
        document_rejects,
        corpus_rejects,
        written.rejects,  # windowed as the articles are
    ] | "AllRejects" >> beam.Flatten()
    return StreamOutputs(
        articles=articles,
        rejects=all_rejects,
        article_files=written.files,
        reject_files=all_rejects
        | "WriteRejects" >> WriteRejects(f"{output_dir}/rejects", config.output),
    )


def _check_window(window_seconds: int) -> None:
    # Whole seconds: file names carry the window bounds to the second.
    if isinstance(window_seconds, bool) or not isinstance(window_seconds, int):
        raise ValueError(f"window_seconds must be a whole number, not {window_seconds!r}")
    if window_seconds < 1:
        raise ValueError(f"window_seconds must be >= 1, not {window_seconds}")

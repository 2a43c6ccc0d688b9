"""build_graph: read -> every per-document stage -> the corpus steps -> write. Nothing else."""

from __future__ import annotations

from collections.abc import Sequence

import apache_beam as beam

from scrapeclean.transforms.beam.corpus import TOP_LINES_FILE, CleanCorpus, WriteTopLines
from scrapeclean.transforms.beam.index_write import WriteIndex
from scrapeclean.transforms.beam.published import INDEX, PublishedIndex
from scrapeclean.transforms.beam.read import ReadDocuments
from scrapeclean.transforms.beam.run_stages import RunStages
from scrapeclean.transforms.beam.write import WriteArticles, WriteRejects
from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.text.stages import bind_stages


def build_graph(
    pipeline: beam.Pipeline,
    config: RunConfig,
    inputs: Sequence[str],
    output_dir: str,
    input_format: str = "auto",
    progress_dir: str | None = None,
    published: PublishedIndex | None = None,
) -> None:
    """Wire the whole job into ``pipeline``, writing under ``output_dir``/articles and /rejects;
    with ``published`` (incremental runs), also the run's dedup index under /dedup-index."""
    read = pipeline | "Read" >> ReadDocuments(
        inputs, input_format, config.read, config.jsonl, progress_dir
    )
    cleaned = read.records | "Clean" >> RunStages(bind_stages(config))
    # The corpus steps' two passes hold the articles in files here, not in the runner's memory.
    spill_dir = f"{output_dir}/_corpus-temp"
    corpus = cleaned.records | "CleanCorpus" >> CleanCorpus.from_config(
        config, spill_dir, published
    )
    if published is not None:
        index = f"{output_dir}/{INDEX}"
        corpus.records | "WriteIndex" >> WriteIndex(index, config.neardup, published.merged())
    corpus.top_lines | "WriteTopLines" >> WriteTopLines(f"{output_dir}/{TOP_LINES_FILE}")
    temp = f"{output_dir}/_write-temp"  # outside articles/: never published
    splits = config.split.names if config.split.enabled else ()
    written = corpus.records | "WriteArticles" >> WriteArticles(
        f"{output_dir}/articles", config.output, temp, splits
    )
    rejects = [read.rejects, cleaned.rejects, corpus.rejects, written.rejects]
    (
        rejects
        | "AllRejects" >> beam.Flatten()
        | "WriteRejects" >> WriteRejects(f"{output_dir}/rejects", config.output, temp)
    )

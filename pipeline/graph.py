"""build_graph: read -> every per-document stage -> the corpus steps -> write. Nothing else."""

from __future__ import annotations

from collections.abc import Sequence

import apache_beam as beam

from pipeline.config import RunConfig
from transforms.chain import DOCUMENT_STAGES
from transforms.corpus import TOP_LINES_FILE, CleanCorpus, WriteTopLines
from transforms.read import ReadDocuments
from transforms.stage import RunStage
from transforms.write import WriteArticles, WriteRejects


def build_graph(
    pipeline: beam.Pipeline,
    config: RunConfig,
    inputs: Sequence[str],
    output_dir: str,
    input_format: str = "auto",
    progress_dir: str | None = None,
) -> None:
    """Wire the whole job into ``pipeline``, writing under ``output_dir``/articles and /rejects."""
    read = pipeline | "Read" >> ReadDocuments(
        inputs, input_format, config.read, config.jsonl, progress_dir
    )
    records = read.records
    rejects = [read.rejects]
    for stage in DOCUMENT_STAGES:
        label = stage.name.capitalize()
        timeout = config.limits.stage_timeout_seconds if stage.sandboxed else None
        section = getattr(config, stage.section)
        result = records | label >> RunStage(stage.name, stage.fn, section, timeout, stage.applies)
        records = result.records
        rejects.append(result.rejects)
    corpus = records | "CleanCorpus" >> CleanCorpus.from_config(config)
    records = corpus.records
    rejects.append(corpus.rejects)
    corpus.top_lines | "WriteTopLines" >> WriteTopLines(f"{output_dir}/{TOP_LINES_FILE}")
    records | "WriteArticles" >> WriteArticles(f"{output_dir}/articles/part", config.output)
    (
        rejects
        | "AllRejects" >> beam.Flatten()
        | "WriteRejects" >> WriteRejects(f"{output_dir}/rejects/part", config.output)
    )

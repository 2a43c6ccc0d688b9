"""The per-document stages in order, and the same chain as a plain function (no Beam).

``pipeline/graph.py`` wraps each entry of ``DOCUMENT_STAGES`` in ``RunStage``; the golden test
and the benchmark loop call ``clean_bytes``. One list, so the two can never drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from transforms.boilerplate import strip_boilerplate
from transforms.decode import decode_document
from transforms.records import Article, Document, Reject
from transforms.repair import repair_document
from transforms.segment import segment_document
from transforms.validate import validate_article


@dataclass(frozen=True, slots=True)
class Stage:
    """One per-record stage: its name (step label and metrics namespace) and config section."""

    name: str
    fn: Callable[[Any, Any], Any]
    section: str


DOCUMENT_STAGES: tuple[Stage, ...] = (
    Stage("repair", repair_document, "repair"),
    Stage("boilerplate", strip_boilerplate, "boilerplate"),
    Stage("segment", segment_document, "segment"),
    Stage("validate", validate_article, "validate"),
)


def run_stages(record: Document | Article | Reject, config: Any) -> Article | Reject:
    """Run a decoded document through every stage, stopping at the first reject."""
    for stage in DOCUMENT_STAGES:
        if isinstance(record, Reject):
            return record
        record = stage.fn(record, getattr(config, stage.section))
    assert isinstance(record, Article | Reject)
    return record


def clean_bytes(data: bytes, source: str, input_format: str, config: Any) -> Article | Reject:
    """The whole per-document chain on one input's bytes: decode, then every stage."""
    return run_stages(decode_document(data, source, input_format, config.read), config)

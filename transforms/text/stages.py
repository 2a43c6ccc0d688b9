"""The per-document stages in order, and the same chain as a plain function (no Beam).

The Beam graphs run ``bind_stages(config)`` through ``RunStages``; the golden test and the
benchmark loop call ``clean_bytes``. One list, so the two can never drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scrapeclean.transforms.html.extract import extract_document, is_markup
from scrapeclean.transforms.records import Article, Document, Reject
from scrapeclean.transforms.text.boilerplate import strip_boilerplate
from scrapeclean.transforms.text.decode import decode_document
from scrapeclean.transforms.text.language import detect_language
from scrapeclean.transforms.text.repair import repair_document
from scrapeclean.transforms.text.segment import segment_document
from scrapeclean.transforms.text.validate import validate_article


@dataclass(frozen=True, slots=True)
class Stage:
    """One per-record stage: its name (step label and metrics namespace) and config section.

    ``applies`` picks the records the stage works on (the others pass untouched); a
    ``sandboxed`` stage runs in a killable child process under ``limits.stage_timeout_seconds``.
    """

    name: str
    fn: Callable[[Any, Any], Any]
    section: str
    applies: Callable[[Any], bool] | None = None
    sandboxed: bool = False


@dataclass(frozen=True, slots=True)
class StageCall:
    """A stage bound to its config section: what ``beam.run_stages.RunStages`` runs.

    ``name`` is its metrics namespace; records for which ``applies`` is false pass untouched.
    With ``timeout_seconds`` the call runs in a killable child process (transforms/text/sandbox.py)
    and a record that runs past it becomes a ``timeout`` reject.
    """

    name: str
    fn: Callable[[Any, Any], Any]
    section: Any
    timeout_seconds: float | None = None
    applies: Callable[[Any], bool] | None = None


DOCUMENT_STAGES: tuple[Stage, ...] = (
    Stage("extract", extract_document, "html", applies=is_markup, sandboxed=True),
    Stage("repair", repair_document, "repair"),
    Stage("boilerplate", strip_boilerplate, "boilerplate"),
    Stage("segment", segment_document, "segment"),
    Stage("language", detect_language, "language"),
    Stage("validate", validate_article, "validate"),
)


def bind_stages(config: Any) -> tuple[StageCall, ...]:
    """``DOCUMENT_STAGES`` bound to a RunConfig's sections and per-document time limit."""
    return tuple(
        StageCall(
            stage.name,
            stage.fn,
            getattr(config, stage.section),
            config.limits.stage_timeout_seconds if stage.sandboxed else None,
            stage.applies,
        )
        for stage in DOCUMENT_STAGES
    )


def run_stages(record: Document | Article | Reject, config: Any) -> Article | Reject:
    """Run a decoded document through every stage, stopping at the first reject."""
    for stage in DOCUMENT_STAGES:
        if isinstance(record, Reject):
            return record
        if stage.applies is None or stage.applies(record):
            record = stage.fn(record, getattr(config, stage.section))
    assert isinstance(record, Article | Reject)
    return record


def clean_bytes(data: bytes, source: str, input_format: str, config: Any) -> Article | Reject:
    """The whole per-document chain on one file's bytes (a text dump or an HTML page)."""
    document = decode_document(
        data, source, input_format, config.read, is_html=input_format == "html"
    )
    return run_stages(document, config)

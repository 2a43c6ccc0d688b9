"""The per-document stages in order, and the one loop that runs them (no Beam).

The Beam graphs run ``bind_stages(config)`` through ``beam.run_stages.RunStages``, the golden
test and the benchmark loop call ``clean_bytes``, and ``scrapeclean explain`` shows every step:
all three take each stage's Step with ``take_step`` (RunStages through ``batch_steps``, the
others through ``stage_steps``), so they cannot drift apart. A stage that raises turns its
record into an ``internal_error`` reject (the dead-letter output) in all three, and a stage past
its time limit into a ``timeout`` reject.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from scrapeclean.transforms.html.extract import extract_document, is_markup
from scrapeclean.transforms.records import (
    Article,
    Document,
    Reject,
    RejectReason,
    failure_detail,
)
from scrapeclean.transforms.text.boilerplate import strip_boilerplate, strip_many
from scrapeclean.transforms.text.decode import decode_document
from scrapeclean.transforms.text.language import detect_language
from scrapeclean.transforms.text.repair import repair_document
from scrapeclean.transforms.text.sandbox import Sandbox, SharedSandbox, StageTimeoutError
from scrapeclean.transforms.text.segment import segment_document
from scrapeclean.transforms.text.validate import validate_article

if TYPE_CHECKING:  # RunConfig assembles every room's section, this module's stages included
    from scrapeclean.transforms.config import RunConfig

_LOG = logging.getLogger(__name__)

# The sandboxed stages' child processes by stage name: one Sandbox, or a DoFn's share of the
# process's (SharedSandbox, beam/run_stages.py).
Sandboxes = Mapping[str, Sandbox | SharedSandbox]


@dataclass(frozen=True, slots=True)
class Stage:
    """One per-record stage: its name (step label and metrics namespace) and config section.

    ``applies`` picks the records the stage works on (the others pass untouched); a
    ``sandboxed`` stage runs in a killable child process under ``limits.stage_timeout_seconds``.
    ``many``, where given, is ``fn`` over a list of records at once (the same results, in
    order), for a stage whose work costs less per batch than per record.
    """

    name: str
    fn: Callable[[Any, Any], Any]
    section: str
    applies: Callable[[Any], bool] | None = None
    sandboxed: bool = False
    many: Callable[[list[Any], Any], list[Any]] | None = None


@dataclass(frozen=True, slots=True)
class StageCall:
    """A stage bound to its config section: what ``beam.run_stages.RunStages`` runs.

    ``name`` is its metrics namespace; records for which ``applies`` is false pass untouched.
    With ``timeout_seconds`` the Beam step runs the call in a killable child process
    (text/sandbox.py) and a record that runs past it becomes a ``timeout`` reject. ``many``:
    ``fn`` over a batch (see Stage).
    """

    name: str
    fn: Callable[[Any, Any], Any]
    section: Any
    timeout_seconds: float | None = None
    applies: Callable[[Any], bool] | None = None
    many: Callable[[list[Any], Any], list[Any]] | None = None


DOCUMENT_STAGES: tuple[Stage, ...] = (
    Stage("extract", extract_document, "html", applies=is_markup, sandboxed=True),
    Stage("repair", repair_document, "repair"),
    Stage("boilerplate", strip_boilerplate, "boilerplate", many=strip_many),
    Stage("segment", segment_document, "segment"),
    Stage("language", detect_language, "language"),
    Stage("validate", validate_article, "validate"),
)


def bind_stages(config: RunConfig) -> tuple[StageCall, ...]:
    """``DOCUMENT_STAGES`` bound to a RunConfig's sections and per-document time limit."""
    return tuple(
        StageCall(
            stage.name,
            stage.fn,
            getattr(config, stage.section),
            config.limits.stage_timeout_seconds if stage.sandboxed else None,
            stage.applies,
            stage.many,
        )
        for stage in DOCUMENT_STAGES
    )


class Step(NamedTuple):
    """One stage's turn on one record: what went in, what came out, whether the stage applied,
    and the traceback when it raised (``after`` is then its ``internal_error`` reject).

    A NamedTuple, not a frozen dataclass: one is made per stage and document, and a frozen
    dataclass sets each field through ``object.__setattr__`` (1.2 against 0.4 us a Step; the
    loop around six stages: 11 -> 5 us a document).
    """

    name: str
    before: Any
    after: Any
    error: str | None = None
    skipped: bool = False  # the stage does not apply to this record: after is before


def stage_steps(
    record: Any, stages: Sequence[StageCall], sandboxes: Sandboxes | None = None
) -> Iterator[Step]:
    """Run ``stages`` in order on one record, one Step each, up to the first reject.

    A stage named in ``sandboxes`` runs in that Sandbox (a child process under its time limit);
    the others run here.
    """
    for stage in stages:
        if isinstance(record, Reject):
            return
        step = take_step(stage, record, sandboxes)
        yield step
        record = step.after


def batch_steps(
    records: Sequence[Any],
    stages: Sequence[StageCall],
    sandboxes: Sandboxes | None = None,
) -> Iterator[tuple[int, Step]]:
    """``stage_steps`` over a batch, stage by stage: each stage takes every record of the batch
    (up to its first reject) before the next stage starts. Yields (index in ``records``, Step).

    Every record gets the same Steps as from ``stage_steps``, only in another order; a stage
    with ``many`` takes the batch's records at once (``many_steps``). Why: run
    one document at a time, the stages evict each other's code and data (the language model's
    tables, the line model, ftfy's and the catalog's regexes) from the CPU's caches; per stage,
    they stay warm. A run of 20,000 seed-like dumps in-process: 34.8 -> 25.5 s of CPU with
    batches of 100 (docs/speed.md).
    """
    current = list(records)
    for stage in stages:
        sandbox = sandboxes.get(stage.name) if sandboxes is not None else None
        if sandbox is None and stage.many is None:
            for index, record in enumerate(current):
                if not isinstance(record, Reject):
                    step = take_step(stage, record, sandboxes)
                    current[index] = step.after
                    yield index, step
            continue
        live = [index for index, record in enumerate(current) if not isinstance(record, Reject)]
        taking = [current[index] for index in live]
        steps = (
            many_steps(stage, taking, sandboxes)
            if sandbox is None
            # the batch's records at once, as many as there are children
            else sandbox.map(partial(take_step, stage, sandboxes=sandboxes), taking)
        )
        for index, step in zip(live, steps, strict=True):
            current[index] = step.after
            yield index, step


def many_steps(stage: StageCall, records: list[Any], sandboxes: Sandboxes | None) -> list[Step]:
    """One stage's Steps on records (none a Reject), in order: through ``stage.many`` where the
    stage has it, else ``take_step`` one record at a time.

    When ``many`` raises, every record takes its step alone: the one that failed becomes its
    ``internal_error`` reject as it would alone, and the others get the same results.
    """
    if stage.many is not None:
        applying = [stage.applies is None or stage.applies(record) for record in records]
        taking = [record for record, applies in zip(records, applying, strict=True) if applies]
        try:
            results = iter(stage.many(taking, stage.section))
        except Exception:  # each record alone below, the failing one to its reject
            pass
        else:
            return [
                Step(stage.name, record, next(results))
                if applies
                else Step(stage.name, record, record, skipped=True)
                for record, applies in zip(records, applying, strict=True)
            ]
    return [take_step(stage, record, sandboxes) for record in records]


def take_step(stage: StageCall, record: Any, sandboxes: Sandboxes | None) -> Step:
    """One stage's Step on one record (not a Reject): skipped where the stage does not apply,
    else run here or in its Sandbox."""
    if stage.applies is not None and not stage.applies(record):
        return Step(stage.name, record, record, skipped=True)
    sandbox = sandboxes.get(stage.name) if sandboxes else None
    after, error = call_stage(stage, record, sandbox)
    return Step(stage.name, record, after, error)


def call_stage(
    stage: StageCall, record: Any, sandbox: Sandbox | SharedSandbox | None = None
) -> tuple[Any, str | None]:
    """``stage.fn(record, section)`` (in ``sandbox`` if given), and the traceback if it raised.

    A timeout becomes a ``timeout`` reject; any other exception the record's ``internal_error``
    reject (``dead_letter``): one document's failure never fails the run.
    """
    try:
        if sandbox is not None:
            return sandbox.call(stage.fn, record, stage.section), None
        return stage.fn(record, stage.section), None
    except StageTimeoutError as error:
        return Reject.of(record, RejectReason.TIMEOUT, f"{stage.name}: {error}"), None
    except Exception as error:
        return dead_letter(stage.name, record, error), traceback.format_exc()


def dead_letter(stage: str, record: Document | Article, error: Exception) -> Reject:
    """The ``internal_error`` reject of a record whose stage raised: the dead-letter output the
    Beam guide allows, never log-and-drop; the traceback goes to a DEBUG log."""
    _LOG.debug("stage %s failed on %s", stage, record.source, exc_info=error)
    return Reject.of(record, RejectReason.INTERNAL_ERROR, failure_detail(stage, error))


def run_stages(record: Document | Article | Reject, config: RunConfig) -> Article | Reject:
    """Run a decoded document through every stage in this process, stopping at the first reject."""
    for step in stage_steps(record, bind_stages(config)):
        record = step.after
    assert isinstance(record, Article | Reject)
    return record


def clean_bytes(data: bytes, source: str, input_format: str, config: RunConfig) -> Article | Reject:
    """The whole per-document chain on one file's bytes (a text dump or an HTML page)."""
    return run_stages(decode_file(data, source, input_format, config), config)


def decode_file(
    data: bytes, source: str, input_format: str, config: RunConfig
) -> Document | Reject:
    """One file's bytes to the first record: HTML stays markup for the ``extract`` stage."""
    is_html = input_format == "html"
    return decode_document(data, source, input_format, config.read, is_html=is_html)

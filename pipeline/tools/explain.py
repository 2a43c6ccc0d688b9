"""``scrapeclean explain FILE``: one input through decode and every stage of the pure chain, and
stage by stage what changed: a unified diff of the text, fixes added, lines removed, then the
resulting Article or Reject.

No Beam and no output folder: the same functions the pipeline wraps (``DOCUMENT_STAGES``), so
what this shows is what a run does to that file.
"""

from __future__ import annotations

import dataclasses
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapeclean.pipeline.job.config import RunConfig
from scrapeclean.pipeline.tools.explain_diff import diff_text, listing, visible
from scrapeclean.pipeline.tools.output_reader import preview_bytes
from scrapeclean.transforms.errors import UsageError
from scrapeclean.transforms.records import Article, Document, Reject, RejectReason
from scrapeclean.transforms.text.boilerplate import removal_reasons
from scrapeclean.transforms.text.decode import GZIP_MAGIC, decode_document
from scrapeclean.transforms.text.formats import detect_format
from scrapeclean.transforms.text.stages import DOCUMENT_STAGES

# Formats where one file is one document; a JSONL or WARC file holds many (explain one record
# by saving it as its own file).
EXPLAINABLE_FORMATS = ("text", "html")
MAX_LISTED_LINES = 400  # of the decoded text; a diff is shown in full
_SHOWN_SPECIALLY = {"text", "raw", "fixes", "boilerplate_removed", "line_roles"}


@dataclass(frozen=True, slots=True)
class Step:
    """One stage's input and output; ``error`` holds the traceback when the stage raised."""

    name: str
    before: Document | Article | None
    after: Document | Article | Reject
    error: str | None = None
    skipped: bool = False  # the stage does not apply to this record
    # Why each line the stage removed was judged chrome (boilerplate stage), in order.
    reasons: tuple[str, ...] = ()


def run(file: str, config: RunConfig, input_format: str = "auto") -> int:
    """Explain ``file`` on stdout, coloured when stdout is a terminal; exit status 0."""
    input_format = detect_format(file, input_format)
    if input_format not in EXPLAINABLE_FORMATS:
        raise UsageError(
            f"{file!r}: explain handles {', '.join(EXPLAINABLE_FORMATS)} input, "
            f"not {input_format} (try --format text)"
        )
    data = read_input(file, config.read.max_document_bytes)
    steps = trace(data, file, input_format, config)
    print(render(steps, data, input_format, color=sys.stdout.isatty()), end="")
    return 0


def read_input(location: str, max_bytes: int) -> bytes:
    """The file's bytes, capped one past the size limit as the reader does (too_large shows)."""
    path = Path(location)
    if not path.exists():
        raise UsageError(f"{location!r} does not exist")
    if not path.is_file():
        raise UsageError(f"{location!r} is not a file")
    try:
        with path.open("rb") as handle:
            return handle.read(max_bytes + 1)
    except OSError as error:
        raise UsageError(f"{location!r}: cannot read ({error.strerror})") from None


def trace(data: bytes, source: str, input_format: str, config: RunConfig) -> list[Step]:
    """Decode, then run each stage in order until the first reject, keeping every record.

    Mirrors ``text.stages.clean_bytes``: a stage whose ``applies`` refuses the record is
    recorded as skipped (after is before).
    """
    record: Document | Article | Reject = decode(data, source, input_format, config)
    steps = [Step("decode", None, record)]
    for stage in DOCUMENT_STAGES:
        if isinstance(record, Reject):
            break
        applies = getattr(stage, "applies", None)
        if applies is not None and not applies(record):
            steps.append(Step(stage.name, record, record, skipped=True))
            continue
        try:
            result, error = stage.fn(record, getattr(config, stage.section)), None
        except Exception as exc:  # as RunStages does: one document's bug is an internal_error
            detail = f"{stage.name}: {exc!r}"
            result = Reject.of(record, RejectReason.INTERNAL_ERROR, detail)
            error = traceback.format_exc()
        reasons = ()
        if stage.name == "boilerplate" and isinstance(record, Document) and error is None:
            reasons = tuple(removal_reasons(record, config.boilerplate))
        steps.append(Step(stage.name, record, result, error, reasons=reasons))
        record = result
    return steps


def decode(data: bytes, source: str, input_format: str, config: RunConfig) -> Document | Reject:
    """Bytes to the first record, as ``clean_bytes`` does: HTML stays markup for ``extract``."""
    if input_format == "html":
        return decode_document(data, source, input_format, config.read, is_html=True)
    return decode_document(data, source, input_format, config.read)


def render(steps: list[Step], data: bytes, input_format: str, color: bool) -> str:
    """The whole explanation as text: a header, one block per stage, then the result."""
    first = steps[0].after
    lines = [
        f"explain {first.source}",
        f"format {input_format} · {len(data):,} bytes{' (gzip)' * is_gzip(data)} · "
        f"doc_id {first.doc_id}",
        "",
    ]
    for step in steps:
        lines += render_step(step, color)
    lines += render_result(steps[-1].after)
    return "\n".join(lines) + "\n"


def render_step(step: Step, color: bool) -> list[str]:
    """One stage: what it added or removed, and the diff of the text it changed."""
    after = step.after
    if isinstance(after, Reject):
        lines = [_heading(step.name, f"REJECT {after.reason}: {after.detail}")]
        if step.before is None:  # refused while reading: show what it was
            preview = preview_bytes(after.raw, 2000)
            lines += [
                f"  ({preview.note})",
                *(f"  {visible(line)}" for line in (preview.text or "").split("\n")[:8]),
            ]
        return lines + ([*step.error.rstrip().split("\n"), ""] if step.error else [""])
    if step.skipped:
        return [_heading(step.name, "skipped: does not apply to this document"), ""]
    if step.before is None:  # decode: the starting text, listed in full
        return [
            _heading(step.name, _decode_summary(after)),
            *listing(after.text, MAX_LISTED_LINES),
            "",
        ]
    notes = _changes(step.before, after)
    lines = [_heading(step.name, "; ".join(notes) if notes else "no change")]
    removed = _added(step.before, after, "boilerplate_removed")
    reasons = step.reasons if len(step.reasons) == len(removed) else ("",) * len(removed)
    lines += [
        f"  - {visible(line)}" + (f"   [{why}]" if why else "")
        for line, why in zip(removed, reasons, strict=True)
    ]
    moved = after if isinstance(after, Article) and not isinstance(step.before, Article) else None
    lines += diff_text(step.before.text, after.text, step.name, color, moved)
    return [*lines, ""]


def render_result(record: Document | Article | Reject) -> list[str]:
    """The final record's fields, multi-line values indented."""
    lines = [_heading(f"result: {type(record).__name__}", "")]
    for field in dataclasses.fields(record):
        if field.name == "raw":
            continue
        value = getattr(record, field.name)
        if isinstance(value, tuple):
            value = (", ".join(map(str, value)) or "none") if field.name == "fixes" else list(value)
        text = str(value) if value is not None else "—"
        first, *rest = text.split("\n") or [""]
        lines.append(f"  {field.name:<20} {first}")
        lines += [f"  {'':<20} {line}" for line in rest]
    return lines


def _decode_summary(document: Document | Article) -> str:
    fixes = ", ".join(document.fixes) or "none"
    return f"{document.text.count(chr(10)) + 1} lines decoded; fixes: {fixes}"


def _changes(before: Document | Article, after: Document | Article) -> list[str]:
    notes = []
    fixes = _added(before, after, "fixes")
    if fixes:
        notes.append(f"fixes added: {', '.join(fixes)}")
    removed = _added(before, after, "boilerplate_removed")
    if removed:
        notes.append(f"{len(removed)} boilerplate line{'s' * (len(removed) > 1)} removed")
    if type(before) is not type(after):
        notes.append(f"now an {type(after).__name__}: fields in the result below")
    else:
        changed = [
            f.name
            for f in dataclasses.fields(after)
            if f.name not in _SHOWN_SPECIALLY and getattr(before, f.name) != getattr(after, f.name)
        ]
        notes += [f"{name} = {_short(getattr(after, name))}" for name in changed]
    if before.text != after.text and not notes:
        layout_only = _non_blank(before.text) == _non_blank(after.text)
        notes.append("blank lines tidied" if layout_only else "text changed")
    return notes


def _added(before: Any, after: Any, name: str) -> tuple[str, ...]:
    old, new = getattr(before, name, ()), getattr(after, name, ())
    return tuple(new[len(old) :]) if new[: len(old)] == old else tuple(new)


def _non_blank(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def is_gzip(data: bytes) -> bool:
    """Whether the input is gzip-compressed (decode inflates it)."""
    return data.startswith(GZIP_MAGIC)


def _heading(name: str, summary: str) -> str:
    return f"━━ {name} ━━ {summary}".rstrip()

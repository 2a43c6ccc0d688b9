"""``scrapeclean explain FILE``: one document through decode and every stage of the run, and
stage by stage what changed: a unified diff of the text, fixes added, lines removed, then the
resulting Article (with the split it would get) or Reject.

No Beam and no output folder: the same functions the pipeline wraps (``DOCUMENT_STAGES``, then
the corpus steps that judge one article alone), so what this shows is what a run does to that
document. The corpus steps that compare documents (site lines, dedup) are named, not judged.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from scrapeclean.pipeline.tools.explain_diff import diff_text, listing, visible
from scrapeclean.pipeline.tools.explain_input import locate, read_target
from scrapeclean.pipeline.tools.output_reader import preview_bytes
from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.corpus.record_steps import CROSS_DOCUMENT_STEPS, record_steps
from scrapeclean.transforms.records import Article, Document, Reject
from scrapeclean.transforms.text.boilerplate import removal_reasons
from scrapeclean.transforms.text.stages import Step, bind_stages, stage_steps

# Without --full: what a terminal page can hold per part (a 148 KB page listed ~3,900 lines).
MAX_LISTED_LINES = 60  # of the decoded or extracted text
MAX_DIFF_LINES = 80  # of one stage's diff
MAX_VALUE_LINES = 20  # of one field of the result
_SHOWN_SPECIALLY = {
    *("text", "raw", "fixes", "boilerplate_removed", "is_html", "summary_known"),
    *("extracted", "line_roles"),
}
# The reader's and the stages' working fields, not output.
_INTERNAL = {"raw", "is_html", "summary_known", "extracted", "line_roles"}
_CORPUS_STEPS = ("quality", "language_filter", "split")


def run(
    file: str,
    config: RunConfig,
    input_format: str = "auto",
    record: int | None = None,
    full: bool = False,
    beam_args: Sequence[str] = (),
) -> int:
    """Explain one document on stdout (``file``: a path, a ``source`` as a run wrote it, e.g.
    ``crawl.jsonl#L39``; ``record``: the N-th record of a JSONL or WARC file), coloured when
    stdout is a terminal; exit status 0. On a store (s3://...), ``beam_args`` are Beam's options
    to reach it."""
    read = read_target(locate(file, record, input_format, beam_args), config)
    cross = [name for name in CROSS_DOCUMENT_STEPS if getattr(config, name).enabled]
    steps = trace(read.record, config)
    why = removed_because(steps, config)
    lines = render(steps, read.described, sys.stdout.isatty(), full, cross, why)
    print(lines, end="")
    return 0


def trace(record: Document | Reject, config: RunConfig) -> list[Step]:
    """Decode, each stage in order, then the corpus steps that judge one article alone, until
    the first reject; every record kept.

    The same loop the run uses (``text.stages.stage_steps``), in this process: a stage that
    raises shows its traceback and its ``internal_error`` reject.
    """
    steps = [Step("decode", None, record), *stage_steps(record, bind_stages(config))]
    if isinstance(steps[-1].after, Article):
        corpus = record_steps(config.quality, config.language_filter, config.split)
        steps += stage_steps(steps[-1].after, corpus)
    return steps


def removed_because(steps: list[Step], config: RunConfig) -> tuple[str, ...]:
    """Why the boilerplate stage removed each line it removed, in order ("catalog", the line
    model's "chrome 0.97", ...), so the listing can say it beside each line."""
    for step in steps:
        if step.name == "boilerplate" and isinstance(step.before, Document) and not step.error:
            return tuple(removal_reasons(step.before, config.boilerplate))
    return ()


def render(
    steps: list[Step],
    described: str,
    color: bool,
    full: bool = False,
    cross_document: list[str] | None = None,
    reasons: Sequence[str] = (),
) -> str:
    """The whole explanation as text: a header, one block per stage, then the result.

    ``cross_document``: the enabled corpus steps that compare documents, named where a run
    takes them (before the per-article corpus steps); ``reasons``: why each line the
    boilerplate stage removed went (``removed_because``).
    """
    first = steps[0].after
    lines = [f"explain {first.source}", f"{described} · doc_id {first.doc_id}", ""]
    noted = not cross_document
    for step in steps:
        if not noted and step.name in _CORPUS_STEPS:
            lines, noted = lines + _cross_note(cross_document or []), True
        why = reasons if step.name == "boilerplate" else ()
        lines += render_step(step, color, full, why)
    if not noted and isinstance(steps[-1].after, Article):
        lines += _cross_note(cross_document or [])
    lines += render_result(steps[-1].after, full)
    if not full and any(line.startswith("  … ") for line in lines):
        lines += ["", "(… marks what was left out: --full shows everything)"]
    return "\n".join(lines) + "\n"


def _cross_note(names: list[str]) -> list[str]:
    return [
        _heading(
            ", ".join(names),
            "not judged here: these steps compare documents across the corpus (a run may "
            "remove site lines here, or drop this document as a duplicate)",
        ),
        "",
    ]


def render_step(
    step: Step, color: bool, full: bool = False, reasons: Sequence[str] = ()
) -> list[str]:
    """One stage: what it added or removed (each removed line with its reason, when given),
    and the diff of the text it changed."""
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
    most = None if full else MAX_LISTED_LINES
    if step.before is None:  # decode: the starting text
        return [_heading(step.name, _decode_summary(after)), *_listed(after.text, most), ""]
    notes = _changes(step.before, after)
    if getattr(step.before, "is_html", False) and not getattr(after, "is_html", True):
        # markup to text: a diff would list every line of markup as removed
        markup = step.before.text.count("\n") + 1
        notes.insert(0, f"text extracted from {markup:,} lines of markup")
        return [_heading(step.name, "; ".join(notes)), *_listed(after.text, most), ""]
    lines = [_heading(step.name, "; ".join(notes) if notes else "no change")]
    removed = _added(step.before, after, "boilerplate_removed")
    why = reasons if len(reasons) == len(removed) else ("",) * len(removed)
    lines += [
        f"  - {visible(line)}" + (f"   [{reason}]" if reason else "")
        for line, reason in zip(removed, why, strict=True)
    ]
    moved = after if isinstance(after, Article) and not isinstance(step.before, Article) else None
    diff = diff_text(step.before.text, after.text, step.name, color, moved)
    if not full and len(diff) > MAX_DIFF_LINES:
        diff = [*diff[:MAX_DIFF_LINES], f"  … {len(diff) - MAX_DIFF_LINES:,} more diff lines"]
    return [*lines, *diff, ""]


def _listed(text: str, most: int | None) -> list[str]:
    return listing(text, most if most is not None else text.count("\n") + 1)


def render_result(record: Document | Article | Reject, full: bool = False) -> list[str]:
    """The final record's fields as a user reads them, multi-line values indented."""
    lines = [_heading(f"result: {type(record).__name__}", "")]
    for field in dataclasses.fields(record):
        if field.name in _INTERNAL:
            continue
        value = getattr(record, field.name)
        listed = field.name == "boilerplate_removed"  # one removed line per line
        first, *rest = (shown(value, "\n" if listed else ", ") or "none").split("\n")
        if not full and len(rest) >= MAX_VALUE_LINES:
            rest = [
                *rest[: MAX_VALUE_LINES - 1],
                f"… {len(rest) - MAX_VALUE_LINES + 1:,} more lines",
            ]
        lines.append(f"  {field.name:<20} {first}")
        lines += [f"  {'':<20} {line}".rstrip() for line in rest]
    return lines


def shown(value: Any, separator: str = ", ") -> str:
    """A value as a user reads it: a time in ISO form, a list joined, nothing as "—"."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, tuple | list):
        return separator.join(shown(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


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
        notes += [f"{name}: {_short(getattr(after, name))}" for name in changed]
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
    text = shown(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:59] + "…"


def _heading(name: str, summary: str) -> str:
    return f"━━ {name} ━━ {summary}".rstrip()

"""``scrapeclean inspect OUTDIR``: print a few articles (or rejects) of an output as plain text.

For eyeballing an output from a terminal: each record's parts, repairs and removed lines, with
``--where`` filters over any column (plus ``site``). Reads record batches lazily and stops at
the limit, so it answers quickly on a large output.
"""

from __future__ import annotations

import math
import re
import shutil
import sys
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import ge, gt, le, lt
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

from scrapeclean.pipeline.tools.explain_diff import printable, symbol
from scrapeclean.pipeline.tools.output_reader import (
    ARTICLES,
    REJECTS,
    column_names,
    open_dataset,
    open_output,
    preview_bytes,
)
from scrapeclean.transforms.corpus.sitelines import site_of
from scrapeclean.transforms.errors import UsageError

BODY_CHARS = 300
RAW_CHARS = 400
SITE = "site"  # derived: the URL host, else the input folder (as in the report)
# Two-character operators first: "n_words>=3" is >= 3, not > "=3".
_WHERE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|!=|<|>|=|~)(.*)$", re.DOTALL)
_ORDER = {"<": lt, ">": gt, "<=": le, ">=": ge}
_LABEL_WIDTH = 10


@dataclass(frozen=True, slots=True)
class Condition:
    """One --where term: ``column=value`` (equal), ``column!=value`` (not equal),
    ``column~text`` (contains, any case), or ``<``, ``>``, ``<=``, ``>=`` a number on a numeric
    column (a null never compares)."""

    column: str
    operator: str
    value: str

    def matches(self, row: dict[str, Any]) -> bool:
        """Whether a row satisfies the term; a list column matches when any element does (for
        ``!=``: when none equals the value)."""
        value = row.get(self.column)
        if self.operator in _ORDER:
            return value is not None and _ORDER[self.operator](value, float(self.value))
        values = value if isinstance(value, list) else [value]
        if self.operator == "!=":
            return not any(as_text(item) == self.value for item in values)
        return any(self._matches_one(as_text(item)) for item in values)

    def _matches_one(self, text: str) -> bool:
        if self.operator == "=":
            return text == self.value
        return self.value.casefold() in text.casefold()


def run(
    outdir: str,
    rejects: bool,
    where: Sequence[str],
    limit: int,
    beam_args: Sequence[str] = (),
) -> int:
    """Print the records of ``outdir`` (rejects with ``rejects``) matching every ``where`` term,
    at most ``limit``; exit status 0 even when none match. ``beam_args``: Beam's options for a
    store (--s3_endpoint_url, ...)."""
    output = open_output(outdir, beam_args)
    kind = REJECTS if rejects else ARTICLES
    dataset = open_dataset(output, kind)
    conditions = parse_where(list(where), column_names(dataset), kind, numeric_columns(dataset))
    if not output.complete:
        print("note: no _SUCCESS here: the run that wrote it did not finish", file=sys.stderr)
    render = format_reject if rejects else format_article
    width = min(100, shutil.get_terminal_size((100, 24)).columns)
    shown = 0
    more = False
    for row in matching_rows(dataset, conditions):
        if shown == limit:
            more = True
            break
        shown += 1
        print(render(row, shown, width))
    print(summary_line(kind, shown, more, list(where)))
    return 0


def parse_where(
    expressions: list[str], columns: list[str], kind: str, numeric: frozenset[str] = frozenset()
) -> list[Condition]:
    """Parse --where terms against the dataset's columns (``numeric``: those ``<`` and ``>``
    compare); a bad term is a one-line UsageError."""
    known = [*columns, SITE] if columns else []
    conditions = []
    for expression in expressions:
        match = _WHERE.match(expression)
        if not match:
            raise UsageError(
                f"--where {expression!r}: expected COLUMN=VALUE, COLUMN!=VALUE, COLUMN~TEXT or "
                "COLUMN<NUMBER (also >, <=, >=), e.g. reason=empty or n_words>100"
            )
        name, operator, value = match.groups()
        if name not in known:
            listed = ", ".join(known) or "none: the output has no " + kind
            raise UsageError(f"--where {expression!r}: no column {name!r} in {kind} ({listed})")
        if operator in _ORDER:
            _check_number(expression, name, operator, value.strip(), numeric)
        conditions.append(Condition(name, operator, value.strip()))
    return conditions


def _check_number(
    expression: str, name: str, operator: str, value: str, numeric: frozenset[str]
) -> None:
    if name not in numeric:
        listed = ", ".join(sorted(numeric)) or "none"
        raise UsageError(
            f"--where {expression!r}: {operator} compares numbers, and {name} is not a numeric "
            f"column ({listed}); use = or ~"
        )
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if math.isnan(number):
        raise UsageError(f"--where {expression!r}: {value!r} is not a number")


def numeric_columns(dataset: ds.Dataset | None) -> frozenset[str]:
    """The columns of whole or decimal numbers (``n_words``, ``schema_version``)."""
    if dataset is None:
        return frozenset()
    return frozenset(
        field.name
        for field in dataset.schema
        if pa.types.is_integer(field.type) or pa.types.is_floating(field.type)
    )


def matching_rows(
    dataset: ds.Dataset | None, conditions: list[Condition]
) -> Iterator[dict[str, Any]]:
    """Rows satisfying every condition, in dataset order, read one record batch at a time."""
    if dataset is None:
        return
    for batch in dataset.to_batches(batch_size=1024):
        for row in batch.to_pylist():
            row[SITE] = site_of(row.get("url"), row.get("source"))
            if all(condition.matches(row) for condition in conditions):
                yield row


def as_text(value: Any) -> str:
    """A cell as the text --where compares with: bytes decoded, None as the empty string."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def format_article(row: dict[str, Any], number: int, width: int) -> str:
    """An article as labelled, wrapped text blocks."""
    body = row.get("body") or ""
    excerpt = body if len(body) <= BODY_CHARS else body[:BODY_CHARS].rstrip() + " …"
    facts = "  ".join(
        f"{key} {row[key]}"
        for key in ("n_words", "language", "split", "published", "input_format")
        if row.get(key) is not None
    )
    lines = [_rule(f"{number}. {row.get('headline') or '(no headline)'}", width)]
    lines += _block("doc_id", row.get("doc_id"), width)
    lines += _block("source", one_line(row.get("source")), width)
    lines += _block("site", row.get(SITE), width)
    lines += _block("facts", facts, width)
    lines += _block("summary", row.get("summary"), width)
    lines += _block("lead", row.get("lead"), width)
    lines += _block("body", excerpt.replace("\n\n", " ¶ "), width)
    lines += _block("credits", row.get("credits"), width)
    lines += _block("fixes", ", ".join(row.get("fixes") or []) or "none", width)
    removed = row.get("boilerplate_removed") or []
    lines += _block("removed", "\n".join(f"- {line}" for line in removed) or "none", width)
    return "\n".join(lines) + "\n"


def format_reject(row: dict[str, Any], number: int, width: int) -> str:
    """A reject: where it came from, why, and the start of its raw bytes."""
    preview = preview_bytes(row.get("raw") or b"", RAW_CHARS)
    raw = preview.text if preview.text is not None else ""
    lines = [_rule(f"{number}. {row.get('reason')}", width)]
    lines += _block("source", one_line(row.get("source")), width)
    lines += _block("doc_id", row.get("doc_id") or "none", width)
    lines += _block("reason", row.get("reason"), width)
    lines += _block("detail", row.get("detail"), width)
    lines += _block("raw", f"({preview.note})", width)
    lines += [" " * (_LABEL_WIDTH + 1) + printable(line) for line in raw.splitlines()[:12]]
    return "\n".join(lines) + "\n"


def summary_line(kind: str, shown: int, more: bool, where: list[str]) -> str:
    """The closing line: how many were shown and whether more match."""
    condition = f" matching {' and '.join(where)}" if where else ""
    if shown == 0:
        return f"no {kind}{condition}"
    noun = kind if shown > 1 else kind.removesuffix("s")
    tail = "; more match (raise --limit)" if more else ""
    return f"{shown} {noun}{condition} shown{tail}"


def one_line(value: Any) -> Any:
    """A one-line field (a source path, a title) for printing: ``printable``, and a newline in
    it shown as ␊ instead of breaking the layout."""
    return printable(value).replace("\n", symbol("\n")) if isinstance(value, str) else value


def _block(label: str, value: Any, width: int) -> list[str]:
    """``label  text`` with the text wrapped and indented under itself; nothing when empty."""
    if value is None or value == "":
        return []
    room = max(20, width - _LABEL_WIDTH - 1)
    lines = [
        line
        for paragraph in printable(str(value)).split("\n")
        for line in textwrap.wrap(paragraph, room, break_on_hyphens=False) or [""]
    ]
    pad = " " * (_LABEL_WIDTH + 1)
    return [f"{label:<{_LABEL_WIDTH}} {lines[0]}", *(pad + line for line in lines[1:])]


def _rule(title: str, width: int) -> str:
    title = one_line(title)
    return f"── {title} " + "─" * max(3, width - len(title) - 4)

"""The closing table a run prints: documents in and out, each stage's counts and rejects per
reason, what the reader skipped, and what was written; every line within ``WIDTH`` columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapeclean.pipeline.job.run import RunSummary

# Columns: the table must not wrap in a 100-column terminal or CI log view (a path longer than
# a line is the one exception: it is never split).
WIDTH = 100
_COUNT = 10  # the in and out columns: up to 999,999,999 with thousands separators
_SKIPPED = {
    "warc_records_skipped": ("WARC record", "not HTML responses"),
    "jsonl_blank_lines": ("blank JSONL line", "not documents"),
}


def format_summary(summary: RunSummary) -> str:
    """The closing table, counts with thousands separators (as the progress line has them)."""
    lines = [
        f"scrapeclean: {summary.documents_in:,} documents -> {summary.articles:,} articles, "
        f"{summary.rejects:,} rejects in {summary.seconds:,.1f} s",
        f"  {'stage':<16}{'in':>{_COUNT}}{'out':>{_COUNT}}  rejected",
    ]
    for name, counts in summary.stages.items():
        row = f"  {name:<16}{counts['in']:>{_COUNT},}{counts['out']:>{_COUNT},}  "
        lines += pack(row, _counted(counts["rejected"]))  # type: ignore[arg-type]
    skipped = _skipped(summary.stages.get("read", {}))
    if skipped:
        lines += pack("  read also skipped: ", skipped)
    lines += pack("  rejects by reason: ", _counted(summary.rejects_by_reason) or ["none"])
    written = ["manifest.json", "README.md"]
    if not summary.reject_rate_exceeded:
        written.append("_SUCCESS")
    # the folder on a line of its own: a path is one word, the list wraps on its own
    lines.append(f"scrapeclean: wrote {summary.output}/")
    lines += pack("  ", ["articles/*.parquet", "rejects/*.parquet", *written])
    return "\n".join(lines)


def pack(prefix: str, items: Sequence[str], width: int = WIDTH) -> list[str]:
    """``prefix`` then the items joined by ", ", continued under the first item where a line
    would pass ``width`` (an item is never split; one longer than the room stands alone)."""
    lines: list[str] = []
    line = prefix
    for index, item in enumerate(items):
        piece = item + ("," if index < len(items) - 1 else "")
        fresh = len(line) == len(prefix)
        if not fresh and len(line) + 1 + len(piece) > width:
            lines.append(line)
            line, fresh = " " * len(prefix), True
        line += piece if fresh else f" {piece}"
    lines.append(line.rstrip())
    return lines


def _counted(counts: dict[str, int]) -> list[str]:
    return [f"{name} {count:,}" for name, count in counts.items()]


def _skipped(read: dict[str, object]) -> list[str]:
    shown = []
    for key, (noun, why) in _SKIPPED.items():
        count = read.get(key) or 0
        if isinstance(count, int) and count:
            shown.append(f"{count:,} {noun}{'s' * (count != 1)} ({why})")
    return shown

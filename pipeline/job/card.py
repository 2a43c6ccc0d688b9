"""The dataset card: ``README.md`` in a finished output, in the Hugging Face dataset-card format.

Its YAML header declares the configs (``articles``, the default, one split per ``part-<split>-…``
file set; ``rejects``) with ``data_files`` that select files, so ``datasets.load_dataset(OUT)``
returns the splits with every row; its body says what the data is, from the manifests. It is
rebuilt from what is on disk after every run (plain or incremental); a README.md that is not
ours is never overwritten.
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pyarrow as pa
import yaml

from scrapeclean.pipeline.job.config import config_as_dict
from scrapeclean.pipeline.job.manifest import committed_manifests
from scrapeclean.pipeline.job.outputdir import CARD, join, list_files, read_json
from scrapeclean.pipeline.job.store import is_remote, put, read
from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.schema import ARTICLE_SCHEMA, REJECT_SCHEMA

_LOG = logging.getLogger(__name__)
MARKER = "<!-- scrapeclean dataset card: rewritten after every run, edits are lost -->"
# part-SSSSS-of-NNNNN[-token].parquet, or part-<split>-SSSSS-… (transforms/beam/write.py), and
# a plain run's token when published (pipeline/job/outputdir.py)
_PART = re.compile(
    r"^part-(?:(?P<split>\w+?)-)?\d{5}-of-\d{5}(?:-[0-9a-f]{8})?(?:-[0-9a-f]{12})?\.parquet$"
)
UNSPLIT = "unsplit"  # the files of runs made with the split step off, beside split ones
MAX_LISTED = 20  # rows of a languages or inputs table; the rest is summed up in one row
COLUMN_NOTES = {
    "doc_id": "stable id: the same input gives the same id on every run",
    "source": "input file; `path#L<n>` for a JSONL line, `path#<offset>` for a WARC record",
    "url": "the page URL when known",
    "headline": "the article's headline",
    "summary": "dek / standfirst / description above the article",
    "lead": "the first paragraph of the body",
    "body": "the paragraphs after the lead, joined by a blank line",
    "credits": "attribution lines taken out of the body",
    "published": "publication time when the input states it",
    "language": "ISO 639-1 code of the text",
    "split": "train / validation / test from a hash of doc_id (never moves on a re-run)",
    "n_words": "words in lead + body",
    "content_hash": "hash of the normalised text, equal for exact duplicates",
    "fixes": "text repairs applied",
    "boilerplate_removed": "every line taken out as boilerplate, verbatim",
    "input_format": "text, html, jsonl or warc",
    "schema_version": "version of this schema",
    "reason": "why it is not an article: a stable snake_case code",
    "detail": "a readable explanation (for duplicates: the surviving doc_id)",
    "raw": "the input bytes as read, capped",
}


def write_card(output: str) -> bool:
    """Write OUT/README.md from the output's manifests and files; False when a README.md that
    is not ours is in the way (it is left as it is, and a warning says so)."""
    path = join(output, CARD)
    found = read(path)
    if found is not None and MARKER not in found.decode("utf-8", errors="replace"):
        _LOG.warning("%s is not a scrapeclean dataset card; left as it is, no card written", path)
        return False
    manifests = run_manifests(output)
    if not manifests:
        return False
    put(path, render_card(output, manifests).encode("utf-8"))  # whole, as the manifest
    return True


def run_manifests(output: str) -> list[dict[str, Any]]:
    """The manifests the output holds: every committed run's (incremental), or manifest.json."""
    committed = committed_manifests(output)
    if committed:
        return committed
    plain = read_json(join(output, "manifest.json"))
    return [plain] if plain is not None else []


def article_splits(output: str, names: Iterable[str]) -> dict[str, str]:
    """Each split's ``data_files`` pattern, from the article files in the output, ``names``
    first.

    Files named without a split (the split step off) are one ``train`` split, or ``unsplit``
    beside split ones (an incremental output whose runs differed).
    """
    found: set[str] = set()
    unlabeled = False
    for file in list_files(join(output, "articles")):
        if not file.endswith(".parquet"):
            continue
        match = _PART.match(posixpath.basename(file))
        if match and match["split"]:
            found.add(match["split"])
        else:
            unlabeled = True
    if not found:
        return {"train": "articles/**/*.parquet"}
    ordered = [name for name in names if name in found] + sorted(found - set(names))
    patterns = {name: f"articles/**/part-{name}-*.parquet" for name in ordered}
    if unlabeled:
        patterns[UNSPLIT] = "articles/**/part-[0-9]*.parquet"
    return patterns


def render_card(output: str, manifests: list[dict[str, Any]]) -> str:
    """The whole card: the YAML header, then the body."""
    latest = manifests[-1]
    split_config = latest["config"]["split"]
    patterns = article_splits(output, split_config["names"] if split_config["enabled"] else ())
    counts = split_counts(manifests)
    # datasets refuses a declared split without rows ("corresponds to no data"); files of runs
    # without the split step (UNSPLIT) are not counted per split
    patterns = {
        name: path for name, path in patterns.items() if name == UNSPLIT or counts.get(name, 0) > 0
    } or patterns
    languages = _summed(manifests, "languages")
    header = {
        "pretty_name": _name(output),
        "configs": [
            {
                "config_name": "articles",
                "default": True,
                "data_files": [{"split": s, "path": p} for s, p in patterns.items()],
            },
            {
                "config_name": "rejects",
                "data_files": [{"split": "train", "path": "rejects/**/*.parquet"}],
            },
        ],
        **({"language": sorted(set(languages) - {"unknown"})} if len(languages) > 1 else {}),
        "tags": ["scrapeclean"],
    }
    body = [
        *_summary(output, manifests),
        *_splits_section(counts, patterns, latest["config"]),
        *_counts_table("Languages", "language", "articles", languages),
        *_counts_table("Rejects", "reason", "documents", _summed(manifests, "rejects_by_reason")),
        *_provenance(manifests),
        *_schema_section(latest),
    ]
    front = yaml.safe_dump(header, sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n{MARKER}\n\n" + "\n".join(body)


def _name(output: str) -> str:
    """The output's own name: its folder's, or its prefix's last part on a store."""
    location = output if is_remote(output) else os.path.realpath(output)
    return posixpath.basename(location.rstrip("/"))


def _summary(output: str, manifests: list[dict[str, Any]]) -> list[str]:
    counts = _summed(manifests, "counts")
    version = manifests[-1]["versions"].get("scrapeclean", "?")
    runs = f"{len(manifests)} incremental runs, the last" if len(manifests) > 1 else "one run,"
    where = output if is_remote(output) else os.path.realpath(output)
    return [
        f"# {_name(output)}",
        "",
        f"Articles cleaned from scraper output by scrapeclean {version}: one row per article "
        "(headline, summary, lead, body, credits, metadata), and in `rejects` every input "
        "document that did not become one, with a reason code.",
        "",
        f"**{counts['articles']:,} articles** and {counts['rejects']:,} rejects from "
        f"{counts['documents_in']:,} input documents; {runs} finished "
        f"{manifests[-1]['timings']['finished']}.",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        f'articles = load_dataset("{where}")  # a DatasetDict of the splits below',
        f'rejects = load_dataset("{where}", "rejects")',
        "```",
        "",
        "pyarrow, DuckDB and Spark read the Parquet folders `articles/` and `rejects/` as they "
        "are (Hive-style sub-folders where there are any).",
        "",
    ]


def split_counts(manifests: list[dict[str, Any]]) -> dict[str, int]:
    """Articles per split over every run; all of them in ``train`` when no run split them."""
    return _summed(manifests, "splits") or {"train": _summed(manifests, "counts")["articles"]}


def _splits_section(
    counts: dict[str, int], patterns: dict[str, str], config: dict[str, Any]
) -> list[str]:
    split_config, partition_by = config["split"], config["output"]["partition_by"]
    lines = ["## Splits", "", "| split | articles | files |", "|---|---:|---|"]
    for name, pattern in patterns.items():
        shown = f"{counts[name]:,}" if name in counts else "—"
        lines.append(f"| {name} | {shown} | `{pattern}` |")
    names = split_config["names"] if split_config["enabled"] else ()
    empty = [name for name in names if not counts.get(name)]
    if empty:
        lines.append(f"| {', '.join(empty)} | 0 | (not declared: no rows) |")
    if split_config["enabled"]:
        shares = ", ".join(
            f"{name} {share:.0%}"
            for name, share in zip(split_config["names"], split_config["fractions"], strict=True)
        )
        note = (
            f"Each article's split comes from a hash of its `doc_id` ({shares}): a document "
            "never moves to another split on a re-run. "
            + (
                "The `split` column lives in the folder names (`output.partition_by`), so the "
                "loaded rows have none: a row's split is the dataset split it loads into."
                if "split" in partition_by
                else "Rows keep their `split` column."
            )
        )
    else:
        note = "The split step was off: every article is in `train`."
    return [*lines, "", note, ""]


def _counts_table(title: str, key: str, noun: str, counts: dict[str, int]) -> list[str]:
    if not counts:
        return [f"## {title}", "", "none", ""]
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    lines = [f"## {title}", "", f"| {key} | {noun} |", "|---|---:|"]
    lines += [f"| {name} | {count:,} |" for name, count in ranked[:MAX_LISTED]]
    rest = ranked[MAX_LISTED:]
    if rest:
        lines.append(f"| {len(rest)} more | {sum(count for _, count in rest):,} |")
    return [*lines, ""]


def _provenance(manifests: list[dict[str, Any]]) -> list[str]:
    latest = manifests[-1]
    inputs = [pattern for manifest in manifests for pattern in manifest["inputs"]]
    shown = ", ".join(f"`{pattern}`" for pattern in inputs[:MAX_LISTED])
    more = f" and {len(inputs) - MAX_LISTED:,} more" if len(inputs) > MAX_LISTED else ""
    changed = _config_changes(latest["config"])
    lines = [
        "## How it was made",
        "",
        f"- inputs: {shown}{more} (format: {latest['input_format']})",
        "- config: "
        + ("the defaults" if not changed else "the defaults, except:")
        + (" (the latest run's)" if len(manifests) > 1 else ""),
        *(f"  - `{key}: {json.dumps(value)}`" for key, value in changed),
        "- the full resolved config, counts per stage and timings: `manifest.json`"
        + (" (`manifests/<run_id>.json` per run)" if len(manifests) > 1 else ""),
        "",
        "| package | version |",
        "|---|---|",
        *(f"| {name} | {version} |" for name, version in latest["versions"].items()),
        "",
    ]
    return lines


def _config_changes(config: dict[str, Any]) -> list[tuple[str, Any]]:
    """``(section.key, value)`` for every key that differs from the defaults."""
    defaults = config_as_dict(RunConfig())
    changed = []
    for section, values in config.items():
        for key, value in values.items():
            default = defaults.get(section, {}).get(key)
            if _plain(value) != _plain(default):
                changed.append((f"{section}.{key}", value))
    return changed


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value))  # tuples and lists compare alike


def _schema_section(latest: dict[str, Any]) -> list[str]:
    partitioned = latest["config"]["output"]["partition_by"]
    lines = [f"## Schema (version {latest['schema_version']})", ""]
    for name, schema in (("articles", ARTICLE_SCHEMA), ("rejects", REJECT_SCHEMA)):
        lines += [f"`{name}`:", "", "| column | type | meaning |", "|---|---|---|"]
        lines += [
            f"| {field.name} | {_type(field)} | {COLUMN_NOTES.get(field.name, '')} |"
            for field in schema
        ]
        lines.append("")
    if partitioned:
        lines.append(
            f"`{', '.join(partitioned)}` live in the folder names (`articles/"
            f"{partitioned[0]}=…/`), not in the files, as Hive, Spark and pyarrow write them."
        )
        lines.append("")
    return lines


def _type(field: pa.Field) -> str:
    kind = "list of string" if pa.types.is_list(field.type) else str(field.type)
    return kind if field.nullable else f"{kind}, not null"


def _summed(manifests: list[dict[str, Any]], key: str) -> dict[str, int]:
    total: Counter[str] = Counter()
    for manifest in manifests:
        for name, value in manifest.get(key, {}).items():
            if not isinstance(value, bool):  # counts.balanced
                total[name] += value
    return dict(total)

"""Score scrapeclean's output on a labelled text-dump corpus (see make_textdump_corpus.py).

By default it runs the real command line on the corpus into a temporary directory::

    <python> -m scrapeclean.pipeline.cli.main run --input 'CORPUS/*.txt' --output TMP [-- args]

or it reads an existing output directory with ``--output``. Rows from ``articles/*.parquet``
and ``rejects/*.parquet`` are matched to labels by the basename of their ``source`` column.

Reported: exact-match rates for headline, summary, lead and credits; bag-of-words F1 of the
body (micro over all documents); the share of inserted boilerplate lines that leaked into any
output text column; and the number of documents with mojibake left in them. A rejected or
missing document is wrong on every field. Texts are compared after NFC and collapsing runs of
spaces; credits also ignore blank lines between credit lines. A null expected summary or
credits matches only a null output.

``--check`` exits 1 unless headline >= 0.98, lead >= 0.98, summary >= 0.95, body F1 >= 0.99,
leak rate <= 0.005 and mojibake residue == 0. Exit 2 means bad usage or a failed pipeline run.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import ftfy.badness

REPO_ROOT = Path(__file__).resolve().parents[1]
LABELS_NAME = "labels.jsonl"
TEXT_COLUMNS = ("headline", "summary", "lead", "body", "credits")
EXACT_FIELDS = ("headline", "summary", "lead", "credits")
DUPLICATE_REASONS = frozenset({"duplicate", "near_duplicate"})
MOJIBAKE_MARKERS = (
    "â€",
    "Ã©",
    "Ã¨",
    "Ã¼",
    "Ã¶",
    "Ã¤",
    "Ã£",
    "Ã§",
    "Ã³",
    "Ã¡",
    "Ã\u00ad",
    "Ã˜",
    "Ã…",
    "Å¡",
    "Ä\x8d",
    "Â ",
    "Â\u00a0",
    "\ufffd",
)
THRESHOLDS = {
    "headline": (">=", 0.98),
    "lead": (">=", 0.98),
    "summary": (">=", 0.95),
    "body_f1": (">=", 0.99),
    "leak_rate": ("<=", 0.005),
    "mojibake_residue": ("<=", 0),
}
MAX_SHOWN = 15
SHOWN_CHARS = 100

_SPACE_RUN = re.compile(r" {2,}")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]{0,500})?/?>")
_LOOSE_SPACE = re.compile(r"[\s\u00a0\u200b\ufeff]+")


class PipelineError(RuntimeError):
    """The scrapeclean command line failed or wrote no output."""


def normalize(text: str | None, *, credits: bool = False) -> str | None:
    """Normalise a field for comparison: NFC, runs of spaces collapsed, lines trimmed.

    Credits also lose blank lines between their lines. None stays None.
    """
    if text is None:
        return None
    text = _SPACE_RUN.sub(" ", unicodedata.normalize("NFC", text))
    text = "\n".join(line.strip(" ") for line in text.split("\n")).strip("\n")
    return _BLANK_LINES.sub("\n", text) if credits else text


def loose(text: str) -> str:
    """Fold text for leak detection: entities decoded, tags and odd spaces gone, NFC."""
    text = _TAG.sub("", _ENTITY.sub(lambda m: html.unescape(m.group()), text))
    return _LOOSE_SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def is_reject(row: dict[str, Any] | None) -> bool:
    """Tell whether a row is a reject (it has a ``reason``) rather than an article."""
    return row is not None and row.get("reason") is not None


def has_mojibake(text: str | None) -> bool:
    """Tell whether text shows typical mojibake or ftfy's badness check flags it."""
    if not text:
        return False
    return any(marker in text for marker in MOJIBAKE_MARKERS) or ftfy.badness.is_bad(text)


def words(text: str | None) -> Counter[str]:
    """Return the bag of whitespace-separated words of a normalised text."""
    return Counter((normalize(text) or "").split())


def truncate(text: str | None) -> str:
    """Show a value compactly for a mismatch listing."""
    if text is None:
        return "None"
    flat = text.replace("\n", "\\n")
    return flat if len(flat) <= SHOWN_CHARS else flat[: SHOWN_CHARS - 1] + "…"


def field_matches(field: str, expected: str | None, got: str | None) -> bool:
    """Compare one exact field after normalisation; None matches only None."""
    is_credits = field == "credits"
    return normalize(expected, credits=is_credits) == normalize(got, credits=is_credits)


def count_leaks(inserted: Iterable[str], row: dict[str, Any] | None) -> int:
    """Count inserted boilerplate lines found in the row's text columns (each at most once)."""
    if row is None or is_reject(row):
        return 0
    haystack = loose("\n".join(str(row.get(c) or "") for c in TEXT_COLUMNS))
    per_line = Counter(loose(line) for line in inserted)
    return sum(min(n, haystack.count(needle)) for needle, n in per_line.items() if needle)


def rate(hits: int, total: int) -> float:
    """Return hits / total, or 0.0 when there is nothing to count."""
    return hits / total if total else 0.0


def group_keys(label: dict[str, Any]) -> list[str]:
    """Return the breakdown groups a file belongs to: its layout order and each noise kind."""
    layout = label.get("layout") or {}
    keys = [f"layout={layout.get('order', '?')}", f"sep={layout.get('paragraph_sep', '?')}"]
    return keys + [f"noise={kind}" for kind in label.get("noise") or ["none"]]


def score(
    rows_by_file: dict[str, dict[str, Any]],
    labels: list[dict[str, Any]],
    *,
    ignore_duplicate_rejects: bool = False,
) -> dict[str, Any]:
    """Score output rows (keyed by file basename) against corpus labels.

    A row with a ``reason`` key is a reject; a file without a row is missing. Both count as
    wrong on every field. With ``ignore_duplicate_rejects``, files rejected as ``duplicate`` or
    ``near_duplicate`` are left out of every rate (the corpus repeats its articles).
    Returns the metrics, per-group exact rates and every mismatch.
    """
    hits = Counter[str]()
    overlap = predicted = expected_words = leaked = inserted = residue = 0
    mismatches: dict[str, list[dict[str, Any]]] = {f: [] for f in (*EXACT_FIELDS, "body")}
    groups: dict[str, Counter[str]] = {}
    reasons = Counter[str]()
    skipped: list[str] = []
    scored = 0
    for label in labels:
        row = rows_by_file.get(label["file"])
        if is_reject(row):
            reasons[str(row.get("reason"))] += 1
            if ignore_duplicate_rejects and row.get("reason") in DUPLICATE_REASONS:
                skipped.append(label["file"])
                continue
        scored += 1
        article = None if row is None or is_reject(row) else row
        got = article or {}
        all_exact = True
        for field in EXACT_FIELDS:
            ok = article is not None and field_matches(field, label[field], got.get(field))
            hits[field] += ok
            all_exact &= ok
            if not ok:
                mismatches[field].append(mismatch(label, field, got.get(field), row))
        want, have = words(label["body"]), words(got.get("body"))
        common = sum((want & have).values())
        overlap, predicted = overlap + common, predicted + sum(have.values())
        expected_words += sum(want.values())
        if normalize(label["body"]) != normalize(got.get("body")) or article is None:
            mismatches["body"].append(mismatch(label, "body", got.get("body"), row))
        inserted += len(label.get("boilerplate") or ())
        leaked += count_leaks(label.get("boilerplate") or (), article)
        residue += article is not None and any(has_mojibake(got.get(c)) for c in TEXT_COLUMNS)
        for key in group_keys(label):
            groups.setdefault(key, Counter())["files"] += 1
            groups[key]["all_exact"] += all_exact
    precision, recall = rate(overlap, predicted), rate(overlap, expected_words)
    matched = [rows_by_file.get(label["file"]) for label in labels]
    return {
        "files": len(labels),
        "scored": scored,
        "articles": sum(row is not None and not is_reject(row) for row in matched),
        "rejects": sum(is_reject(row) for row in matched),
        "missing": sum(row is None for row in matched),
        "skipped_duplicates": skipped,
        "reject_reasons": dict(reasons.most_common()),
        **{field: rate(hits[field], scored) for field in EXACT_FIELDS},
        "body_precision": precision,
        "body_recall": recall,
        "body_f1": rate(2 * precision * recall, precision + recall),
        "boilerplate_inserted": inserted,
        "boilerplate_leaked": leaked,
        "leak_rate": rate(leaked, inserted),
        "mojibake_residue": residue,
        "groups": {key: rate(c["all_exact"], c["files"]) for key, c in sorted(groups.items())},
        "mismatches": mismatches,
    }


def mismatch(
    label: dict[str, Any], field: str, got: str | None, row: dict[str, Any] | None
) -> dict[str, Any]:
    """Describe one wrong field: file, expected, what came out (or why nothing did)."""
    if row is None:
        got = "<missing: no output row>"
    elif is_reject(row):
        got = f"<rejected: {row.get('reason')}>"
    return {"file": label["file"], "expected": label.get(field), "got": got}


def check(metrics: dict[str, Any]) -> list[str]:
    """Return the thresholds the metrics fail, as readable lines (empty when all pass)."""
    failures = []
    for name, (op, bound) in THRESHOLDS.items():
        value = metrics[name]
        ok = value >= bound if op == ">=" else value <= bound
        if not ok:
            failures.append(f"{name} {value:.4g} (needs {op} {bound})")
    return failures


def load_labels(corpus: Path) -> list[dict[str, Any]]:
    """Read labels.jsonl from a corpus directory."""
    with (corpus / LABELS_NAME).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def source_basename(source: str) -> str:
    """Return the file name in a ``source`` value (a path, URL, ``path#L3`` or ``path#123``)."""
    return source.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def read_rows(output: Path) -> tuple[dict[str, dict[str, Any]], int]:
    """Read articles and rejects Parquet into rows keyed by source basename.

    Returns the rows and how many extra rows shared a source with an earlier one (kept first).
    """
    import pyarrow.parquet as pq

    if not any((output / kind).is_dir() for kind in ("articles", "rejects")):
        raise PipelineError(f"{output} has no articles/ or rejects/ directory")
    rows: dict[str, dict[str, Any]] = {}
    extra = 0
    for kind in ("articles", "rejects"):
        for path in sorted((output / kind).glob("*.parquet")):
            names = [n for n in pq.read_schema(path).names if n != "raw"]
            for row in pq.read_table(path, columns=names).to_pylist():
                key = source_basename(str(row.get("source") or ""))
                extra += key in rows
                rows.setdefault(key, {**row, "_kind": kind})
    return rows, extra


def run_pipeline(
    corpus: Path, output: Path, python: str, extra: Sequence[str], timeout: float
) -> None:
    """Run the scrapeclean CLI on the corpus; raise PipelineError if it fails."""
    command = [
        python,
        "-m",
        "scrapeclean.pipeline.cli.main",
        "run",
        "--input",
        str(corpus / "*.txt"),
    ]
    command += ["--output", str(output), *extra]
    print("running:", " ".join(command), file=sys.stderr)
    try:
        done = subprocess.run(
            command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PipelineError(f"could not run the pipeline: {error}") from None
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-20:])
        raise PipelineError(f"pipeline exited {done.returncode}:\n{tail}")
    if not (output / "_SUCCESS").exists():
        print("warning: no _SUCCESS in the output directory", file=sys.stderr)


def format_report(metrics: dict[str, Any], verbose: bool) -> str:
    """Render the metrics as a short text report, with mismatches when verbose."""
    m = metrics
    lines = [
        f"files {m['files']}  articles {m['articles']}  rejects {m['rejects']}  "
        f"missing {m['missing']}",
    ]
    if m["reject_reasons"]:
        reasons = ", ".join(f"{k}={v}" for k, v in m["reject_reasons"].items())
        lines.append(f"reject reasons: {reasons}")
    if m["skipped_duplicates"]:
        lines.append(f"left out (duplicate rejects): {len(m['skipped_duplicates'])}")
    lines += [f"{f + ' exact':<18}{m[f]:.4f}" for f in EXACT_FIELDS]
    lines += [
        f"{'body word F1':<18}{m['body_f1']:.4f}  "
        f"(P {m['body_precision']:.4f}  R {m['body_recall']:.4f})",
        f"{'boilerplate leak':<18}{m['leak_rate']:.4f}  "
        f"({m['boilerplate_leaked']}/{m['boilerplate_inserted']})",
        f"{'mojibake residue':<18}{m['mojibake_residue']} docs",
    ]
    if verbose:
        lines += ["", "all exact fields right, by group:"]
        lines += [f"  {key:<32}{value:.3f}" for key, value in m["groups"].items()]
        for field, items in m["mismatches"].items():
            lines += format_mismatches(field, items)
    return "\n".join(lines)


def format_mismatches(field: str, items: list[dict[str, Any]]) -> list[str]:
    """Render up to MAX_SHOWN mismatches of one field."""
    if not items:
        return []
    out = ["", f"{field}: {len(items)} mismatches (showing {min(len(items), MAX_SHOWN)})"]
    for item in items[:MAX_SHOWN]:
        out += [
            f"  {item['file']}",
            f"    expected: {truncate(item['expected'])}",
            f"    got:      {truncate(item['got'])}",
        ]
    return out


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Parse options; everything after a bare ``--`` is passed on to the pipeline CLI."""
    argv = list(argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Arguments after a bare -- go to `scrapeclean run` (e.g. -- --config eval.yaml).",
    )
    parser.add_argument("--corpus", type=Path, required=True, help="dir with labels.jsonl")
    parser.add_argument("--output", type=Path, help="existing scrapeclean output dir to score")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the CLI")
    parser.add_argument("--timeout", type=float, default=1800.0, help="pipeline timeout, s")
    parser.add_argument("--keep", action="store_true", help="keep the temporary output dir")
    parser.add_argument(
        "--ignore-duplicate-rejects",
        action="store_true",
        help="leave files rejected as duplicate/near_duplicate out of the rates",
    )
    parser.add_argument("--json", type=Path, help="also write the metrics as JSON here")
    parser.add_argument("--verbose", "-v", action="store_true", help="show mismatches")
    parser.add_argument("--check", action="store_true", help="exit 1 below the thresholds")
    args = parser.parse_args(own)
    if args.output is not None and extra:
        parser.error("arguments after -- only apply when the pipeline is run (no --output)")
    return args, extra


def collect_rows(args: argparse.Namespace, extra: list[str]) -> dict[str, dict[str, Any]]:
    """Get output rows from --output, or from a fresh pipeline run in a temporary dir."""
    if args.output is not None:
        rows, duplicated = read_rows(args.output)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="scrapeclean-score-"))
        try:
            run_pipeline(args.corpus.resolve(), workdir / "out", args.python, extra, args.timeout)
            rows, duplicated = read_rows(workdir / "out")
        finally:
            if args.keep:
                print(f"output kept in {workdir / 'out'}", file=sys.stderr)
            else:
                shutil.rmtree(workdir, ignore_errors=True)
    if duplicated:
        print(f"warning: {duplicated} rows repeat an earlier source", file=sys.stderr)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Score the corpus and print the report; return the exit status."""
    args, extra = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        labels = load_labels(args.corpus)
        rows = collect_rows(args, extra)
    except (OSError, PipelineError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    metrics = score(rows, labels, ignore_duplicate_rejects=args.ignore_duplicate_rejects)
    print(format_report(metrics, args.verbose))
    if args.json is not None:
        args.json.write_text(json.dumps(metrics, ensure_ascii=False, indent=2), encoding="utf-8")
    if not args.check:
        return 0
    failures = check(metrics)
    print("check: " + ("FAILED: " + "; ".join(failures) if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

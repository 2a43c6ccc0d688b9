"""Snapshot the line model's probabilities on every line it reads, and compare two snapshots.

A speed change to the line model's inference must not change what it decides (issue 24): the
probabilities of every line stay equal within 1e-9, so every threshold falls the same way.
Runs the whole chain on each input (as ``scripts/chain_snapshot.py`` does) and records each
call of ``linemodel.predict``: one JSON line per input with the probabilities of every line
the model read (JSON keeps a float's every digit). Standard library and scrapeclean only, so it
runs as a file against any installed version of scrapeclean.

Usage::

    python scripts/line_model_snapshot.py 'seeds/*' 'DIR/*.txt' --out before.jsonl
    python scripts/line_model_snapshot.py --compare before.jsonl after.jsonl
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

TOLERANCE = 1e-9  # far below any threshold's resolution: the same decisions on every line


def snapshot(patterns: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Per file the globs match (path order): the probability rows of every line the model
    read, one list per ``predict`` call (none when the model did not read the document)."""
    from scrapeclean.pipeline.job.config import load_config
    from scrapeclean.transforms.text import linemodel
    from scrapeclean.transforms.text.stages import clean_bytes

    config = load_config()
    calls: list[list[list[float]]] = []
    linemodel.predict = _recording(linemodel.predict, calls)  # boilerplate looks it up per call
    for path in sorted({path for pattern in patterns for path in glob.glob(pattern)}):
        calls.clear()
        input_format = "html" if path.removesuffix(".gz").endswith((".html", ".htm")) else "text"
        clean_bytes(Path(path).read_bytes(), path, input_format, config)
        yield {"source": path, "calls": list(calls)}


def _recording(predict: Callable[..., Any], calls: list[list[list[float]]]) -> Callable[..., Any]:
    def recording(*args: Any) -> Any:
        probabilities = predict(*args)
        calls.append([[float(p) for p in row] for row in probabilities])
        return probabilities

    return recording


def compare(before: Path, after: Path) -> int:
    """Print how many inputs and lines were compared and the largest difference; 1 when a file,
    a call or a line is missing or any probability differs by more than TOLERANCE."""
    old = [json.loads(line) for line in before.open(encoding="utf-8")]
    new = [json.loads(line) for line in after.open(encoding="utf-8")]
    if [row["source"] for row in old] != [row["source"] for row in new]:
        print("the snapshots cover different inputs")
        return 1
    lines, largest, differing = 0, 0.0, []
    for a, b in zip(old, new, strict=True):
        shape_a = [[len(row) for row in call] for call in a["calls"]]
        if shape_a != [[len(row) for row in call] for call in b["calls"]]:
            differing.append(a["source"])
            continue
        gaps = [
            abs(p - q)
            for call_a, call_b in zip(a["calls"], b["calls"], strict=True)
            for row_a, row_b in zip(call_a, call_b, strict=True)
            for p, q in zip(row_a, row_b, strict=True)
        ]
        lines += sum(len(call) for call in a["calls"])
        largest = max([largest, *gaps])
        if gaps and max(gaps) > TOLERANCE:
            differing.append(a["source"])
    print(f"{len(old)} inputs, {lines} lines read; largest difference {largest:.3g}")
    for source in differing[:5]:
        print(f"  differs: {source}")
    return 1 if differing else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Write a snapshot (``--out``) or compare two (``--compare A B``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="*", help="globs of input files")
    parser.add_argument("--out", type=Path, help="write the snapshot here (JSON lines)")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if not args.patterns or args.out is None:
        parser.error("give globs and --out, or --compare BEFORE AFTER")
    with args.out.open("w", encoding="utf-8") as out:
        for row in snapshot(args.patterns):
            out.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Snapshot what the pure chain makes of every input, and compare two snapshots field by field.

A speed change must leave every article identical (issue 24): snapshot the inputs with the code
before and after it, then compare. One JSON line per input: every Article field (the capped raw
bytes as a hash) or the Reject's reason and detail. Standard library and scrapeclean only, so
it runs as a file against any installed version of scrapeclean.

With ``--line-model`` each row also holds what the line model made of every line it read (per
reading of ``linemodel.predict_many``, or of ``predict`` in older code: the label
probabilities, the ranker's headline scores and the dek reader's probabilities; JSON keeps
every digit), compared within 1e-9: a change to the model's inference must leave them where
they were, so every threshold falls the same way.

Usage::

    python scripts/chain_snapshot.py 'seeds/*' '/tmp/corpus/*/*.txt' --out before.jsonl
    python scripts/chain_snapshot.py --compare before.jsonl after.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

EXAMPLES = 3  # differing inputs shown per field
LINE_MODEL = "line_model"  # the field of the line model's probabilities (--line-model)
TOLERANCE = 1e-9  # for those: far below any threshold's resolution


def snapshot(patterns: Sequence[str], line_model: bool = False) -> Iterator[dict[str, Any]]:
    """The chain's outcome for every file the globs match, in path order, as JSON-ready dicts;
    with ``line_model``, the probabilities of every line the line model read too."""
    from scrapeclean.pipeline.job.config import load_config
    from scrapeclean.transforms.text import linemodel
    from scrapeclean.transforms.text.stages import clean_bytes

    config = load_config()
    calls: list[list[list[float]]] = []
    if line_model:  # the boilerplate stage looks predict_many (before it, predict) up on the
        # module at every call, and predict calls predict_many
        name = "predict_many" if hasattr(linemodel, "predict_many") else "predict"
        setattr(linemodel, name, _recording(getattr(linemodel, name), calls, name == "predict"))
    paths = sorted({path for pattern in patterns for path in glob.glob(pattern)})
    for path in paths:
        calls.clear()
        data = Path(path).read_bytes()
        input_format = "html" if path.removesuffix(".gz").endswith((".html", ".htm")) else "text"
        record = clean_bytes(data, path, input_format, config)
        fields = {field.name: getattr(record, field.name) for field in dataclasses.fields(record)}
        fields["raw"] = hashlib.sha256(fields["raw"]).hexdigest()
        fields["kind"] = type(record).__name__
        if line_model:
            fields[LINE_MODEL] = list(calls)
        yield json.loads(json.dumps(fields, default=str))


def _recording(
    predict: Callable[..., Any], calls: list[list[list[float]]], one: bool
) -> Callable[..., Any]:
    def recording(*args: Any) -> Any:
        result = predict(*args)
        for reading in [result] if one else result:
            calls.append([[float(p) for p in row] for row in reading.probabilities])
            calls.append([[float(score)] for score in reading.headline_scores])
            calls.append([[float(p)] for p in reading.dek])
        return result

    return recording


def _same(name: str, first: Any, second: Any) -> bool:
    if name != LINE_MODEL or first is None or second is None:
        return first == second
    return _same_shape(first, second) and _largest_gap(first, second) <= TOLERANCE


def _same_shape(first: list[list[list[float]]], second: list[list[list[float]]]) -> bool:
    return [[len(row) for row in call] for call in first] == [
        [len(row) for row in call] for call in second
    ]


def _largest_gap(first: list[list[list[float]]], second: list[list[list[float]]]) -> float:
    return max(
        (
            abs(p - q)
            for call_a, call_b in zip(first, second, strict=True)
            for row_a, row_b in zip(call_a, call_b, strict=True)
            for p, q in zip(row_a, row_b, strict=True)
        ),
        default=0.0,
    )


def compare(before: Path, after: Path) -> int:
    """Print how many inputs differ, per field, with a few examples; 1 when any differ."""
    old = {row["source"]: row for row in map(json.loads, before.open(encoding="utf-8"))}
    new = {row["source"]: row for row in map(json.loads, after.open(encoding="utf-8"))}
    differing: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for source in sorted(old.keys() | new.keys()):
        first, second = old.get(source, {}), new.get(source, {})
        for name in sorted(first.keys() | second.keys()):
            if not _same(name, first.get(name), second.get(name)):
                differing[name] += 1
                shown = examples.setdefault(name, [])
                if len(shown) < EXAMPLES:
                    shown.append(f"{source}: {first.get(name)!r} -> {second.get(name)!r}")
    print(f"{len(old)} inputs before, {len(new)} after")
    pairs = [
        (row.get(LINE_MODEL), new.get(source, {}).get(LINE_MODEL)) for source, row in old.items()
    ]
    read = [(a, b) for a, b in pairs if a is not None and b is not None and _same_shape(a, b)]
    if read:
        lines = sum(len(call) for calls, _ in read for call in calls)
        largest = max(_largest_gap(a, b) for a, b in read)
        print(f"  line model: {lines} lines read alike; largest difference {largest:.3g}")
    for name, count in differing.most_common():
        print(f"  {name}: {count} differ", *(f"    {line[:300]}" for line in examples[name]))
    print("identical" if not differing else "DIFFERENT")
    return 1 if differing else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Write a snapshot of the globs, or compare two snapshots."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("patterns", nargs="*", metavar="GLOB")
    parser.add_argument("--out", type=Path, help="snapshot file to write (JSON lines)")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    parser.add_argument(
        "--line-model", action="store_true", help="also the line model's probabilities"
    )
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if not args.patterns or args.out is None:
        parser.error("give GLOBs and --out, or --compare BEFORE AFTER")
    with args.out.open("w", encoding="utf-8") as out:
        for row in snapshot(args.patterns, args.line_model):
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

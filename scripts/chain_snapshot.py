"""Snapshot what the pure chain makes of every input, and compare two snapshots field by field.

A speed change must leave every article identical (issue 24): snapshot the inputs with the code
before and after it, then compare. One JSON line per input: every Article field (the capped raw
bytes as a hash) or the Reject's reason and detail. Standard library and scrapeclean only, so
it runs as a file against any installed version of scrapeclean.

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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

EXAMPLES = 3  # differing inputs shown per field


def snapshot(patterns: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The chain's outcome for every file the globs match, in path order, as JSON-ready dicts."""
    from scrapeclean.pipeline.job.config import load_config
    from scrapeclean.transforms.text.stages import clean_bytes

    config = load_config()
    paths = sorted({path for pattern in patterns for path in glob.glob(pattern)})
    for path in paths:
        data = Path(path).read_bytes()
        input_format = "html" if path.removesuffix(".gz").endswith((".html", ".htm")) else "text"
        record = clean_bytes(data, path, input_format, config)
        fields = {field.name: getattr(record, field.name) for field in dataclasses.fields(record)}
        fields["raw"] = hashlib.sha256(fields["raw"]).hexdigest()
        fields["kind"] = type(record).__name__
        yield json.loads(json.dumps(fields, default=str))


def compare(before: Path, after: Path) -> int:
    """Print how many inputs differ, per field, with a few examples; 1 when any differ."""
    old = {row["source"]: row for row in map(json.loads, before.open(encoding="utf-8"))}
    new = {row["source"]: row for row in map(json.loads, after.open(encoding="utf-8"))}
    differing: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for source in sorted(old.keys() | new.keys()):
        first, second = old.get(source, {}), new.get(source, {})
        for name in sorted(first.keys() | second.keys()):
            if first.get(name) != second.get(name):
                differing[name] += 1
                shown = examples.setdefault(name, [])
                if len(shown) < EXAMPLES:
                    shown.append(f"{source}: {first.get(name)!r} -> {second.get(name)!r}")
    print(f"{len(old)} inputs before, {len(new)} after")
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
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if not args.patterns or args.out is None:
        parser.error("give GLOBs and --out, or --compare BEFORE AFTER")
    with args.out.open("w", encoding="utf-8") as out:
        for row in snapshot(args.patterns):
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

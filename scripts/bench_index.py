"""Measure dedup across runs (issue 21): what an incremental run reads of the dedup index.

Builds an incremental output of N synthetic seed-sized dumps with configs/training.yaml (its
dedup index holds what that run published), then runs one more incremental batch of B new
dumps (about 5% exact and 5% near copies of earlier ones, as ``synthetic_articles`` makes
them) and prints, for that batch: the bytes and row groups its lookups read
(``manifest.dedup_index``), the index's size on disk, the batch's wall time, and the wall time
of the same batch into a fresh output (no index to read) for comparison; and the tree peak
(scripts/measure.py) of the run that built the index and of the batch.

Usage::

    python -m scripts.bench_index --indexed 100000 --batch 1000 [--scratch DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from scripts.bench_corpus import write_site_dumps
from scripts.measure import measure

INDEX = "dedup-index"


def incremental(landing: Path, output: Path) -> tuple[float, float, dict]:
    """One measured incremental training run; its wall time, tree peak (MB) and manifest."""
    command = [str(Path(sys.executable).parent / "scrapeclean"), "run", "--incremental"]
    command += ["--quiet", "--input", str(landing / "*/*.txt"), "--output", str(output)]
    command += ["--config", "configs/training.yaml"]
    result = measure(command)
    if result.returncode != 0:
        raise SystemExit(f"run failed with exit {result.returncode}")
    manifest = sorted((output / "manifests").glob("*.json"))[-1]
    return result.seconds, result.tree_peak_mb, json.loads(manifest.read_text(encoding="utf-8"))


def size_of(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def bench(indexed: int, batch: int, scratch: Path | None) -> dict:
    """Index ``indexed`` dumps, then time and measure one batch of ``batch`` more."""
    root = Path(tempfile.mkdtemp(prefix="bench_index-", dir=scratch))
    try:
        write_site_dumps(root / "landing", indexed)
        build_seconds, build_peak, built = incremental(root / "landing", root / "out")
        write_site_dumps(root / "batch", batch, start=indexed)
        for site in (root / "batch").iterdir():  # the batch lands beside what is indexed
            shutil.copytree(site, root / "landing" / site.name, dirs_exist_ok=True)
        seconds, peak, manifest = incremental(root / "landing", root / "out")
        fresh_seconds, _, _ = incremental(root / "batch", root / "fresh")
        return {
            "indexed_articles": built["counts"]["articles"],
            "index_mb": round(size_of(root / "out" / INDEX) / 1e6, 1),
            "build_seconds": round(build_seconds, 1),
            "build_tree_peak_mb": round(build_peak),
            "batch_documents": manifest["counts"]["documents_in"],
            "batch_rejects": manifest["rejects_by_reason"],
            "index_mb_read": round(manifest["dedup_index"].get("bytes_read", 0) / 1e6, 2),
            "row_groups_read": manifest["dedup_index"].get("row_groups_read", 0),
            "batch_seconds": round(seconds, 1),
            "batch_tree_peak_mb": round(peak),
            "same_batch_into_a_fresh_output_seconds": round(fresh_seconds, 1),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: print one JSON line of figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--indexed", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--scratch", type=Path, help="where the corpus goes (default $TMP)")
    args = parser.parse_args(argv)
    print(json.dumps(bench(args.indexed, args.batch, args.scratch)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

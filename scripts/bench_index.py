"""Measure dedup across runs (issue 21): what an incremental run reads of the dedup index.

Builds an incremental output of N synthetic seed-sized dumps with configs/training.yaml (its
dedup index holds what that run published), then runs one more incremental batch of B new
dumps (about 5% exact and 5% near copies of earlier ones, as ``synthetic_articles`` makes
them) and prints, for that batch: the bytes and row groups its lookups read
(``manifest.dedup_index``), the index's size on disk, the batch's wall time, and the wall time
of the same batch into a fresh output (no index to read) for comparison; and the tree peak
(scripts/measure.py) of the run that built the index and of the batch.

With ``--runs R`` the index is built by R incremental runs of N/R dumps each (as ``watch``
batches build it), so the batch meets the segments those runs left: one per run before
the index merged them, O(log R) since. ``--simulate`` prints, instead, how many segments the
merge rule (``corpus.published.segments_to_merge``) keeps and how often it rewrites an article,
for runs of B articles up to N.

Usage::

    python -m scripts.bench_index --indexed 100000 --batch 1000 [--runs 1] [--scratch DIR]
    python -m scripts.bench_index --simulate --indexed 10000000 --batch 1000
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


def bench(indexed: int, batch: int, scratch: Path | None, runs: int = 1) -> dict:
    """Index ``indexed`` dumps in ``runs`` runs, then time and measure one batch of ``batch``
    more."""
    root = Path(tempfile.mkdtemp(prefix="bench_index-", dir=scratch))
    try:
        build_seconds, build_peak, articles = 0.0, 0.0, 0
        for run in range(runs):
            start, stop = indexed * run // runs, indexed * (run + 1) // runs
            write_site_dumps(root / "landing", stop - start, start=start)
            seconds, peak, built = incremental(root / "landing", root / "out")
            build_seconds, build_peak = build_seconds + seconds, max(build_peak, peak)
            articles += built["counts"]["articles"]
        write_site_dumps(root / "batch", batch, start=indexed)
        for site in (root / "batch").iterdir():  # the batch lands beside what is indexed
            shutil.copytree(site, root / "landing" / site.name, dirs_exist_ok=True)
        seconds, peak, manifest = incremental(root / "landing", root / "out")
        fresh_seconds, _, _ = incremental(root / "batch", root / "fresh")
        return {
            "indexed_articles": articles,
            "build_runs": runs,
            "index_mb": round(size_of(root / "out" / INDEX) / 1e6, 1),
            "index_segments": len(list((root / "out" / INDEX).iterdir())),
            "build_seconds": round(build_seconds, 1),
            "build_tree_peak_mb": round(build_peak),
            "batch_documents": manifest["counts"]["documents_in"],
            "batch_rejects": manifest["rejects_by_reason"],
            "index_mb_read": round(manifest["dedup_index"].get("bytes_read", 0) / 1e6, 2),
            "row_groups_read": manifest["dedup_index"].get("row_groups_read", 0),
            "files_opened": manifest["dedup_index"].get("files_opened", 0),
            "batch_seconds": round(seconds, 1),
            "batch_tree_peak_mb": round(peak),
            "same_batch_into_a_fresh_output_seconds": round(fresh_seconds, 1),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def simulate(indexed: int, batch: int) -> dict:
    """The merge rule over runs of ``batch`` articles up to ``indexed``: the most segments it
    leaves, the segments at the end, and how many times it writes an article on average."""
    # Imported here: the benchmark also runs an older scrapeclean (PYTHONPATH) without the rule.
    from scrapeclean.transforms.corpus.published import segments_to_merge

    segments: list[tuple[str, int]] = []
    written = most = 0
    for run in range(indexed // batch):
        merge = set(segments_to_merge(segments, batch))
        size = batch + sum(articles for name, articles in segments if name in merge)
        segments = [s for s in segments if s[0] not in merge] + [(str(run), size)]
        written, most = written + size, max(most, len(segments))
    return {
        "indexed": indexed,
        "batch": batch,
        "most_segments": most,
        "segments_at_the_end": len(segments),
        "writes_per_article": round(written / max(indexed, 1), 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: print one JSON line of figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--indexed", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1, help="incremental runs building the index")
    parser.add_argument("--simulate", action="store_true", help="the merge rule alone")
    parser.add_argument("--scratch", type=Path, help="where the corpus goes (default $TMP)")
    args = parser.parse_args(argv)
    if args.simulate:
        print(json.dumps(simulate(args.indexed, args.batch)), flush=True)
        return 0
    print(json.dumps(bench(args.indexed, args.batch, args.scratch, args.runs)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

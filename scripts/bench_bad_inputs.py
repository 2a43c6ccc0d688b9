"""Issues 4 and 17's memory bound: run the real CLI over the hostile corpus
(scripts/make_bad_inputs.py) and print exit status, counts, wall time and peak RSS. Target: peak
RSS under 2 GB.
Usage: python -m scripts.bench_bad_inputs [--workers N]"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from scripts.make_bad_inputs import write
from scripts.measure import measure


def main() -> None:
    """Build the corpus in a temporary folder, run scrapeclean on it under measurement, report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=0, help="0: in-process FnApiRunner")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        corpus, output = Path(temp) / "bad", Path(temp) / "out"
        expected = write(corpus)
        command = [str(Path(sys.executable).parent / "scrapeclean"), "run"]
        command += ["--input", str(corpus / "*"), "--output", str(output)]
        if args.workers:
            command += [f"--direct_num_workers={args.workers}"]
            command += ["--direct_running_mode=multi_processing"]
        result = measure(command)
        counts = json.loads((output / "manifest.json").read_text())["counts"]
    print(f"documents expected {len(expected)}, manifest {counts}")
    print(f"exit status {result.returncode}, wall {result.seconds:.1f} s")
    print(
        f"peak RSS: largest process {result.max_rss_mb:.0f} MB, "
        f"process tree {result.tree_peak_mb:.0f} MB"
    )
    print("target: < 2048 MB ->", "PASS" if result.tree_peak_mb < 2048 else "FAIL")


if __name__ == "__main__":
    main()

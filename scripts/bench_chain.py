"""Per-stage cost of the pure chain, in microseconds per document (medians of several rounds).

Times are this process's CPU time (``time.process_time``), not wall time: on the shared 2-core
machine a busy neighbour stretches wall time by 2-4x, and CPU time much less.

Also times ftfy's full ``fix_text`` on every document, the cost the mojibake gate avoids
(issue 2). Usage: python scripts/bench_chain.py [FILES_GLOB] [--rounds 5] [--repeat 50]
"""

from __future__ import annotations

import argparse
import glob
import statistics
import time
from pathlib import Path

import ftfy

from scrapeclean.pipeline.job.config import load_config
from scrapeclean.transforms.records import Reject
from scrapeclean.transforms.text.decode import decode_document
from scrapeclean.transforms.text.repair import FTFY_CONFIG
from scrapeclean.transforms.text.stages import DOCUMENT_STAGES


def main() -> None:
    """Print microseconds per document for decode, each stage, the whole chain and ungated ftfy."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="?", default="seeds/*")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=50, help="passes over the files per round")
    args = parser.parse_args()
    config = load_config()
    inputs = [(path, Path(path).read_bytes()) for path in sorted(glob.glob(args.files))]
    timings: dict[str, list[float]] = {}
    documents = 0
    for _ in range(args.rounds):
        spent: dict[str, float] = {}
        documents = 0
        for _ in range(args.repeat):
            for path, data in inputs:
                documents += 1
                started = time.process_time()
                record = decode_document(data, path, "text", config.read)
                spent["decode"] = spent.get("decode", 0.0) + time.process_time() - started
                for stage in DOCUMENT_STAGES:
                    if isinstance(record, Reject):
                        break
                    if stage.applies is not None and not stage.applies(record):
                        continue
                    started = time.process_time()
                    record = stage.fn(record, getattr(config, stage.section))
                    spent[stage.name] = spent.get(stage.name, 0.0) + time.process_time() - started
                    if stage.name == "repair" and not isinstance(record, Reject):
                        started = time.process_time()
                        ftfy.fix_text(record.text, FTFY_CONFIG)
                        ungated = time.process_time() - started
                        spent["ftfy ungated"] = spent.get("ftfy ungated", 0.0) + ungated
        for name, seconds in spent.items():
            timings.setdefault(name, []).append(seconds / documents * 1e6)
    chain = sum(statistics.median(v) for k, v in timings.items() if k != "ftfy ungated")
    print(f"{len(inputs)} files x {args.repeat} passes, median of {args.rounds} rounds")
    for name, values in timings.items():
        print(f"  {name:14s} {statistics.median(values):9.1f} us/doc")
    print(f"  {'chain total':14s} {chain:9.1f} us/doc  ({1e6 / chain:,.0f} docs/s on one core)")


if __name__ == "__main__":
    main()

"""Per-stage cost of the pure chain, in microseconds per document (medians of several rounds).

Times are this process's CPU time (``time.process_time``), not wall time: on the shared 2-core
machine a busy neighbour stretches wall time by 2-4x, and CPU time much less.

By default the stages run as a run runs them: each stage over a batch of up to
``BATCH_RECORDS`` documents in turn (``batch_steps``, what ``RunStages`` does). ``--single``
runs every document through all stages before the next (``stage_steps``), the order runs used
before issue 24's batches, where the stages evict each other from the CPU's caches.

Also times ftfy's full ``fix_text`` on every document, the cost the mojibake gate avoids
(issue 2). Usage: python scripts/bench_chain.py [FILES_GLOB] [--rounds 5] [--repeat 50] [--single]
"""

from __future__ import annotations

import argparse
import glob
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ftfy

from scrapeclean.pipeline.job.config import load_config
from scrapeclean.transforms.beam.run_stages import BATCH_RECORDS
from scrapeclean.transforms.records import Reject
from scrapeclean.transforms.text.decode import decode_document
from scrapeclean.transforms.text.repair import FTFY_CONFIG
from scrapeclean.transforms.text.stages import batch_steps, bind_stages, stage_steps


def time_batch(
    records: Sequence[Any], stages: Sequence[Any], single: bool, spent: dict[str, float]
) -> list[Any]:
    """Run the stages over ``records``, adding each stage's CPU seconds to ``spent``; return
    the records repair passed on."""
    repaired = []
    if single:
        steps = ((0, step) for record in records for step in stage_steps(record, stages))
    else:
        steps = batch_steps(records, stages)
    started = time.process_time()
    for _, step in steps:  # the time since the last step is this step's
        now = time.process_time()
        spent[step.name] = spent.get(step.name, 0.0) + now - started
        if step.name == "repair" and not isinstance(step.after, Reject):
            repaired.append(step.after)
        started = time.process_time()
    return repaired


def main() -> None:
    """Print microseconds per document for decode, each stage, the whole chain and ungated ftfy."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="?", default="seeds/*")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=50, help="passes over the files per round")
    parser.add_argument("--single", action="store_true", help="one document at a time")
    args = parser.parse_args()
    config = load_config()
    stages = bind_stages(config)
    inputs = [(path, Path(path).read_bytes()) for path in sorted(glob.glob(args.files))]
    timings: dict[str, list[float]] = {}
    documents = 0
    for _ in range(args.rounds):
        spent: dict[str, float] = {}
        documents = 0
        for _ in range(args.repeat):
            for first in range(0, len(inputs), BATCH_RECORDS):
                batch = inputs[first : first + BATCH_RECORDS]
                documents += len(batch)
                started = time.process_time()
                records = [decode_document(data, path, "text", config.read) for path, data in batch]
                spent["decode"] = spent.get("decode", 0.0) + time.process_time() - started
                repaired = time_batch(records, stages, args.single, spent)
                started = time.process_time()
                for record in repaired:
                    ftfy.fix_text(record.text, FTFY_CONFIG)
                ungated = time.process_time() - started
                spent["ftfy ungated"] = spent.get("ftfy ungated", 0.0) + ungated
        for name, seconds in spent.items():
            timings.setdefault(name, []).append(seconds / documents * 1e6)
    chain = sum(statistics.median(v) for k, v in timings.items() if k != "ftfy ungated")
    order = "one document at a time" if args.single else f"batches of {BATCH_RECORDS}"
    print(f"{len(inputs)} files x {args.repeat} passes, {order}, median of {args.rounds} rounds")
    for name, values in timings.items():
        print(f"  {name:14s} {statistics.median(values):9.1f} us/doc")
    print(f"  {'chain total':14s} {chain:9.1f} us/doc  ({1e6 / chain:,.0f} docs/s on one core)")


if __name__ == "__main__":
    main()

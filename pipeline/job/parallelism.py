"""Whether ``--workers N`` pays off: on a small input, starting the worker processes costs more
than the second core saves, so such a run stays in-process (issue 24).

Measured on the 2-core machine (docs/benchmarks.md, "Small inputs"): two worker processes
cost ~4-9 s to start and stop (more on a busy machine), and clean up to ~1.7x the documents per
second of one process; on seed-sized dumps they broke even at ~5,000 files (6.6 MB), and HTML
pages, ~20x dearer a byte to clean, break even at ~300 pages (~30 MB).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MIB = 1024 * 1024
# Below both, a run is small: the break-even on seed-sized dumps, the cheapest bytes to clean
# (5,000 files: 29.2 s in-process, 29.3 s with two workers; 300 files: 10.9 s against 20.0 s).
SMALL_RUN_FILES = 5_000
SMALL_RUN_BYTES = 8 * MIB
# A compressed file counts as this many times its size: text and HTML deflate 3-20x
# (ReadConfig.max_compression_ratio), and counting high keeps a big archive on the workers.
COMPRESSED_WEIGHT = 20


@dataclass(frozen=True, slots=True)
class InputSize:
    """What the input globs match: files, and bytes with compressed files weighted."""

    files: int
    bytes: int

    @property
    def small(self) -> bool:
        """True when worker processes would cost more than they save."""
        return self.files <= SMALL_RUN_FILES and self.bytes <= SMALL_RUN_BYTES


def measure_inputs(patterns: Sequence[str]) -> InputSize:
    """Count the files and (weighted) bytes the globs match, stopping as soon as the input is
    known not to be small: a 300k-file input is not listed whole just to be called big."""
    from scrapeclean.transforms.beam.matching import match_inputs

    files = total = 0
    for path, size in match_inputs(patterns):
        files += 1
        total += size * (COMPRESSED_WEIGHT if path.endswith(".gz") else 1)
        if not InputSize(files, total).small:
            break
    return InputSize(files, total)

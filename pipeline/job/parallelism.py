"""Whether ``--workers N`` pays off: on a small input, starting the worker processes costs more
than the second core saves, so such a run stays in-process (issue 24). And how: on HTML pages
the work is in the extraction's child processes, so Beam runs in-process and feeds N of them
(issue 20).

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
# Formats whose documents are HTML pages, extracted in a child process each (text/stages.py's
# sandboxed stage): 45 of a page's ~55 ms of CPU on wcxb-dev's dev part. The launcher feeds N
# such children as well as worker processes do, without starting Beam N more times: on those
# 549 pages, medians of three rounds, 40.3 s of CPU and a 571 MB tree peak with two threads
# against 41.6 s and 1,072 MB with two worker processes, the same articles at the same pages/s
# on the loaded 2-core machine (docs/html-quality.md, "Speed, second round"); one thread
# feeding two children then cut the tree's CPU 27.7 -> 26.2 s (a quieter machine, "one Beam
# thread").
PAGE_FORMATS = frozenset({"html", "warc"})
# Files looked at before a large input stops the count, to tell pages from dumps.
SAMPLE_FILES = 1_000


@dataclass(frozen=True, slots=True)
class InputSize:
    """What the input globs match: files, and bytes with compressed files weighted."""

    files: int
    bytes: int
    page_bytes: int = 0  # of files whose extension names HTML pages or WARC (PAGE_FORMATS)

    @property
    def small(self) -> bool:
        """True when worker processes would cost more than they save."""
        return self.files <= SMALL_RUN_FILES and self.bytes <= SMALL_RUN_BYTES

    @property
    def mostly_pages(self) -> bool:
        """True when at least half the (weighted) bytes are HTML pages or WARC files by their
        extension: a page costs ~20 times a dump's CPU a byte, so those pages are the work."""
        return self.bytes > 0 and 2 * self.page_bytes >= self.bytes


def measure_inputs(patterns: Sequence[str]) -> InputSize:
    """Count the files and (weighted) bytes the globs match, stopping once the input is known
    not to be small and SAMPLE_FILES were seen: a 300k-file input is not listed whole just to
    be called big."""
    from scrapeclean.transforms.beam.matching import match_inputs
    from scrapeclean.transforms.text.formats import format_by_extension

    size = InputSize(0, 0)
    for path, length in match_inputs(patterns):
        weighted = length * (COMPRESSED_WEIGHT if path.endswith(".gz") else 1)
        page = format_by_extension(path) in PAGE_FORMATS
        size = InputSize(size.files + 1, size.bytes + weighted, size.page_bytes + page * weighted)
        if not size.small and size.files >= SAMPLE_FILES:
            break
    return size

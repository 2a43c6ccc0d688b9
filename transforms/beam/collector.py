"""Python's cyclic garbage collector, set for a process that runs the stages.

The stages allocate many small lists, sets and dicts a line and free nearly all of them by
reference counting; with the default thresholds (700, 10, 10) the collector still ran a young
collection every 700 allocations and, every hundred of those, a full one over every object the
process holds (Beam's, the models', the catalogs'): 0.4 s of a 9.9 s in-process run over 10,000
generated seed-like dumps (docs/speed.md "The garbage collector").
"""

from __future__ import annotations

import functools
import gc

# Allocations between young collections. 5,000 to 100,000 cost the same (0.1 s of collection
# in that run, against 0.4 s at 700) and the same peak memory (271-277 MB).
YOUNG_THRESHOLD = 20_000


@functools.cache  # once per process, whichever DoFn sets up first
def settle_collector() -> None:
    """Move what the process holds once set up (imported modules, Beam's graph, the models) out
    of the collector's sight, and collect the young generation less often.

    Frozen objects are still freed by reference counting; only a cycle among them would stay.
    """
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])

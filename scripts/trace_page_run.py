"""Where a page run's wall time goes between its extraction children, on wcxb-dev's pages.

Runs the real ``scrapeclean run --workers N`` over one part of wcxb-dev with every child's
``extract_document`` call timestamped (a ``sitecustomize`` on PYTHONPATH wraps it in the
extraction server, whose forks inherit it; the launcher is untouched), and prints, from the
launcher's start: when the first page reached a child, when the last was done, how long one
child worked alone at the end while the other had nothing left, the summed gaps between a
child's pages (handing a page over and back, and waiting for one), pages per child, and the
CPU of the whole process tree, split into the children's (each one's CPU at its last page) and
the rest (the launcher and the extraction server). These figures move little with the
machine's load, where the run's wall time moves by tens of percent (docs/html-quality.md,
"Speed, 2026-12-07: one pool").

    python -m scripts.trace_page_run [--part dev] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from itertools import pairwise
from pathlib import Path

from scripts.bench_wcxb_html import run_command
from scripts.measure import measure
from scripts.wcxb_data import PARTS, iter_pages

HOOK = """
import os, time
if b"forkserver" in open("/proc/self/cmdline", "rb").read():
    import scrapeclean.transforms.html.extract as extract

    def _timed(document, config, _extract=extract.extract_document, _server=os.getpid()):
        started = time.time()
        result = _extract(document, config)
        if os.getpid() != _server:  # not the server's own warm-up page
            with open(os.path.join({folder!r}, f"{{os.getpid()}}.txt"), "a") as spans:
                spans.write(f"{{started:.6f}} {{time.time():.6f}} {{time.process_time():.4f}}\\n")
        return result

    extract.extract_document = _timed
"""


def read_spans(folder: Path) -> list[list[tuple[float, float, float]]]:
    """Each child's (start, end, its CPU so far) at every page, in order; children that took no
    page left out."""
    children = []
    for name in sorted(folder.glob("*.txt")):
        lines = name.read_text(encoding="utf-8").split("\n")
        rows = (line.split() for line in lines if line)
        children.append([(float(a), float(b), float(cpu)) for a, b, cpu in rows])
    return [spans for spans in children if spans]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI once over the part with the hook installed; print the children's timeline."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=PARTS, default="dev")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temp:
        hook, spans_dir = Path(temp) / "hook", Path(temp) / "spans"
        hook.mkdir()
        spans_dir.mkdir()
        (hook / "sitecustomize.py").write_text(HOOK.format(folder=str(spans_dir)))
        os.environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(hook), os.environ.get("PYTHONPATH")])
        )
        command = run_command(list(iter_pages(args.part)), Path(temp), args.workers)
        started = time.time()
        measured = measure(command)
        children = read_spans(spans_dir)
    if measured.returncode != 0:
        raise SystemExit(f"scrapeclean run failed with exit status {measured.returncode}")
    if not children:
        raise SystemExit("no page reached an extraction child")
    first = min(spans[0][0] for spans in children) - started
    ends = sorted(spans[-1][1] - started for spans in children)
    gaps = sum(b[0] - a[1] for spans in children for a, b in pairwise(spans))
    children_cpu = sum(spans[-1][2] for spans in children)
    print(
        f"load {os.getloadavg()[0]:.1f}: {measured.seconds:.1f} s wall, "
        f"{measured.cpu_seconds:.1f} s CPU over the tree ({children_cpu:.1f} s in the children, "
        f"{measured.cpu_seconds - children_cpu:.1f} s the rest); first page at {first:.2f} s, last "
        f"done at {ends[-1]:.2f} s, one child alone for the last {ends[-1] - ends[0]:.2f} s, "
        f"{gaps:.2f} s of gaps between a child's pages; pages per child "
        f"{[len(spans) for spans in children]}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark HTML extraction on wcxb-dev beside trafilatura 2.3.1, one part of the split per run.

In one process: trafilatura's ``extract()`` with default settings (text output; its title and
htmldate date from ``bare_extraction(with_metadata=True)``), our pure extract stage
(``extract_page``, decode included), and the real ``scrapeclean run --workers N`` over the same
pages (start-up, every stage and Parquet included), scored from its Parquet output. Figures:
word precision / recall / F1 against ``main_content`` (lower-cased ``\\w+`` multisets, averaged
over pages; an empty extraction scores 0), headline = title (NFC, whitespace, quotes and case
normalised), ``published`` day = the stated date (the day of the UTC timestamp), pages/s.

    python -m scripts.bench_wcxb_html --part dev|heldout [--cli-workers 2]
                                      [--ablation dev|dev+heldout] [--json FILE]

``--ablation`` adds the rule-group table (scripts/wcxb_ablation.py), decided on the dev part,
the held-out figure beside it with ``dev+heldout``. The held-out part is run only to report
figures, never to choose anything (scripts/wcxb_split.tsv, issue 19).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from statistics import fmean
from typing import Any

from scrapeclean.transforms.html.config import HtmlConfig
from scrapeclean.transforms.html.page import extract_page
from scrapeclean.transforms.text.decode import decode_html
from scripts.measure import measure
from scripts.wcxb_data import BENCH, PARTS, Page, iter_pages
from scripts.wcxb_text import normalize, words


@dataclass(frozen=True, slots=True)
class Output:
    """What one producer made of one page: the text, the headline and the publication date."""

    text: str
    headline: str | None
    published: date | None


def word_prf(extracted: str, main_content: str) -> tuple[float, float, float]:
    """WCXB's word precision, recall and F1 of one page (multiset overlap of ``\\w+`` tokens)."""
    got, want = Counter(words(extracted)), Counter(words(main_content))
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def same_title(headline: str | None, title: str) -> bool:
    """Headline equals the page title after NFC, whitespace, quote and case normalisation."""
    return headline is not None and normalize(headline).casefold() == normalize(title).casefold()


def same_day(published: date | None, stated: str) -> bool:
    """The date matches the stated one to the day (to the month where only that is stated)."""
    return published is not None and published.isoformat().startswith(stated)


def page_scores(page: Page, output: Output) -> dict[str, float | None]:
    """Every per-page figure; None where the page states no title or date."""
    precision, recall, f1 = word_prf(output.text, page.main_content)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "headline": float(same_title(output.headline, page.title)) if page.title else None,
        "published": (
            float(same_day(output.published, page.publish_date)) if page.publish_date else None
        ),
    }


def summarise(rows: Iterable[dict[str, float | None]]) -> dict[str, float]:
    """Means over pages; headline and published over the pages that state a title / date."""
    rows = list(rows)
    return {
        key: fmean(values) if (values := [r[key] for r in rows if r[key] is not None]) else 0.0
        for key in ("precision", "recall", "f1", "headline", "published")
    }


def score(pages: Sequence[Page], outputs: dict[str, Output]) -> dict[str, float]:
    """Summarised figures of one producer over the pages (a missing page counts as empty)."""
    empty = Output("", None, None)
    return summarise(page_scores(page, outputs.get(page.id, empty)) for page in pages)


def run_timed(
    pages: Sequence[Page], extract: Callable[[Page], Output]
) -> tuple[dict[str, Output], float]:
    """Run one producer over every page; its outputs and pages per second."""
    started = time.perf_counter()
    outputs = {page.id: extract(page) for page in pages}
    return outputs, len(pages) / (time.perf_counter() - started)


def ours(config: HtmlConfig) -> Callable[[Page], Output]:
    """Our pure extract stage on one page's bytes (decoding included), as the CLI runs it."""

    def extract(page: Page) -> Output:
        article = extract_page(decode_html(page.html), None, config)
        published = article.published.date() if article.published else None
        return Output("\n\n".join(article.paragraphs), article.headline, published)

    return extract


def run_trafilatura(pages: Sequence[Page]) -> tuple[dict[str, Output], float]:
    """trafilatura's extract() with defaults, timed alone; its metadata from a second call,
    timed too."""
    import trafilatura  # only the benchmark runs the reference itself

    decoded = {page.id: decode_html(page.html) for page in pages}
    started, cpu = time.perf_counter(), time.process_time()
    texts = {page.id: trafilatura.extract(decoded[page.id]) or "" for page in pages}
    speed = len(pages) / (time.perf_counter() - started)
    print(f"trafilatura extract(): {time.process_time() - cpu:.1f} s CPU")
    outputs = {}
    started, cpu = time.perf_counter(), time.process_time()
    for page in pages:
        meta = trafilatura.bare_extraction(decoded[page.id], with_metadata=True)
        title, stated = (meta.title, meta.date) if meta is not None else (None, None)
        published = date.fromisoformat(stated) if stated else None
        outputs[page.id] = Output(texts[page.id], title, published)
    # Not the yardstick, printed beside it: trafilatura doing what a run also does
    # per page (a title and htmldate's date besides the text).
    print(
        f"trafilatura bare_extraction(with_metadata=True): {time.process_time() - cpu:.1f} s CPU,"
        f" {len(pages) / (time.perf_counter() - started):.1f} pages/s"
    )
    return outputs, speed


def run_command(pages: Sequence[Page], folder: Path, workers: int) -> list[str]:
    """``scrapeclean run`` over the pages (linked into ``folder``/pages), output in /out."""
    inputs = folder / "pages"
    inputs.mkdir()
    for page in pages:
        name = f"{page.id}.html.gz"
        (inputs / name).symlink_to((BENCH / "wcxb-dev" / "pages" / name).resolve())
    command = [str(Path(sys.executable).parent / "scrapeclean"), "run"]
    command += ["--input", str(inputs / "*.html.gz"), "--output", str(folder / "out")]
    return command + (["--workers", str(workers)] if workers > 1 else [])


def run_cli(pages: Sequence[Page], workers: int) -> tuple[dict[str, Output], float]:
    """The real CLI end to end over the pages, read back from Parquet; pages/s start-up included."""
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory() as temp:
        command = run_command(pages, Path(temp), workers)
        measured = measure(command)
        if measured.returncode != 0:
            raise SystemExit(f"scrapeclean run failed with exit status {measured.returncode}")
        rows = pq.read_table(Path(temp) / "out" / "articles").to_pylist()
    outputs = {}
    for row in rows:
        text = row["lead"] + ("\n\n" + row["body"] if row["body"] else "")
        published: datetime | None = row["published"]
        day = published.date() if published else None
        outputs[Path(row["source"]).name.removesuffix(".html.gz")] = Output(
            text, row["headline"], day
        )
    print(
        f"scrapeclean run: {measured.seconds:.1f} s wall, {measured.cpu_seconds:.1f} s CPU over"
        f" its process tree, {measured.tree_peak_mb:.0f} MB tree peak, load average"
        f" {os.getloadavg()[0]:.1f} at the end"
    )
    return outputs, len(pages) / measured.seconds


def print_table(results: dict[str, dict[str, float]], n_pages: int, part: str) -> None:
    """One line per producer: P, R, F1, headline, published, pages/s."""
    print(f"wcxb-dev {part}: {n_pages} pages")
    header = f"{'':26s}{'P':>7s}{'R':>7s}{'F1':>7s}{'headline':>10s}{'published':>11s}"
    print(header + f"{'pages/s':>9s}")
    for name, r in results.items():
        speed = f"{r['pages_per_s']:9.1f}" if "pages_per_s" in r else f"{'-':>9s}"
        print(
            f"{name:26s}{r['precision']:7.3f}{r['recall']:7.3f}{r['f1']:7.3f}"
            f"{r['headline']:10.3f}{r['published']:11.3f}{speed}"
        )


def main(argv: list[str] | None = None) -> int:
    """Score trafilatura, our extract stage and the CLI on one part; optionally the ablation."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=PARTS, required=True)
    parser.add_argument("--cli-workers", type=int, default=2, help="0: skip the CLI run")
    parser.add_argument(
        "--ablation",
        choices=("dev", "dev+heldout"),
        default=None,
        help="also the rule-group table: on the dev part (decisions), or with held-out beside",
    )
    parser.add_argument("--json", type=Path, default=None, help="save the figures here")
    args = parser.parse_args(argv)
    pages = list(iter_pages(args.part))
    results: dict[str, dict[str, float]] = {}
    outputs, speed = run_trafilatura(pages)
    results["trafilatura 2.3.1"] = {**score(pages, outputs), "pages_per_s": speed}
    outputs, speed = run_timed(pages, ours(HtmlConfig()))
    results["scrapeclean extract stage"] = {**score(pages, outputs), "pages_per_s": speed}
    if args.cli_workers:
        outputs, speed = run_cli(pages, args.cli_workers)
        name = f"scrapeclean run, {args.cli_workers} workers"
        results[name] = {**score(pages, outputs), "pages_per_s": speed}
    print_table(results, len(pages), args.part)
    figures: dict[str, Any] = {"part": args.part, "pages": len(pages), "results": results}
    if args.ablation:
        from scripts.wcxb_ablation import print_ablation, run_ablation

        heldout = list(iter_pages("heldout")) if args.ablation == "dev+heldout" else []
        figures["ablation"] = run_ablation(list(iter_pages("dev")), heldout)
        print_ablation(figures["ablation"])
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

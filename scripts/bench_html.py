"""Benchmark HTML extraction on bench/html-dev: snippet precision/recall/F1, speed, headlines.

Scores scrapeclean's ``extract_page`` (decode included) and trafilatura's ``extract()``
(defaults, on the already decoded page) side by side, in one process, the way trafilatura's own
evaluation does. Usage:

    python -m scripts.bench_html [--pages DIR] [--limit N] [--json FILE] [--skip-trafilatura]
                                 [--cli-workers N]

The CLI row runs the real `scrapeclean run` over the same pages (start-up, Parquet writing and
all, with --workers N) and scores its Parquet output; its pages/s is end to end.

To score another producer (e.g. the CLI's Parquet output), build a dict file -> extracted text
and pass it to ``report_texts`` (see ``texts_from_articles`` for the Parquet-row shape).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import lxml.html
from lxml import etree

from scrapeclean.transforms.html.config import HtmlConfig
from scrapeclean.transforms.html.page import PageArticle, extract_page
from scrapeclean.transforms.text.decode import decode_html
from scrapeclean.transforms.text.words import WORD
from scripts.measure import measure

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PAGES = REPO.parent / "shared" / "bench" / "html-dev"
MAX_SNIPPETS = 6  # trafilatura's evaluation caps each side at six snippets per page


def norm(text: str) -> str:
    """Whitespace-normalise as the evaluation does: snippets match across line breaks."""
    return " ".join(text.split())


def load_annotations(pages_dir: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Read annotations.jsonl: one dict per page with file, url, with, without."""
    lines = (pages_dir / "annotations.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return rows[:limit] if limit else rows


def score_snippets(
    texts_by_file: Mapping[str, str | None], annotations: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """Score extracted texts against snippets: `with` found = TP, missing = FN, `without` = FP.

    A page missing from ``texts_by_file`` counts as an empty extraction.
    """
    tp = fn = fp = 0
    for row in annotations:
        text = norm(texts_by_file.get(row["file"]) or "")
        found = sum(norm(s) in text for s in row["with"][:MAX_SNIPPETS])
        tp += found
        fn += len(row["with"][:MAX_SNIPPETS]) - found
        fp += sum(norm(s) in text for s in row["without"][:MAX_SNIPPETS])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fn": fn, "fp": fp}


def report_texts(
    texts_by_file: Mapping[str, str | None], annotations: list[dict[str, Any]]
) -> dict[str, Any]:
    """The hook for other producers: score any file -> text mapping (no timing)."""
    return score_snippets(texts_by_file, annotations)


def texts_from_articles(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Map Parquet article rows (source, lead, body) to file -> text, keyed by file name."""
    texts = {}
    for row in rows:
        text = row["lead"] + ("\n\n" + row["body"] if row.get("body") else "")
        texts[Path(str(row["source"]).split("#")[0]).name] = text
    return texts


def clear_h1(html: str) -> str | None:
    """The page's one visible <h1>, when it is clearly the article title, else None.

    Clear means: exactly one non-empty <h1> on the page, most of its words appear in the
    <title> or og:title, and it covers most of that title's words but a site-name tail: so it is
    the article's headline, not a masthead or section name (whose words a title also holds).
    """
    try:
        root = lxml.html.document_fromstring(html)
    except (ValueError, etree.LxmlError):  # an unparsable page has no clear h1
        return None
    texts = [norm(h.text_content()) for h in root.iter("h1")]
    texts = [t for t in texts if t]
    if len(texts) != 1:
        return None
    titles = [norm(t.text_content()) for t in root.iter("title")]
    titles += [m.get("content") or "" for m in root.iter("meta") if m.get("property") == "og:title"]
    words = set(WORD.findall(texts[0].casefold()))
    for title in titles:
        title_words = set(WORD.findall(title.casefold()))
        shared = len(words & title_words)
        if words and shared >= 0.6 * len(words) and shared >= 0.5 * len(title_words):
            return texts[0]
    return None


def run_tool(
    fn: Callable[[bytes, dict[str, Any]], str | None], pages: list[tuple[dict[str, Any], bytes]]
) -> tuple[dict[str, str | None], float]:
    """Run one extractor over all pages; return its texts and pages per second."""
    texts: dict[str, str | None] = {}
    started = time.perf_counter()
    for row, data in pages:
        texts[row["file"]] = fn(data, row)
    elapsed = time.perf_counter() - started
    return texts, len(pages) / elapsed if elapsed else 0.0


def main() -> None:
    """Print P/R/F1 and pages/s for scrapeclean and trafilatura, plus headline accuracy."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="save the figures here")
    parser.add_argument("--skip-trafilatura", action="store_true")
    parser.add_argument(
        "--cli-workers",
        type=int,
        default=2,
        help="also run the real `scrapeclean run` over the pages with this many workers and "
        "score its Parquet output (0: skip)",
    )
    args = parser.parse_args()
    annotations = load_annotations(args.pages, args.limit)
    pages = [
        (row, gzip.decompress((args.pages / "pages" / row["file"]).read_bytes()))
        for row in annotations
    ]
    config = HtmlConfig()
    articles: dict[str, PageArticle] = {}

    def ours(data: bytes, row: dict[str, Any]) -> str:
        article = extract_page(decode_html(data), _real_url(row["url"]), config)
        articles[row["file"]] = article
        return "\n\n".join(article.paragraphs)

    results: dict[str, dict[str, Any]] = {}
    texts, speed = run_tool(ours, pages)
    results["scrapeclean"] = {**score_snippets(texts, annotations), "pages_per_s": speed}
    results["scrapeclean"].update(_headline_accuracy(pages, articles))
    if args.cli_workers:
        results[f"CLI, {args.cli_workers} workers"] = _run_cli(
            args.pages, annotations, pages, args.cli_workers
        )
    if not args.skip_trafilatura:
        results["trafilatura"] = _run_trafilatura(pages, annotations)
    _print_table(results, len(pages))
    if args.cli_workers and "trafilatura" in results:
        ratio = results[f"CLI, {args.cli_workers} workers"]["pages_per_s"]
        ratio /= results["trafilatura"]["pages_per_s"]
        print(f"end-to-end CLI pages/s / trafilatura extraction-only pages/s = {ratio:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def _run_cli(
    pages_dir: Path,
    annotations: list[dict[str, Any]],
    pages: list[tuple[dict[str, Any], bytes]],
    workers: int,
) -> dict[str, Any]:
    """The real CLI end to end over the pages (start-up, Parquet and all), scored from Parquet."""
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory() as temp:
        inputs = Path(temp) / "pages"
        inputs.mkdir()
        for row in annotations:  # only the selected pages (--limit)
            (inputs / row["file"]).symlink_to((pages_dir / "pages" / row["file"]).resolve())
        command = [str(Path(sys.executable).parent / "scrapeclean"), "run"]
        command += ["--input", str(inputs / "*.html.gz"), "--output", str(Path(temp) / "out")]
        if workers > 1:
            command += ["--workers", str(workers)]
        measured = measure(command)
        if measured.returncode != 0:
            raise SystemExit(f"scrapeclean run failed with exit status {measured.returncode}")
        rows = pq.read_table(Path(temp) / "out" / "articles").to_pylist()
    texts = texts_from_articles(rows)
    headlines = {Path(str(r["source"])).name: r["headline"] for r in rows}
    hits = total = 0
    for row, data in pages:
        expected = clear_h1(decode_html(data))
        if expected is not None:
            total += 1
            hits += norm(headlines.get(row["file"]) or "") == expected
    return {
        **score_snippets(texts, annotations),
        "pages_per_s": len(pages) / measured.seconds,
        "headline_accuracy": hits / total if total else 0.0,
        "tree_peak_mb": measured.tree_peak_mb,
    }


def _real_url(url: str) -> str | None:
    # The benchmark's "hard::name" keys are labels, not URLs.
    return url if url.startswith(("http://", "https://")) else None


def _run_trafilatura(
    pages: list[tuple[dict[str, Any], bytes]], annotations: list[dict[str, Any]]
) -> dict[str, Any]:
    import trafilatura  # only the benchmark compares against the reference itself

    decoded = [(row, decode_html(data)) for row, data in pages]
    texts: dict[str, str | None] = {}
    started = time.perf_counter()
    for row, html in decoded:
        texts[row["file"]] = trafilatura.extract(html)
    elapsed = time.perf_counter() - started
    return {**score_snippets(texts, annotations), "pages_per_s": len(pages) / elapsed}


def _headline_accuracy(
    pages: list[tuple[dict[str, Any], bytes]], articles: Mapping[str, PageArticle]
) -> dict[str, Any]:
    hits = total = 0
    for row, data in pages:
        expected = clear_h1(decode_html(data))
        if expected is None:
            continue
        total += 1
        hits += norm(articles[row["file"]].headline or "") == expected
    return {"headline_pages": total, "headline_accuracy": hits / total if total else 0.0}


def _print_table(results: dict[str, dict[str, Any]], n_pages: int) -> None:
    print(f"{n_pages} pages")
    print(f"{'':14s}{'precision':>10s}{'recall':>8s}{'F1':>8s}{'pages/s':>9s}{'headline':>10s}")
    for name, r in results.items():
        headline = f"{r['headline_accuracy']:.3f}" if "headline_accuracy" in r else "-"
        print(
            f"{name:14s}{r['precision']:10.3f}{r['recall']:8.3f}{r['f1']:8.3f}"
            f"{r['pages_per_s']:9.1f}{headline:>10s}"
        )
    if "headline_pages" in results.get("scrapeclean", {}):
        pages = results["scrapeclean"]["headline_pages"]
        print(f"headline accuracy over {pages} pages with one clear <h1>")


if __name__ == "__main__":
    main()

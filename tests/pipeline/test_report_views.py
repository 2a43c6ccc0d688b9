"""What the report shows on real runs (issue 22): a length histogram whose long tail goes to one
last bar, duplicate cards that say when dedup did not run, one panel for all one-article sites,
and an HTML sample's raw pane from where its text starts, not from its <head>."""

from __future__ import annotations

import html
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from scrapeclean.pipeline.cli.main import main
from scrapeclean.transforms.corpus.sitelines import site_of
from tests.conftest import REPO, SEEDS

ARTICLES = json.loads((REPO / "scripts" / "corpus_articles.json").read_text(encoding="utf-8"))
LEAD = "The lighthouse keeper's cottage on the north pier opened to visitors on Saturday"


def write_crawl(path: Path) -> None:
    """One article per host (each ends in a catalog boilerplate line), and one very long one."""
    records = [
        {
            "url": f"https://site{n}.example/story",
            "title": article["headline"],
            "text": "\n\n".join(article["paragraphs"]) + "\n\nHelp us improve.",
        }
        for n, article in enumerate(ARTICLES)
    ]
    # every article's paragraphs in one page: ~50x the usual length, none of it repeated
    long_text = "\n\n".join(p for article in ARTICLES for p in article["paragraphs"])
    records.append({"url": "https://long.example/x", "title": "A long one", "text": long_text})
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")


def write_page(path: Path) -> None:
    """An HTML page whose first 300 lines are head scripts."""
    scripts = "\n".join(f"<script>window.tracker{n} = {{id: {n}}};</script>" for n in range(300))
    paragraphs = "\n".join(
        f"<p>{LEAD}, {n} years after the last keeper left, the harbour trust said.</p>"
        for n in range(1, 7)
    )
    path.write_text(
        f"<!DOCTYPE html>\n<html><head><title>Cottage opens</title>\n{scripts}\n</head>\n<body>\n"
        f"<article><h1>Lighthouse cottage opens to visitors</h1>\n{paragraphs}\n</article>\n"
        "</body></html>\n",
        encoding="utf-8",
    )


def report_of(output: Path, *argv: str) -> str:
    assert main(["run", *argv, "--output", str(output), "--quiet"]) == 0
    assert main(["report", str(output)]) == 0
    return (output / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def crawl_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("crawl")
    write_crawl(folder / "crawl.jsonl")
    output = folder / "out"
    page = report_of(output, "--input", str(folder / "crawl.jsonl"), "--input", str(SEEDS / "*"))
    return output, page


def test_the_long_tail_goes_to_one_last_bar(crawl_report: tuple[Path, str]) -> None:
    output, page = crawl_report
    words = sorted(pq.read_table(output / "articles").column("n_words").to_pylist())
    assert words[-1] > 10 * words[len(words) // 2]  # the tail the chart must not squash
    chart = page.split('aria-label="Article length"')[1].split("</svg>")[0]
    tail = re.findall(r"<title>([\d,]+) or more: (\d+)</title>", chart)
    assert len(tail) == 1 and tail[0][1] == "1"  # the one long article, in the last bar
    assert f">{tail[0][0]}+</text>" in chart  # labelled as open-ended
    bars = [int(n) for n in re.findall(r"<title>[\d,]+–[\d,]+: (\d+)</title>", chart)]
    assert len(bars) <= 22 and sum(bars) == len(words) - 1
    assert sum(bar > 0 for bar in bars) >= 5  # the body of the distribution is spread out
    assert "the last bar holds the 1 over" in page


def test_duplicate_cards_say_when_dedup_did_not_run(crawl_report: tuple[Path, str]) -> None:
    _, page = crawl_report  # the default profile: dedup and neardup off
    assert "not run: dedup.enabled is false in this run&#x27;s config" in page
    assert "not run: neardup.enabled is false in this run&#x27;s config" in page


def test_one_article_sites_share_one_panel(crawl_report: tuple[Path, str]) -> None:
    output, page = crawl_report
    rows = pq.read_table(output / "articles").to_pylist()
    per_site = Counter(site_of(r["url"], r["source"]) for r in rows if r["boilerplate_removed"])
    singles = sum(count == 1 for count in per_site.values())
    assert singles >= 40 and per_site[str(SEEDS)] > 1
    titles = re.findall(r'aria-label="Boilerplate removed: ([^"]+)"', page)
    assert titles == [str(SEEDS), f"{singles} sites with one article each"]
    panel = page.split(f'aria-label="Boilerplate removed: {singles} sites')[1].split("</svg>")[0]
    assert f"<title>Help us improve.: {singles}</title>" in panel


def test_an_html_sample_shows_its_text_not_its_head(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    write_page(pages / "cottage.html")
    for seed in ("000_05c8e702dea443c3.txt", "004_wire_wrapped.txt.gz"):
        shutil.copy(SEEDS / seed, pages / seed)
    output = tmp_path / "out"
    page = report_of(output, "--input", str(pages / "*"), "--set", "dedup.enabled=true")
    sample = page.split("<code>" + html.escape(str(pages / "cottage.html")) + "</code>")[1]
    found = re.search(r'<p class="note">([^<]*)</p><pre class="pane raw">([^<]*)', sample)
    assert found is not None
    note, raw = found.groups()
    # the page's text starts on line 306; three lines of context above it
    assert "from line 303, near the article&#x27;s text" in note
    first = html.unescape(raw).split("\n")
    assert first[:2] == ["</head>", "<body>"] and "<!DOCTYPE" not in raw
    assert any(LEAD in line for line in first[:6])
    # dedup ran here and found no duplicates: "none", not "not run"
    cards = page.split('id="rejects"')[1].split("</section>")[0]
    assert "not run: dedup" not in cards and "not run: neardup" in cards

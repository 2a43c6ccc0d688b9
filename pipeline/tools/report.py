"""``scrapeclean report OUTDIR``: one self-contained HTML file describing a finished output.

It reads the manifest and only the small columns of the datasets (bodies only for the sample),
computes the distributions here and leaves markup to report_html.py and charts to
report_charts.py. It never changes the output it reports on.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

from scrapeclean.pipeline.tools import report_html as ui
from scrapeclean.pipeline.tools.output_reader import (
    ARTICLES,
    REJECTS,
    OutputDir,
    column,
    open_dataset,
    open_output,
    read_columns,
)
from scrapeclean.pipeline.tools.report_charts import (
    column_svg,
    fmt,
    histogram_bins,
    histogram_svg,
    tail_cut,
)
from scrapeclean.pipeline.tools.stores import is_remote
from scrapeclean.transforms.corpus.sitelines import site_of
from scrapeclean.transforms.errors import UsageError

STAT_COLUMNS = [
    "doc_id",
    "source",
    "url",
    "headline",
    "n_words",
    "language",
    "published",
    "split",
    "fixes",
    "boilerplate_removed",
]
REJECT_COLUMNS = ["doc_id", "source", "reason", "detail"]
DUPLICATE_REASONS = {"duplicate": "dedup", "near_duplicate": "neardup"}  # reason: its step
SAMPLE_ARTICLES = 10
SAMPLE_REJECTS = 6
TOP_LINES = 15  # boilerplate lines shown per site
TOP_SITES = 8  # sites shown; the rest are summed up in one line
_DOC_ID = re.compile(r"\b[0-9a-f]{16,64}\b")


def run(outdir: str, html: str | None = None, beam_args: Sequence[str] = ()) -> int:
    """Write the report for ``outdir`` (to ``html``, default OUTDIR/report.html, on a store
    too) and print where it went; exit status 0. ``beam_args``: Beam's options for a store."""
    output = open_output(outdir, beam_args)
    page = build_report(output)
    if html is None and is_remote(output.location):
        with output.filesystem.open_output_stream(f"{output.root}/report.html") as stream:
            stream.write(page.encode("utf-8"))  # appears whole when the upload completes
        print(f"{output.location.rstrip('/')}/report.html")
        return 0
    target = Path(html) if html else Path(output.location) / "report.html"
    if not target.parent.is_dir():
        raise UsageError(f"--html {str(target)!r}: folder {str(target.parent)!r} does not exist")
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        temporary.write_text(page, encoding="utf-8")
        os.replace(temporary, target)
    except OSError as error:
        raise UsageError(f"--html {str(target)!r}: cannot write ({error.strerror})") from None
    print(target)
    return 0


def build_report(output: OutputDir) -> str:
    """The whole report page for an output folder."""
    articles_ds, rejects_ds = open_dataset(output, ARTICLES), open_dataset(output, REJECTS)
    articles = read_columns(articles_ds, STAT_COLUMNS)
    rejects = read_columns(rejects_ds, REJECT_COLUMNS)
    sections = [
        ui.overview_section(output, articles.num_rows, rejects.num_rows),
        ui.section("text", "Articles", text_cards(articles)),
        ui.section("rejects", "Rejects and duplicates", reject_cards(rejects, output.manifest)),
        ui.section("languages", "Languages, splits and dates", language_cards(articles)),
        ui.section("repairs", "Repairs and boilerplate", repair_cards(articles)),
        ui.samples_section(sample_rows(articles_ds, column(articles, "doc_id"))),
        ui.reject_samples_section(sample_reject_rows(rejects_ds, column(rejects, "reason"))),
        ui.run_section(output.manifest),
    ]
    return ui.page(output, sections)


def text_cards(articles: pa.Table) -> list[str]:
    """Article length and headline length distributions."""
    words = [n for n in column(articles, "n_words") if n is not None]
    headlines = [len(h.split()) for h in column(articles, "headline") if h]
    missing = articles.num_rows - len(headlines)
    return [
        ui.card(
            "Article length",
            histogram_svg(
                words, title="Article length", x_label="words (lead + body)", y_label="articles"
            )
            if words
            else None,
            note=ui.spread(words, "words") + tail_note(words, "words"),
            colour="c-blue",
        ),
        ui.card(
            "Headline length",
            histogram_svg(
                headlines, title="Headline length", x_label="words in headline", y_label="articles"
            )
            if headlines
            else None,
            note=ui.spread(headlines, "words")
            + tail_note(headlines, "words")
            + (f"; {missing:,} without a headline" * bool(missing)),
            colour="c-teal",
        ),
    ]


def tail_note(values: Sequence[float], unit: str) -> str:
    """What the histogram's open-ended last bar holds, when it has one."""
    cut = tail_cut(values)
    if cut is None:
        return ""
    beyond = histogram_bins(values, upper=cut)[-1]
    return f"; the last bar holds the {beyond.count:,} over {fmt(beyond.low - 1)} {unit}"


def reject_cards(rejects: pa.Table, manifest: dict[str, Any]) -> list[str]:
    """Reject reasons, and duplicate / near-duplicate cluster sizes (or that the step was off)."""
    reasons = column(rejects, "reason")
    cards = [ui.bar_card("Reject reasons", ranked(reasons), "rejects", "c-red", "no rejects")]
    details = column(rejects, "detail")
    for reason, step in DUPLICATE_REASONS.items():
        sizes = cluster_sizes(reasons, details, reason)
        label = reason.replace("_", "-") + " clusters"
        items = [(f"{size} documents", n) for size, n in sorted(Counter(sizes).items())]
        note = cluster_note(sizes) if sizes else ""
        empty = no_clusters(step_enabled(manifest, step), step)
        cards.append(ui.bar_card(label.capitalize(), items, "clusters", "c-orange", empty, note))
    return cards


def no_clusters(ran: bool | None, step: str) -> str:
    """What a cluster card says without clusters: none found, or that the step did not run."""
    if ran is None:
        return "none (the manifest does not say whether the step ran)"
    return "none" if ran else f"not run: {step}.enabled is false in this run's config"


def step_enabled(manifest: dict[str, Any], section: str) -> bool | None:
    """Whether the run's config turned a corpus step on; None when the manifest does not say."""
    enabled = manifest.get("config", {}).get(section, {}).get("enabled")
    return enabled if isinstance(enabled, bool) else None


def cluster_note(sizes: Sequence[int]) -> str:
    """How many documents duplicate clusters dropped, in how many clusters, the largest."""
    clusters = f"{len(sizes):,} cluster{'s' * (len(sizes) != 1)}"
    return f"{sum(sizes) - len(sizes):,} dropped in {clusters}; largest {max(sizes)}"


def language_cards(articles: pa.Table) -> list[str]:
    """Languages and splits (bars), and articles per published day (columns)."""
    languages = [value or "unknown" for value in column(articles, "language")]
    splits = [value for value in column(articles, "split") if value]
    days, unit = per_day(column(articles, "published"))
    cards = [
        ui.bar_card("Languages", ranked(languages), "articles", "c-purple", "no articles"),
        ui.bar_card("Splits", ranked(splits), "articles", "c-green", "no split assigned"),
    ]
    chart = (
        column_svg(days, title=f"Articles per published {unit}", x_label=unit, y_label="articles")
        if days
        else None
    )
    known = sum(count for _, count in days)
    note = f"{known:,} of {articles.num_rows:,} articles have a publication time" if days else ""
    empty = "no publication times known (the inputs state none)"
    cards.append(ui.card(f"Articles per published {unit}", chart, note, "c-blue", empty, True))
    return cards


def repair_cards(articles: pa.Table) -> list[str]:
    """Fixes applied (bar) and the most removed boilerplate lines of each site."""
    fixes = [fix for fixes in column(articles, "fixes") if fixes for fix in fixes]
    with_fixes = sum(bool(f) for f in column(articles, "fixes"))
    note = f"{with_fixes:,} of {articles.num_rows:,} articles needed at least one repair"
    cards = [ui.bar_card("Fixes applied", ranked(fixes), "articles", "c-green", "none", note)]
    sites = boilerplate_by_site(
        column(articles, "url"), column(articles, "source"), column(articles, "boilerplate_removed")
    )
    if not sites:
        cards.append(ui.card("Boilerplate lines removed", None, "", "c-purple", "none"))
    # A site with one article gets no panel of its own: one panel sums them up (a crawl of
    # many hosts otherwise made a panel per page).
    shared = [site for site in sites if site[2] > 1]
    for site, total, documents, lines in shared[:TOP_SITES]:
        note = f"{total:,} lines removed from {documents:,} articles; top {len(lines)} shown"
        cards.append(site_card(f"Boilerplate removed: {site}", lines, note))
    if len(shared) > TOP_SITES:
        rest = sum(total for _, total, _, _ in shared[TOP_SITES:])
        more = f"{len(shared) - TOP_SITES:,} more sites, {rest:,} lines removed"
        cards.append(ui.card("Other sites", None, "", "c-purple", more))
    singles = [site for site in sites if site[2] == 1]
    if singles:
        counts: Counter[str] = Counter()
        for _, _, _, lines in singles:
            counts.update(dict(lines))
        top = ranked(counts.elements())[:TOP_LINES]
        total = sum(removed for _, removed, _, _ in singles)
        note = (
            f"{total:,} lines removed from {len(singles):,} articles, each the only one of its "
            f"site; top {len(top)} shown"
        )
        title = f"Boilerplate removed: {len(singles):,} sites with one article each"
        cards.append(site_card(title, top, note))
    return cards


def site_card(title: str, lines: list[tuple[str, int]], note: str) -> str:
    """A bar card of removed boilerplate lines and how often each was removed."""
    return ui.bar_card(title, lines, "lines removed", "c-purple", "none", note, label_chars=44)


def ranked(values: Iterable[Any]) -> list[tuple[str, int]]:
    """Counts of each value, most frequent first, ties alphabetical (a stable chart order)."""
    counts = Counter(str(value) for value in values if value is not None)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def cluster_sizes(reasons: Sequence[Any], details: Sequence[Any], reason: str) -> list[int]:
    """Sizes of duplicate clusters: each survivor (named in ``detail``) plus its rejects."""
    survivors: Counter[str] = Counter()
    for this_reason, detail in zip(reasons, details, strict=True):
        if this_reason == reason:
            match = _DOC_ID.search(detail or "")
            survivors[match.group() if match else (detail or "?")] += 1
    return [1 + dropped for dropped in survivors.values()]


def per_day(published: Sequence[datetime | None]) -> tuple[list[tuple[str, int]], str]:
    """Articles per publication day, zero days included; per month when over a year is spanned."""
    days = Counter(moment.date() for moment in published if moment is not None)
    if not days:
        return [], "day"
    first, last = min(days), max(days)
    if (last - first).days > 366:
        months = Counter(day.strftime("%Y-%m") for day in days.elements())
        return sorted(months.items()), "month"
    span = [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
    return [(day.isoformat(), days.get(day, 0)) for day in span], "day"


def boilerplate_by_site(
    urls: Sequence[str | None], sources: Sequence[str | None], removed: Sequence[Any]
) -> list[tuple[str, int, int, list[tuple[str, int]]]]:
    """Per site: lines removed, articles affected, and the TOP_LINES most removed lines."""
    lines: dict[str, Counter[str]] = {}
    documents: Counter[str] = Counter()
    for url, source, taken in zip(urls, sources, removed, strict=True):
        if taken:
            site = site_of(url, source)
            lines.setdefault(site, Counter()).update(taken)
            documents[site] += 1
    sites = [
        (site, sum(counts.values()), documents[site], ranked(counts.elements())[:TOP_LINES])
        for site, counts in lines.items()
    ]
    return sorted(sites, key=lambda item: (-item[1], item[0]))


def sample_rows(dataset: ds.Dataset | None, doc_ids: Sequence[str | None]) -> list[dict[str, Any]]:
    """A repeatable sample of whole articles: the first by doc_id, which is a content hash."""
    if dataset is None or not doc_ids:
        return []
    order = sorted(range(len(doc_ids)), key=lambda i: doc_ids[i] or "")[:SAMPLE_ARTICLES]
    return dataset.take(sorted(order)).to_pylist()


def sample_reject_rows(dataset: ds.Dataset | None, reasons: Sequence[Any]) -> list[dict[str, Any]]:
    """A few rejects, taking each reason in turn so that rare reasons are shown too."""
    if dataset is None or not reasons:
        return []
    by_reason: dict[str, list[int]] = {}
    for index, reason in enumerate(reasons):
        by_reason.setdefault(str(reason), []).append(index)
    queues = [by_reason[reason] for reason in sorted(by_reason)]
    chosen: list[int] = []
    while len(chosen) < SAMPLE_REJECTS and any(queues):
        chosen.extend(queue.pop(0) for queue in queues if queue)
    return dataset.take(sorted(chosen[:SAMPLE_REJECTS])).to_pylist()

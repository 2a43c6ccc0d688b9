"""Markup of the HTML report: page shell and CSS, cards, the manifest tables and the side-by-side
samples. Every piece of data goes through ``html.escape``; no external resource is referenced.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

from scrapeclean.pipeline.tools.output_reader import (
    OutputDir,
    RawPreview,
    preview_bytes,
    preview_source,
)
from scrapeclean.pipeline.tools.report_charts import bar_svg
from scrapeclean.pipeline.tools.report_css import CSS

RAW_CHARS = 12_000  # raw input shown per sample; the pane scrolls
_KNOWN_KEYS = {
    "schema_version",
    "counts",
    "rejects_by_reason",
    "stages",
    "fixes",
    "boilerplate_lines_removed",
    "inputs",
    "input_format",
    "beam_args",
    "timings",
    "versions",
    "config",
}
_NAV = (
    ("overview", "Overview"),
    ("text", "Articles"),
    ("rejects", "Rejects"),
    ("languages", "Languages & dates"),
    ("repairs", "Repairs"),
    ("samples", "Samples"),
    ("reject-samples", "Reject samples"),
    ("run", "Run"),
)


def page(output: OutputDir, sections: Sequence[str]) -> str:
    """The complete document: inline CSS, a header with navigation, the sections."""
    title = f"scrapeclean report: {posixpath.basename(output.location.rstrip('/'))}"
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    nav = "".join(f'<a href="#{key}">{escape(label)}</a>' for key, label in _NAV)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f'<header class="top"><div class="wrap"><h1>{escape(title)}</h1>'
        f'<p class="sub">{escape(output.location)} · generated {escape(generated)}</p>'
        f'<nav>{nav}</nav></div></header><main class="wrap">{"".join(sections)}</main>'
        "</body></html>\n"
    )


def section(key: str, title: str, cards: Sequence[str], intro: str = "") -> str:
    """A titled section holding a grid of cards."""
    lead = f'<p class="intro">{escape(intro)}</p>' if intro else ""
    return (
        f'<section id="{escape(key)}"><h2>{escape(title)}</h2>{lead}'
        f'<div class="cards">{"".join(cards)}</div></section>'
    )


def card(
    title: str,
    chart: str | None,
    note: str = "",
    colour: str = "c-blue",
    empty: str = "none",
    wide: bool = False,
) -> str:
    """One chart card; without a chart it says ``empty`` (e.g. "none") instead."""
    body = chart if chart else f'<p class="none">{escape(empty)}</p>'
    foot = f'<p class="note">{escape(note)}</p>' if note else ""
    classes = f"card {colour}" + (" wide" if wide else "")
    return f'<div class="{classes}"><h3>{escape(title)}</h3>{body}{foot}</div>'


def bar_card(
    title: str,
    items: Sequence[tuple[str, int]],
    x_label: str,
    colour: str,
    empty: str,
    note: str = "",
    label_chars: int = 34,
) -> str:
    """A card with a horizontal bar chart of ``items``, or ``empty`` when there are none."""
    chart = bar_svg(items, title=title, x_label=x_label, label_chars=label_chars) if items else None
    return card(title, chart, note, colour, empty)


def spread(values: Sequence[float], unit: str) -> str:
    """One line of order statistics under a histogram."""
    if not values:
        return ""
    ordered = sorted(values)
    return (
        f"{len(ordered):,} articles · min {ordered[0]:,} · median {_quantile(ordered, 0.5):,} · "
        f"90th percentile {_quantile(ordered, 0.9):,} · max {ordered[-1]:,} {unit}"
    )


def _quantile(ordered: Sequence[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def overview_section(output: OutputDir, article_rows: int, reject_rows: int) -> str:
    """Headline numbers, warnings about the output's state, and the per-stage funnel."""
    manifest = output.manifest
    counts = manifest.get("counts") or {}
    seconds = (manifest.get("timings") or {}).get("seconds")
    documents = counts.get("documents_in", article_rows + reject_rows)
    rate = f"{reject_rows / documents:.1%}" if documents else "–"
    stats = [
        ("documents in", f"{documents:,}"),
        ("articles", f"{article_rows:,}"),
        ("rejects", f"{reject_rows:,}"),
        ("reject rate", rate),
        ("run time", f"{seconds:,.1f} s" if isinstance(seconds, int | float) else "–"),
    ]
    tiles = "".join(
        f'<div class="stat"><div class="n">{escape(v)}</div><div class="k">{escape(k)}</div></div>'
        for k, v in stats
    )
    return (
        f'<section id="overview"><h2>Overview</h2>{_warnings(output, article_rows, reject_rows)}'
        f'<div class="stats">{tiles}</div>{_stage_table(manifest.get("stages") or {})}</section>'
    )


def _warnings(output: OutputDir, article_rows: int, reject_rows: int) -> str:
    counts = output.manifest.get("counts") or {}
    found = []
    if not output.complete:
        found.append("No _SUCCESS file: the run that wrote this output did not finish.")
    if not output.manifest:
        found.append("No manifest.json: counts, timings and versions are unknown.")
    if counts.get("balanced") is False:
        found.append("The manifest's counts do not balance: documents_in ≠ articles + rejects.")
    expected = (counts.get("articles"), counts.get("rejects"))
    if None not in expected and expected != (article_rows, reject_rows):
        found.append(
            f"The datasets hold {article_rows:,} articles and {reject_rows:,} rejects, the "
            f"manifest counts {expected[0]:,} and {expected[1]:,} (several runs partitioned "
            "into one folder, or files changed since)."
        )
    return "".join(f'<p class="warn">{escape(text)}</p>' for text in found)


def _stage_table(stages: dict[str, Any]) -> str:
    if not stages:
        return ""
    rows = []
    for name, counts in stages.items():
        counts = counts if isinstance(counts, dict) else {}
        rejected = counts.get("rejected") or {}
        reasons = "".join(
            f'<span class="chip reason">{escape(str(r))} {escape(str(n))}</span>'
            for r, n in rejected.items()
        )
        rows.append(
            f"<tr><td>{escape(str(name))}</td><td class=num>{escape(str(counts.get('in', '')))}"
            f"</td><td class=num>{escape(str(counts.get('out', '')))}</td>"
            f"<td>{reasons or '<span class=none>none</span>'}</td></tr>"
        )
    return (
        '<div class="card wide"><h3>Stages</h3><table class="stages"><thead><tr><th>stage</th>'
        "<th class=num>in</th><th class=num>out</th><th>rejected</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def run_section(manifest: dict[str, Any]) -> str:
    """Timings, versions, inputs and the resolved config from manifest.json."""
    if not manifest:
        return section("run", "Run", [card("manifest.json", None, empty="no manifest.json")])
    timings = manifest.get("timings") or {}
    versions = manifest.get("versions") or {}
    inputs = {
        "inputs": ", ".join(map(str, manifest.get("inputs") or [])) or "–",
        "input format": manifest.get("input_format", "–"),
        "Beam arguments": " ".join(map(str, manifest.get("beam_args") or [])) or "–",
        "schema version": manifest.get("schema_version", "–"),
        "boilerplate lines removed": manifest.get("boilerplate_lines_removed", "–"),
    }
    extra = {key: value for key, value in manifest.items() if key not in _KNOWN_KEYS}
    cards = [
        f'<div class="card"><h3>Timings</h3>{_key_table(timings)}</div>',
        f'<div class="card"><h3>Versions</h3>{_key_table(versions)}</div>',
        f'<div class="card wide"><h3>Inputs</h3>{_key_table(inputs)}'
        f"{_json_details('Resolved config', manifest.get('config'))}"
        f"{_json_details('Other manifest keys', extra) if extra else ''}</div>",
    ]
    return section("run", "Run", cards)


def _key_table(mapping: dict[str, Any]) -> str:
    if not mapping:
        return '<p class="none">not recorded</p>'
    rows = "".join(
        f"<tr><th>{escape(str(key))}</th><td>{escape(str(value))}</td></tr>"
        for key, value in mapping.items()
    )
    return f'<table class="kv">{rows}</table>'


def _json_details(summary: str, value: Any) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return f"<details><summary>{escape(summary)}</summary><pre>{escape(text)}</pre></details>"


def samples_section(rows: Sequence[dict[str, Any]]) -> str:
    """Sample articles beside their raw input, boilerplate lines marked in the raw pane."""
    intro = (
        "The first articles by doc_id (a hash of source and bytes: a repeatable, unbiased "
        "sample). Lines marked in the raw input were removed as boilerplate."
    )
    cards = [_article_sample(row) for row in rows] or ['<p class="none">no articles</p>']
    return section("samples", "Sample articles", cards, intro)


def _article_sample(row: dict[str, Any]) -> str:
    meta = " · ".join(
        escape(f"{label} {row[key]}")
        for key, label in (("n_words", "words"), ("language", "language"), ("split", "split"))
        if row.get(key) is not None
    )
    published = row.get("published")
    if published is not None:
        meta += escape(f" · published {published}")
    paragraphs = [row.get("lead") or "", *(row.get("body") or "").split("\n\n")]
    clean = (
        _field("summary", row.get("summary"))
        + "".join(f"<p>{escape(p)}</p>" for p in paragraphs if p)
        + _field("credits", row.get("credits"))
    )
    chips = _chips("fixes", row.get("fixes")) + _chips(
        "boilerplate removed", row.get("boilerplate_removed"), "removed"
    )
    # a page's raw input starts with its head: show it from where the article's text is
    focus = row.get("lead") if row.get("input_format") == "html" else None
    preview = preview_source(row.get("source") or "", RAW_CHARS, focus)
    return (
        f'<article class="sample wide"><h3>{escape(row.get("headline") or "(no headline)")}</h3>'
        f'<p class="meta">{meta}<br><code>{escape(str(row.get("doc_id")))}</code> · '
        f"<code>{escape(str(row.get('source')))}</code></p>{chips}"
        f'<div class="pair"><div><h4>Clean article</h4><div class="pane clean">{clean}</div></div>'
        f"<div><h4>Raw input</h4>{_raw_pane(preview, row.get('boilerplate_removed'))}</div></div>"
        "</article>"
    )


def reject_samples_section(rows: Sequence[dict[str, Any]]) -> str:
    """A few rejects with their reason, detail and the raw bytes kept in the reject row."""
    cards = []
    for row in rows:
        preview = preview_bytes(row.get("raw") or b"", RAW_CHARS)
        cards.append(
            f'<article class="sample reject"><h3><span class="chip reason">'
            f"{escape(str(row.get('reason')))}</span> {escape(str(row.get('detail') or ''))}</h3>"
            f'<p class="meta"><code>{escape(str(row.get("source")))}</code></p>'
            f"{_raw_pane(preview, None)}</article>"
        )
    return section("reject-samples", "Sample rejects", cards or ['<p class="none">none</p>'])


def _field(label: str, value: str | None) -> str:
    if not value:
        return ""
    return f'<p class="{label}"><span class="label">{escape(label)}</span> {escape(value)}</p>'


def _chips(label: str, values: Sequence[str] | None, kind: str = "") -> str:
    chips = "".join(f'<span class="chip {kind}">{escape(v)}</span>' for v in values or ())
    return f'<p class="chips"><span class="label">{escape(label)}</span>{chips or "none"}</p>'


def _raw_pane(preview: RawPreview, removed: Sequence[str] | None) -> str:
    note = f'<p class="note">{escape(preview.note)}</p>'
    if preview.text is None:
        return note
    marked = {line.strip() for line in removed or ()}
    lines = []
    for line in preview.text.split("\n"):
        shown = escape(line)
        if line.strip() and line.strip() in marked:
            shown = f'<mark class="removed" title="removed as boilerplate">{shown}</mark>'
        lines.append(shown)
    return f'{note}<pre class="pane raw">{chr(10).join(lines)}</pre>'

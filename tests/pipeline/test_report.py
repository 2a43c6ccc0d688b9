"""`scrapeclean report`: the HTML report of a real seeds run, of a partitioned output with the
optional columns, its charts and statistics, and one-line usage errors."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scrapeclean.pipeline.cli.main import main
from scrapeclean.pipeline.tools import report
from scrapeclean.pipeline.tools.output_reader import preview_bytes
from scrapeclean.pipeline.tools.report_charts import bar_svg, count_ticks, histogram_bins, nice_step
from scrapeclean.transforms.corpus.sitelines import site_of
from scrapeclean.transforms.errors import UsageError
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def seeds_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("report") / "out"
    assert main(["run", "--input", str(SEEDS / "*"), "--output", str(output)]) == 0
    return output


@pytest.fixture(scope="module")
def seeds_html(seeds_output: Path) -> str:
    assert report.run(str(seeds_output)) == 0
    return (seeds_output / "report.html").read_text(encoding="utf-8")


def test_report_path_is_printed(seeds_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = seeds_output.parent / "custom.html"
    assert report.run(str(seeds_output), html=str(target)) == 0
    assert capsys.readouterr().out == f"{target}\n"
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_has_the_charts_and_counts(seeds_html: str) -> None:
    assert seeds_html.count("<svg") >= 5
    for title in ("Article length", "Headline length", "Reject reasons", "Fixes applied"):
        assert f'aria-label="{title}"' in seeds_html
    assert f'aria-label="Boilerplate removed: {SEEDS}"' in seeds_html  # site: the input folder
    for reason in ("binary", "empty", "too_short"):
        assert f"<title>{reason}: 1</title>" in seeds_html
    assert "<title>mojibake: 1</title>" in seeds_html
    assert "Duplicate clusters" in seeds_html and "no publication times known" in seeds_html
    assert "apache-beam" in seeds_html and "Resolved config" in seeds_html


def test_report_is_self_contained_and_escaped(seeds_html: str) -> None:
    assert "<script" not in seeds_html and "<img" not in seeds_html and "<link" not in seeds_html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", seeds_html)
    # seeds/002 holds a stray <i> tag in its raw input: shown as text, never as markup.
    assert "&lt;i&gt;Marine Ecology Progress&lt;/i&gt;" in seeds_html
    assert "<i>Marine" not in seeds_html


def test_report_samples_show_clean_and_raw_side_by_side(seeds_html: str) -> None:
    assert "US–Russia Peace Talks in Florida" in seeds_html
    assert '<mark class="removed" title="removed as boilerplate">Help us improve.</mark>' in (
        seeds_html
    )
    # "&amp;" is repaired to "&" in the article and kept in the raw input: each escaped once.
    assert "bottom trawling &amp; deep-sea mining." in seeds_html
    assert "bottom trawling &amp;amp; deep-sea mining." in seeds_html
    assert "Live: Election Night Results" in seeds_html  # the too_short reject's raw column
    assert "first 256 bytes as hex" in seeds_html  # the binary reject as a hex dump


def write_partitioned_output(seeds_output: Path, target: Path) -> None:
    """The seeds output rewritten as a later run might: hive partitions, optional columns set,
    duplicate rejects, an extra manifest key and no _SUCCESS."""
    articles = pq.read_table(seeds_output / "articles").drop_columns(["language", "split"])
    rows = articles.num_rows
    days = [datetime(2025, 3, day, 12, tzinfo=UTC) for day in (1, 1, 3, 4, 4)][:rows]
    articles = articles.set_column(
        articles.schema.get_field_index("published"),
        "published",
        pa.array(days, pa.timestamp("us", tz="UTC")),
    ).append_column("split", pa.array(["train", "train", "test", "validation", "train"][:rows]))
    for language in ("en", "de"):
        folder = target / "articles" / "run=7" / f"language={language}"
        folder.mkdir(parents=True)
        pq.write_table(
            articles.slice(0, 3) if language == "en" else articles.slice(3), folder / "p.parquet"
        )
    (target / "articles" / "_staging-x").mkdir()  # skipped, as Beam's readers skip it
    survivor = "a" * 32
    rejects = pa.table(
        {
            "source": ["a.txt", "b.txt", "c.txt", "d.txt"],
            "reason": ["duplicate", "duplicate", "near_duplicate", "too_short"],
            "detail": [survivor, survivor, f"near {'b' * 32}", "3 words < 30"],
            "raw": [b"x", b"y", b"<b>z</b>", b"stub"],
        }
    )
    (target / "rejects").mkdir()
    pq.write_table(rejects, target / "rejects" / "part-0.parquet")
    manifest = json.loads((seeds_output / "manifest.json").read_text(encoding="utf-8"))
    manifest["lineage"] = {"parent_run": "<previous>"}
    manifest["published"] = [  # the files this output's run wrote (manifest.json names them)
        str(path.relative_to(target)) for path in sorted(target.glob("*/**/*.parquet"))
    ]
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_report_reads_partitioned_outputs_with_optional_columns(
    seeds_output: Path, tmp_path: Path
) -> None:
    write_partitioned_output(seeds_output, tmp_path / "out")
    assert report.run(str(tmp_path / "out")) == 0
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'aria-label="Articles per published day"' in html
    assert "<title>2025-03-02: 0</title>" in html  # days without articles are shown as zero
    assert "<title>en: 3</title>" in html and "<title>de: 2</title>" in html
    assert "<title>train: 3</title>" in html
    assert "2 dropped in 1 cluster; largest 3" in html
    assert "<title>3 documents: 1</title>" in html
    assert "No _SUCCESS file" in html and "manifest counts" in html
    assert "Other manifest keys" in html and "&lt;previous&gt;" in html
    assert "&lt;b&gt;z&lt;/b&gt;" in html  # a reject's raw column, escaped


def test_report_of_an_output_without_rejects_says_none(seeds_output: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    shutil.copytree(seeds_output / "articles", output / "articles")
    assert report.run(str(output)) == 0
    html = (output / "report.html").read_text(encoding="utf-8")
    assert "no rejects" in html and "No manifest.json" in html


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", "does not exist"),
        ("file", "is not a folder"),
        ("empty folder", "is not a scrapeclean output"),
    ],
)
def test_bad_outdir_is_a_one_line_usage_error(kind: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "thing"
    if kind == "file":
        path.write_text("x", encoding="utf-8")
    elif kind == "empty folder":
        path.mkdir()
    with pytest.raises(UsageError, match=message) as error:
        report.run(str(path))
    assert "\n" not in str(error.value)


def test_html_into_a_missing_folder_is_a_usage_error(seeds_output: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        report.run(str(seeds_output), html=str(tmp_path / "no" / "r.html"))


@pytest.mark.parametrize(("raw", "step"), [(0.3, 1), (7, 10), (13, 20), (40, 50), (101, 200)])
def test_nice_step_rounds_up_to_1_2_5(raw: float, step: float) -> None:
    assert nice_step(raw) == step


def test_count_ticks_cover_the_maximum() -> None:
    assert count_ticks(48) == [0, 10, 20, 30, 40, 50]
    assert count_ticks(1) == [0, 1]


def test_histogram_bins_hold_every_value_once() -> None:
    values = [125, 140, 162, 162, 199, 211]
    bins = histogram_bins(values)
    assert sum(b.count for b in bins) == len(values)
    assert bins[0].low <= 125 < bins[0].high and bins[-1].low <= 211 < bins[-1].high


def test_chart_labels_are_escaped() -> None:
    svg = bar_svg([("<script>alert(1)</script>", 3)], title="t & u", x_label="n")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "t &amp; u" in svg


def test_statistics() -> None:
    assert report.ranked(["b", "a", "b", None, "c", "a"]) == [("a", 2), ("b", 2), ("c", 1)]
    sizes = report.cluster_sizes(
        ["duplicate", "duplicate", "duplicate", "empty"],
        ["kept " + "a" * 32, "a" * 32, "b" * 32, ""],
        "duplicate",
    )
    assert sorted(sizes) == [2, 3]
    days, unit = report.per_day([datetime(2025, 1, 30), None, datetime(2025, 2, 1)])
    assert unit == "day" and days == [("2025-01-30", 1), ("2025-01-31", 0), ("2025-02-01", 1)]
    _, unit = report.per_day([datetime(2020, 1, 1), datetime(2025, 1, 1)])
    assert unit == "month"


@pytest.mark.parametrize(
    ("url", "source", "site"),
    [
        ("https://www.Example.com/a?b", "x/y.jsonl#L3", "example.com"),
        (None, "dumps/site-a/001.txt", "dumps/site-a"),
        (None, "crawl/part.warc.gz#1234", "crawl"),
        (None, "only.txt", "."),
    ],
)
def test_site_is_the_host_else_the_input_folder(url: str | None, source: str, site: str) -> None:
    assert site_of(url, source) == site


def test_preview_decodes_utf8_else_cp1252_and_caps() -> None:
    assert preview_bytes("Gómez".encode(), 100).note.endswith("UTF-8")
    legacy = preview_bytes("Gómez".encode("cp1252"), 100)
    assert legacy.text == "Gómez" and "cp1252" in legacy.note
    capped = preview_bytes(b"x" * 50, 10)
    assert capped.text == "x" * 10 + "…" and "first 10 of 50" in capped.note

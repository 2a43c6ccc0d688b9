"""Files whose extension names no format are read by their content (issue 20), end to end:
a page saved as .php, .shtml, with no extension or gzipped without .html is an HTML article;
a text dump with stray tags stays a text dump; the manifest says how each format was decided."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from scrapeclean.pipeline.cli.main import main
from tests.transforms.test_read import html_response_offset, write_warc

FIXTURES = Path(__file__).parent / "fixtures" / "html"
TITLE = "Harbour bridge reopens after two-year repair"
DUMP_HEADLINE = "Council approves protected cycle lanes for the city centre"
DUMP = f"""{DUMP_HEADLINE}

The city council on Monday approved a <b>network</b> of protected cycle lanes that will link \
the railway station with the university and the harbour by the end of next year.

Councillors voted 31 to 12 for the plan after a <i>three-hour</i> debate in which residents \
of the old town asked for more parking spaces and shop owners feared for their deliveries.

Work on the first section along the river is due to start in the spring, the <b>transport</b> \
department said, and will close one lane of traffic for about six weeks.
"""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    inputs = tmp_path_factory.mktemp("sniff")
    page = (FIXTURES / "news_page.html").read_bytes()
    for name in ("story.php", "story.shtml", "story"):
        (inputs / name).write_bytes(page)
    (inputs / "saved.gz").write_bytes(gzip.compress(page))
    (inputs / "dump-0001").write_text(DUMP, encoding="utf-8")
    records = [{"url": f"https://e.com/{n}", "text": DUMP} for n in range(2)]
    (inputs / "records.out").write_text("\n".join(map(json.dumps, records)) + "\n")
    write_warc(inputs / "crawl.warc.gz")
    (inputs / "crawl.warc.gz").rename(inputs / "crawl")  # gzipped, and no name says so
    (inputs / "plain.txt").write_text(DUMP, encoding="utf-8")
    return inputs


@pytest.fixture(scope="module")
def output(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sniffed") / "out"
    assert main(["run", "--input", str(inputs / "*"), "--output", str(out)]) == 0
    return out


def test_pages_without_an_html_extension_are_html_articles(output: Path) -> None:
    rows = {Path(r["source"]).name: r for r in pq.read_table(output / "articles").to_pylist()}
    for name in ("story.php", "story.shtml", "story", "saved.gz"):
        row = rows[name]
        assert row["input_format"] == "html", name
        assert row["headline"] == TITLE, name
        assert row["lead"].startswith("The harbour bridge reopened to traffic"), name
        text = row["lead"] + row["body"]
        assert "<" not in text and "DOCTYPE" not in text and "og:title" not in text, name


def test_a_text_dump_with_stray_tags_stays_text(output: Path) -> None:
    rows = {Path(r["source"]).name: r for r in pq.read_table(output / "articles").to_pylist()}
    for name in ("dump-0001", "plain.txt"):
        row = rows[name]
        assert row["input_format"] == "text", name
        assert row["headline"] == DUMP_HEADLINE, name
        assert row["lead"].startswith("The city council on Monday approved a network of"), name
        assert "html_tags" in row["fixes"], name


def test_the_manifest_counts_how_each_format_was_decided(inputs: Path, output: Path) -> None:
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["formats_decided"] == {
        "content": {"html": 4, "jsonl": 2, "text": 1, "warc": 1},
        "extension": {"text": 1},
    }
    assert manifest["counts"]["documents_in"] == 9 and manifest["counts"]["balanced"]
    sources = {
        Path(r["source"]).name: r["input_format"]
        for part in ("articles", "rejects")
        for r in pq.read_table(output / part).to_pylist()
    }
    warc_source = f"crawl#{html_response_offset(inputs / 'crawl')}"
    assert sources["records.out#L1"] == sources["records.out#L2"] == "jsonl"
    assert sources[warc_source] == "warc"

"""`scrapeclean explain` on any document a run reads: a JSONL line (`path#L<n>` or --record), a
WARC record (`path#<offset>` or --record), with the corpus steps that judge one article; its
verdict (article and split, or reject and reason) is the run's."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scrapeclean.pipeline.cli.main import main
from tests.conftest import REPO, SEEDS

FIXTURES = REPO / "tests" / "fixtures" / "html"
NEWS_PAGE = FIXTURES / "news_page.html"
APP_SHELL = FIXTURES / "jsonld_app_shell.html"  # the article in its JSON-LD
# A listings page: long enough for validate, but no line ends a sentence (FineWeb's rule).
LISTINGS = "Weekend listings for the whole region\n\n" + "\n\n".join(
    f"Concert number {n} at the old town hall with local bands and guests from the coast"
    for n in range(8)
)


def write_crawl(folder: Path) -> tuple[Path, Path]:
    """crawl.jsonl (an article, a blank line, a quality reject, an HTML page) and
    crawl.warc.gz (the news page, a JSON response, a page with next to no text)."""
    seed = (SEEDS / "000_05c8e702dea443c3.txt").read_text(encoding="utf-8")
    records = [
        {"url": "https://a.example/talks", "text": seed, "published": "2025-11-30T14:05:00Z"},
        None,
        {"url": "https://b.example/listings", "text": LISTINGS},
        {"url": "https://c.example/strom", "html": APP_SHELL.read_text(encoding="utf-8")},
    ]
    jsonl = folder / "crawl.jsonl"
    jsonl.write_text(
        "\n".join(json.dumps(r) if r else "" for r in records) + "\n", encoding="utf-8"
    )
    warc = folder / "crawl.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        pages = [
            ("text/html; charset=utf-8", NEWS_PAGE.read_bytes()),
            ("application/json", b"{}"),
            ("text/html", b"<html><body><p>Moved.</p></body></html>"),
        ]
        for number, (content_type, body) in enumerate(pages):
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], "HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    f"https://d.example/{number}",
                    "response",
                    payload=io.BytesIO(body),
                    http_headers=headers,
                )
            )
    return jsonl, warc


@pytest.fixture(scope="module")
def training_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The crawl through `scrapeclean run --config training`: every row by its source."""
    folder = tmp_path_factory.mktemp("crawl")
    jsonl, warc = write_crawl(folder)
    output = folder / "out"
    argv = ["run", "--input", str(jsonl), "--input", str(warc), "--output", str(output)]
    assert main([*argv, "--config", "training", "--quiet"]) == 0
    rows = {
        row["source"]: row
        for kind in ("articles", "rejects")
        for row in pq.read_table(output / kind).to_pylist()
    }
    return folder, rows


def explained(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, dict[str, str]]:
    """Run explain; return its output and the result's fields (kind under "result")."""
    assert main(["explain", *argv]) == 0
    out = capsys.readouterr().out
    kind, block = re.search(r"━━ result: (\w+) ━━\n(.*)", out, re.DOTALL).groups()  # type: ignore[union-attr]
    fields = dict(re.findall(r"^  (\w+) +(.*)$", block, re.MULTILINE))
    return out, {"result": kind, **fields}


def assert_same_verdict(fields: dict[str, str], row: dict[str, Any]) -> None:
    assert fields["doc_id"] == row["doc_id"]
    if "reason" in row:
        assert (fields["result"], fields["reason"]) == ("Reject", row["reason"])
    else:
        assert fields["result"] == "Article"
        assert (fields["headline"], fields["split"]) == (row["headline"], row["split"])


def test_explain_a_jsonl_line_as_the_run_names_it(
    training_run: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, rows = training_run
    sources = sorted(source for source in rows if "#L" in source)
    assert sources == [f"{folder}/crawl.jsonl#L{n}" for n in (1, 3, 4)]  # line 2 is blank
    for source in sources:
        out, fields = explained(capsys, source, "--config", "training")
        assert_same_verdict(fields, rows[source])
        assert "datetime.datetime" not in out and "is_html" not in out
    article = explained(capsys, sources[0], "--config", "training")[1]
    assert article["published"] == "2025-11-30 14:05:00+00:00"  # as a person reads a time
    by_number = explained(
        capsys, str(folder / "crawl.jsonl"), "--record", "4", "--config", "training"
    )
    assert by_number[1] == explained(capsys, sources[2], "--config", "training")[1]


def test_a_quality_reject_is_the_runs_verdict(
    training_run: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, rows = training_run
    source = f"{folder}/crawl.jsonl#L3"
    assert rows[source]["reason"] == "low_terminal_punctuation"  # the run's quality step
    out, fields = explained(capsys, source, "--config", "training")
    assert_same_verdict(fields, rows[source])
    # the steps that compare documents are named where the run takes them, not judged
    assert "━━ sitelines, dedup, neardup ━━ not judged here" in out
    assert out.index("━━ sitelines, dedup, neardup") < out.index("━━ quality ━━ REJECT")
    out, fields = explained(capsys, source)  # the default profile has no quality step
    assert fields["result"] == "Article" and "━━ quality" not in out


def test_explain_a_warc_record_by_its_offset(
    training_run: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, rows = training_run
    sources = sorted((s for s in rows if ".warc.gz#" in s), key=lambda s: int(s.split("#")[1]))
    assert len(sources) == 2  # two HTML responses; the JSON one is skipped
    for number, source in enumerate(sources, 1):
        fields = explained(capsys, source, "--config", "training")[1]
        assert_same_verdict(fields, rows[source])
        by_number = explained(
            capsys, str(folder / "crawl.warc.gz"), "--record", str(number), "--config", "training"
        )
        assert by_number[1] == fields
    assert rows[sources[0]]["headline"] == "Harbour bridge reopens after two-year repair"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["{folder}/crawl.jsonl"], "holds one document per line: name one as"),
        (["{folder}/crawl.jsonl#L9"], "has 4 lines, no line 9"),
        (["{folder}/crawl.jsonl#L2"], "line 2 of"),
        (["{folder}/crawl.jsonl#L1", "--record", "1"], "names a record already"),
        (["{folder}/crawl.warc.gz#5"], "has no HTML response at offset 5 (2 found, at offsets 0"),
        (["{folder}/crawl.warc.gz", "--record", "3"], "has no HTML response at record 3"),
        ([str(NEWS_PAGE), "--record", "2"], "an HTML file is one document"),
    ],
)
def test_a_record_that_is_not_there_is_one_line(
    training_run: tuple[Path, dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    folder, _ = training_run
    assert main(["explain", *(arg.format(folder=folder) for arg in argv)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("scrapeclean explain: error: ") and err.count("\n") == 1
    assert message in err


def test_long_parts_are_cut_with_a_count_unless_full(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "long.txt"
    paragraphs = [
        f"Paragraph {n} says something new about the long story, at length." for n in range(400)
    ]
    page.write_text("A Long Story\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    assert main(["explain", str(page)]) == 0
    short = capsys.readouterr().out
    assert "  … 742 more lines" in short  # the decoded text: 60 of 802 lines listed
    assert "(… marks what was left out: --full shows everything)" in short
    assert len(short.splitlines()) < 250
    assert main(["explain", str(page), "--full"]) == 0
    full = capsys.readouterr().out
    assert "Paragraph 399 says" in full.split("━━ repair")[0] and "  … " not in full

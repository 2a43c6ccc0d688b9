"""Hostile inputs through the real CLI (issues 4 and 17): the run exits 0, every document is an
article or a reject with its specific reason, and the control article comes out intact."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from scrapeclean.pipeline.cli.main import main
from scripts.make_bad_inputs import NOT_UTF8_SOURCE, write
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    corpus = tmp_path_factory.mktemp("bad")
    expected = write(corpus)
    output = corpus.parent / "out"
    assert main(["run", "--input", str(corpus / "*"), "--output", str(output)]) == 0
    return expected, output


def test_every_document_is_an_article_or_a_specific_reject(
    outcome: tuple[dict[str, str], Path],
) -> None:
    expected, output = outcome
    got = {
        Path(row["source"]).name: "article"
        for row in pq.read_table(output / "articles").to_pylist()
    }
    for row in pq.read_table(output / "rejects").to_pylist():
        got[Path(row["source"]).name] = row["reason"]
    assert got == expected
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["documents_in"] == len(expected)
    assert manifest["counts"]["balanced"] and (output / "_SUCCESS").exists()


def test_the_control_article_is_intact(outcome: tuple[dict[str, str], Path]) -> None:
    _, output = outcome
    rows = {Path(r["source"]).name: r for r in pq.read_table(output / "articles").to_pylist()}
    golden = json.loads((SEEDS.parent / "tests/golden/000_05c8e702dea443c3.txt.json").read_text())
    copies = (
        "Ünïcødé náme — with spaces.txt",
        "ansi colours.txt",
        NOT_UTF8_SOURCE,
        "back\\\\slash.txt",
    )
    for name in ("control.txt", *copies):
        row = rows[name]
        for column in ("headline", "summary", "lead", "body", "credits", "boilerplate_removed"):
            assert row[column] == golden[column], (name, column)


def test_reject_raw_bytes_are_capped(outcome: tuple[dict[str, str], Path]) -> None:
    _, output = outcome
    raw = pq.read_table(output / "rejects", columns=["raw"]).column("raw").to_pylist()
    assert max(len(value) for value in raw) <= 1024 * 1024


def test_no_terminal_escape_or_invisible_headline_survives(
    outcome: tuple[dict[str, str], Path],
) -> None:
    _, output = outcome
    for row in pq.read_table(output / "articles").to_pylist():
        for column in ("headline", "summary", "lead", "body", "url", "source"):
            assert "\x1b" not in (row[column] or "") and "[1;31m" not in (row[column] or "")
        assert row["headline"] is None or row["headline"].strip()

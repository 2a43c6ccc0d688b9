"""Hostile inputs through the real CLI (issue 4): the run exits 0, every document is an article
or a reject with its specific reason, and the control article comes out intact."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from scrapeclean.pipeline.cli.main import main
from scripts.make_bad_inputs import write
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    corpus = tmp_path_factory.mktemp("bad")
    expected = write(corpus)
    output = corpus.parent / "out"
    assert main(["run", "--input", str(corpus / "*"), "--output", str(output)]) == 0
    return expected, output


def outcome_name(source: str) -> str:
    """The expected-outcome key of a source: its file name, or the WARC record's place."""
    name = Path(source).name
    if name.startswith("truncated.warc.gz#"):
        return "truncated.warc.gz#<first>" if name.endswith("#0") else "truncated.warc.gz#<cut>"
    return name


def test_every_document_is_an_article_or_a_specific_reject(
    outcome: tuple[dict[str, str], Path],
) -> None:
    expected, output = outcome
    got = {
        outcome_name(row["source"]): "article"
        for row in pq.read_table(output / "articles").to_pylist()
    }
    for row in pq.read_table(output / "rejects").to_pylist():
        got[outcome_name(row["source"])] = row["reason"]
    assert got == expected
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["documents_in"] == len(expected)
    assert manifest["counts"]["balanced"] and (output / "_SUCCESS").exists()


def test_the_control_article_is_intact(outcome: tuple[dict[str, str], Path]) -> None:
    _, output = outcome
    rows = {Path(r["source"]).name: r for r in pq.read_table(output / "articles").to_pylist()}
    golden = json.loads((SEEDS.parent / "tests/golden/000_05c8e702dea443c3.txt.json").read_text())
    for name in ("control.txt", "Ünïcødé náme — with spaces.txt"):
        row = rows[name]
        for column in ("headline", "summary", "lead", "body", "credits", "boilerplate_removed"):
            assert row[column] == golden[column], (name, column)


def test_reject_raw_bytes_are_capped(outcome: tuple[dict[str, str], Path]) -> None:
    _, output = outcome
    raw = pq.read_table(output / "rejects", columns=["raw"]).column("raw").to_pylist()
    assert max(len(value) for value in raw) <= 1024 * 1024

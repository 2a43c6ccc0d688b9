"""One bad document costs one reject, never the run (issue 17), through the real CLI: a stage
that raises inside the extraction sandbox, and an article the write cannot make a row of, end as
that document's ``internal_error`` with the run finished, balanced and the rest intact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from scrapeclean.pipeline.cli.main import main
from scrapeclean.transforms.beam import write
from scrapeclean.transforms.html.config import HtmlConfig
from scrapeclean.transforms.html.extract import extract_document
from scrapeclean.transforms.records import Article, Document, Reject
from scrapeclean.transforms.text import stages
from scrapeclean.transforms.text.stages import Stage
from tests.conftest import SEEDS

SEED = (SEEDS / "000_05c8e702dea443c3.txt").read_text(encoding="utf-8")
PARAGRAPHS = [line for line in SEED.split("\n") if line.strip()]


def page(marker: str) -> str:
    body = "".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS[2:])
    return f"<html><body><article><h1>{marker} {PARAGRAPHS[1]}</h1>{body}</article></body></html>"


def explode_on_marker(document: Document, config: HtmlConfig) -> Document | Reject:
    """The extract stage, raising on a page that says EXPLODE (module level: the sandbox's child
    process imports it by name)."""
    if "EXPLODE" in document.text:
        raise RuntimeError("boom")
    return extract_document(document, config)


def run(inputs: Path, output: Path) -> tuple[dict[str, Any], list[dict[str, Any]], set[str]]:
    """Run the CLI; return the manifest, the reject rows and the article sources (file names)."""
    assert main(["run", "--input", str(inputs / "*"), "--output", str(output), "--quiet"]) == 0
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["balanced"] and (output / "_SUCCESS").exists()
    rejects = pq.read_table(output / "rejects").to_pylist()
    articles = {Path(row["source"]).name for row in pq.read_table(output / "articles").to_pylist()}
    return manifest, rejects, articles


def test_a_stage_raising_in_the_sandbox_rejects_that_page_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    patched = tuple(
        Stage(s.name, explode_on_marker, s.section, s.applies, s.sandboxed)
        if s.name == "extract"
        else s
        for s in stages.DOCUMENT_STAGES
    )
    monkeypatch.setattr(stages, "DOCUMENT_STAGES", patched)
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "good.html").write_text(page("Calm"), encoding="utf-8")
    (inputs / "bad.html").write_text(page("EXPLODE"), encoding="utf-8")
    manifest, rejects, articles = run(inputs, tmp_path / "out")
    assert articles == {"good.html"}
    assert [(Path(r["source"]).name, r["reason"], r["detail"]) for r in rejects] == [
        ("bad.html", "internal_error", "extract: RuntimeError: boom")
    ]
    assert manifest["stages"]["extract"]["rejected"] == {"internal_error": 1}


def test_an_article_without_a_parquet_row_is_a_reject_of_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = write.to_row

    def to_row(record: Article | Reject) -> dict[str, Any]:
        if isinstance(record, Article) and record.source.endswith("bad.txt"):
            raise RuntimeError("boom")
        return real(record)

    monkeypatch.setattr(write, "to_row", to_row)
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "good.txt").write_text(SEED, encoding="utf-8")
    (inputs / "bad.txt").write_text(SEED.replace("Kremlin", "Moscow"), encoding="utf-8")
    manifest, rejects, articles = run(inputs, tmp_path / "out")
    assert manifest["counts"] == {"documents_in": 2, "articles": 1, "rejects": 1, "balanced": True}
    assert articles == {"good.txt"}
    assert [(Path(r["source"]).name, r["reason"], r["detail"]) for r in rejects] == [
        ("bad.txt", "internal_error", "write: RuntimeError: boom")
    ]

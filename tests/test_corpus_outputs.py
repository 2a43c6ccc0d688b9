"""Training-side readers load the cleaned corpus: DuckDB SQL and Hugging Face `datasets`, offline.

By default the Parquet comes from CleanCorpus run here (test_corpus.corpus(), training sections)
and written with the contract schemas. Set SCRAPECLEAN_OUTPUT=DIR to check a real
`scrapeclean run` output directory instead (its articles/ and rejects/ folders).
"""

from __future__ import annotations

import json
import os
import socket
from collections import Counter
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.test_pipeline import TestPipeline

from scrapeclean.pipeline.tools.output_reader import open_dataset, open_output, read_columns
from scrapeclean.transforms.beam.corpus import CleanCorpus
from scrapeclean.transforms.schema import ARTICLE_SCHEMA, REJECT_SCHEMA, to_row
from tests.transforms.test_corpus import SECTIONS, corpus, reference

duckdb = pytest.importorskip("duckdb", reason="needs the dev requirement duckdb")
SPLITS = {"train", "validation", "test"}


@pytest.fixture(scope="module")
def output_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with articles/*.parquet and rejects/*.parquet to read back."""
    given = os.environ.get("SCRAPECLEAN_OUTPUT")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("corpus")
    pipeline = TestPipeline(runner="FnApiRunner")
    cleaned = pipeline | beam.Create(corpus()) | CleanCorpus(*SECTIONS)
    for name, records, schema in (
        ("articles", cleaned.records, ARTICLE_SCHEMA),
        ("rejects", cleaned.rejects, REJECT_SCHEMA),
    ):
        _ = (
            records
            | f"{name}Rows" >> beam.Map(to_row)
            | f"Write{name}"
            >> beam.io.WriteToParquet(
                str(out / name / "part"), schema, file_name_suffix=".parquet", num_shards=0
            )
        )
    pipeline.run().wait_until_finish()
    return out


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test: nothing may download."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_duckdb_reads_splits_and_unique_ids(output_dir: Path) -> None:
    articles = f"{output_dir}/articles/*.parquet"
    rows = pq.read_table(output_dir / "articles").num_rows
    by_split = dict(
        duckdb.sql(
            f"SELECT split, count(*) FROM read_parquet('{articles}') GROUP BY split"
        ).fetchall()
    )
    assert set(by_split) <= SPLITS and sum(by_split.values()) == rows > 0
    dupes = duckdb.sql(
        "SELECT count(*) - count(DISTINCT doc_id), count(*) - count(DISTINCT content_hash) "
        f"FROM read_parquet('{articles}')"
    ).fetchall()[0]  # fetchall: DuckDB 2 relations have no fetchone()
    assert dupes == (0, 0)
    reasons = dict(
        duckdb.sql(
            f"SELECT reason, count(*) FROM read_parquet('{output_dir}/rejects/*.parquet') "
            "GROUP BY reason"
        ).fetchall()
    )
    assert all(reason.replace("_", "").isalpha() and reason.islower() for reason in reasons)
    if "SCRAPECLEAN_OUTPUT" not in os.environ:
        kept, rejects, _top = reference(corpus())
        assert by_split == Counter(article.split for article in kept)
        assert reasons == Counter(str(reject.reason) for reject in rejects)


def test_datasets_loads_offline(
    output_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: None
) -> None:
    for name in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"):
        monkeypatch.setenv(name, "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    datasets = pytest.importorskip("datasets", reason="needs the dev requirement datasets")
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True, raising=False)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True, raising=False)
    loaded = datasets.load_dataset(
        "parquet",
        data_files={"articles": str(output_dir / "articles" / "*.parquet")},
        split="articles",
        cache_dir=str(tmp_path / "hf-cache"),
    )
    assert loaded.num_rows == pq.read_table(output_dir / "articles").num_rows
    assert {"doc_id", "lead", "body", "split", "boilerplate_removed"} <= set(loaded.column_names)
    train = loaded.filter(lambda row: row["split"] == "train")
    assert 0 < train.num_rows <= loaded.num_rows
    assert set(loaded.unique("split")) <= SPLITS


@pytest.fixture(scope="module")
def training_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real CLI with configs/training.yaml over the generated multi-site corpus."""
    from scrapeclean.pipeline.cli.main import main
    from scripts.make_site_corpus import main as make_site_corpus

    corpus = tmp_path_factory.mktemp("sites")
    assert make_site_corpus(["--out", str(corpus)]) in (0, None)
    output = corpus.parent / "training-out"
    training = Path(__file__).resolve().parent.parent / "configs" / "training.yaml"
    argv = ["run", "--input", str(corpus / "sites" / "*" / "*.txt"), "--output", str(output)]
    assert main([*argv, "--config", str(training), "--quiet"]) == 0
    return output


def test_the_training_profile_end_to_end(training_run: Path) -> None:
    manifest = json.loads((training_run / "manifest.json").read_text(encoding="utf-8"))
    reasons = manifest["rejects_by_reason"]
    assert reasons["duplicate"] > 0 and reasons["near_duplicate"] > 0
    assert {"lorem_ipsum", "javascript_cookie_notice"} & set(reasons)
    assert manifest["site_boilerplate"] and manifest["counts"]["balanced"]
    articles = f"{training_run}/articles/*.parquet"
    by_split = dict(
        duckdb.sql(
            f"SELECT split, count(*) FROM read_parquet('{articles}') GROUP BY split"
        ).fetchall()
    )
    # 98/1/1 over ~100 articles: validation and test may hold none (doc_ids follow the paths)
    assert "train" in by_split and set(by_split) <= SPLITS
    assert sum(by_split.values()) == manifest["counts"]["articles"]
    assert manifest["splits"] == by_split


def test_every_duplicate_names_a_published_survivor_that_counts_it(training_run: Path) -> None:
    """Issue 21 end to end: the survivor a duplicate names is published, and carries the
    number of rejects that name it, by reason (exact_copies, near_copies)."""
    named = duckdb.sql(
        f"SELECT detail, reason, count(*) FROM read_parquet('{training_run}/rejects/*.parquet') "
        "WHERE reason IN ('duplicate', 'near_duplicate') GROUP BY detail, reason"
    ).fetchall()
    assert {reason for _, reason, _ in named} == {"duplicate", "near_duplicate"}
    copies = {
        doc_id: (exact, near)
        for doc_id, exact, near in duckdb.sql(
            "SELECT doc_id, exact_copies, near_copies "
            f"FROM read_parquet('{training_run}/articles/*.parquet')"
        ).fetchall()
    }
    counted = {doc_id: [0, 0] for doc_id in copies}
    for survivor, reason, count in named:
        counted[survivor][reason == "near_duplicate"] += count  # KeyError: not published
    assert copies == {doc_id: tuple(pair) for doc_id, pair in counted.items()}


def test_v2_and_v3_partitions_read_together(tmp_path: Path) -> None:
    """An incremental output with a run from before schema 3 and one after: the new columns
    read as nulls for the old run (docs/corpus-steps.md, "Reading v2 and v3 together")."""
    new = next(a for a in reference(corpus())[0] if a.exact_copies)
    row = to_row(new)
    old_schema = pa.schema(
        [f for f in ARTICLE_SCHEMA if f.name not in ("exact_copies", "near_copies")]
    )
    old_row = {name: row[name] for name in old_schema.names} | {"schema_version": 2}
    for run, table in (
        ("run=a", pa.Table.from_pylist([old_row], old_schema)),
        ("run=b", pa.Table.from_pylist([row], ARTICLE_SCHEMA)),
    ):
        (tmp_path / "articles" / run).mkdir(parents=True)
        pq.write_table(table, tmp_path / "articles" / run / "part-0.parquet")
    expected = [("a", 2, None), ("b", 3, new.exact_copies)]
    query = (
        "SELECT run, schema_version, exact_copies FROM read_parquet("
        f"'{tmp_path}/articles/*/*.parquet', union_by_name=true, hive_partitioning=true) "
        "ORDER BY run"
    )
    assert duckdb.sql(query).fetchall() == expected
    # scrapeclean's own reader, behind report and inspect
    dataset = open_dataset(open_output(str(tmp_path)), "articles")
    table = read_columns(dataset, ["run", "schema_version", "exact_copies"]).sort_by("run")
    assert list(zip(*table.to_pydict().values(), strict=True)) == expected

"""WriteArticles / WriteRejects: Parquet read back with pyarrow has the contract schema and rows."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import apache_beam as beam
import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline

from scrapeclean.pipeline.cli.options import DEFAULT_RUNNER as RUNNER
from scrapeclean.transforms.beam.write import WriteArticles, WriteRejects
from scrapeclean.transforms.config import OutputConfig
from scrapeclean.transforms.records import Article, Reject, RejectReason
from scrapeclean.transforms.schema import ARTICLE_SCHEMA, REJECT_SCHEMA

ARTICLE = Article(
    doc_id="d1",
    source="in/a.txt",
    url=None,
    headline="A Headline",
    summary=None,
    lead="Lead.",
    body="Body one.\n\nBody two.",
    credits="Reporting by X",
    published=None,
    language=None,
    n_words=5,
    content_hash="h",
    fixes=("mojibake", "whitespace"),
    boilerplate_removed=("Help us improve.",),
    input_format="text",
    exact_copies=2,
    raw=b"not written",
)
REJECT = Reject("in/b.txt", "d2", RejectReason.BINARY, "NUL bytes", b"\x00\x01", "text")


def test_write_articles_and_rejects(tmp_path: Path) -> None:
    pipeline = TestPipeline(runner=RUNNER)
    output = OutputConfig()
    _ = (
        pipeline
        | "Articles" >> beam.Create([ARTICLE])
        | WriteArticles(str(tmp_path / "articles"), output)
    )
    _ = (
        pipeline
        | "Rejects" >> beam.Create([REJECT])
        | WriteRejects(str(tmp_path / "rejects"), output)
    )
    result = pipeline.run()
    result.wait_until_finish()

    articles = pq.read_table(tmp_path / "articles")
    assert articles.schema.equals(ARTICLE_SCHEMA, check_metadata=False)
    row = articles.to_pylist()[0]
    assert row["fixes"] == ["mojibake", "whitespace"] and row["schema_version"] == 3
    assert (row["exact_copies"], row["near_copies"]) == (2, None)  # near dedup was off
    assert row["body"] == "Body one.\n\nBody two." and "raw" not in row
    rejects = pq.read_table(tmp_path / "rejects")
    assert rejects.schema.equals(REJECT_SCHEMA, check_metadata=False)
    assert rejects.to_pylist() == [
        {
            "source": "in/b.txt",
            "doc_id": "d2",
            "reason": "binary",
            "detail": "NUL bytes",
            "raw": b"\x00\x01",
            "input_format": "text",
            "schema_version": 3,
        }
    ]
    assert (
        pq.ParquetFile(next((tmp_path / "articles").iterdir()))
        .metadata.row_group(0)
        .column(0)
        .compression
        == "ZSTD"
    )
    query = result.metrics().query(MetricsFilter().with_namespace("write"))
    assert {c.key.metric.name: c.committed for c in query["counters"]} == {
        "articles": 1,
        "boilerplate_lines": 1,
        "fix.mojibake": 1,
        "fix.whitespace": 1,
        "language.unknown": 1,
        "rejects": 1,
        "reason.binary": 1,
    }


@pytest.mark.parametrize("partition_by", [(), ("language",)])
def test_each_split_gets_files_named_by_it(tmp_path: Path, partition_by: tuple[str, ...]) -> None:
    splits = ("train", "validation", "test")
    articles = [
        replace(ARTICLE, doc_id=f"d{n}", language="en", split=split)
        for n, split in enumerate(["train", "train", "test"])
    ]
    pipeline = TestPipeline(runner=RUNNER)
    output = OutputConfig(partition_by=partition_by)
    folder, temp = str(tmp_path / "articles"), str(tmp_path / "_temp")
    _ = pipeline | beam.Create(articles) | WriteArticles(folder, output, temp, splits)
    pipeline.run().wait_until_finish()

    dataset = ds.dataset(folder, format="parquet", partitioning="hive" if partition_by else None)
    rows = dataset.to_table().to_pylist()
    assert sorted((r["doc_id"], r["split"]) for r in rows) == [
        ("d0", "train"), ("d1", "train"), ("d2", "test"),
    ]  # fmt: skip
    for path in (tmp_path / "articles").rglob("*.parquet"):
        split = path.name.split("-")[1]
        assert {r["split"] for r in pq.read_table(path).to_pylist()} <= {split}
    names = {path.name.split("-")[1] for path in (tmp_path / "articles").rglob("*.parquet")}
    # without partitions, Beam's WriteToParquet writes an empty file for an empty split
    assert names == ({"train", "test"} if partition_by else set(splits))


def test_partitioned_articles_go_to_hive_folders(tmp_path: Path) -> None:
    articles = [
        replace(ARTICLE, doc_id=f"{language}-{n}", language=language, split=split)
        for n, (language, split) in enumerate(
            [("en", "train"), ("en", "test"), ("de", "train"), (None, "train"), ("pt-BR", None)]
        )
    ]
    output = OutputConfig(partition_by=("language", "split"))
    pipeline = TestPipeline(runner=RUNNER)
    _ = (
        pipeline
        | beam.Create(articles)
        | WriteArticles(str(tmp_path / "articles"), output, str(tmp_path / "_temp"))
    )
    pipeline.run().wait_until_finish()

    folders = sorted(
        str(path.parent.relative_to(tmp_path / "articles"))
        for path in (tmp_path / "articles").rglob("*.parquet")
    )
    assert folders == [
        "language=__HIVE_DEFAULT_PARTITION__/split=train",
        "language=de/split=train",
        "language=en/split=test",
        "language=en/split=train",
        "language=pt-BR/split=__HIVE_DEFAULT_PARTITION__",
    ]
    assert not [p for p in (tmp_path / "articles").iterdir() if p.name.startswith(".")]
    dataset = ds.dataset(tmp_path / "articles", format="parquet", partitioning="hive")
    rows = {(r["doc_id"], r["language"], r["split"]) for r in dataset.to_table().to_pylist()}
    assert rows == {(a.doc_id, a.language, a.split) for a in articles}
    one_file = pq.read_schema(next((tmp_path / "articles").rglob("*.parquet")))
    assert "language" not in one_file.names and "split" not in one_file.names  # in the path
    counts = duckdb.sql(
        f"SELECT language, count(*) FROM read_parquet('{tmp_path}/articles/**/*.parquet', "
        "hive_partitioning = true) GROUP BY language ORDER BY language"
    ).fetchall()
    assert counts == [("de", 1), ("en", 2), ("pt-BR", 1), (None, 1)]


def test_unknown_partition_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="partition_by"):
        OutputConfig(partition_by=("headline",))
    with pytest.raises(ValueError, match="partition_by"):
        OutputConfig(partition_by=("language", "language"))

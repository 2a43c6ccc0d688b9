"""ReadDocuments: one document per file, .gz read through, bad files as rejects, counted once."""

from __future__ import annotations

import gzip
from pathlib import Path

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.options import DEFAULT_RUNNER as RUNNER
from transforms.decode import ReadConfig
from transforms.read import ReadDocuments

TEXT = "Headline Here\nA lead paragraph with enough words to count as text.\n"


def test_read_documents(tmp_path: Path) -> None:
    (tmp_path / "plain.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "packed.txt.gz").write_bytes(gzip.compress(TEXT.encode()))
    (tmp_path / "junk.txt").write_bytes(b"\x00\x01binary\x00")
    (tmp_path / "page.html").write_text("<html></html>", encoding="utf-8")
    pipeline = TestPipeline(runner=RUNNER)
    read = pipeline | ReadDocuments([str(tmp_path / "*")], "auto", ReadConfig())
    assert_that(
        read.records | "Docs" >> beam.Map(lambda d: (Path(d.source).name, d.text)),
        equal_to([("plain.txt", TEXT), ("packed.txt.gz", TEXT)]),
        label="CheckDocuments",
    )
    assert_that(
        read.rejects | "Rejects" >> beam.Map(lambda r: (Path(r.source).name, str(r.reason))),
        equal_to([("junk.txt", "binary"), ("page.html", "unsupported_format")]),
        label="CheckRejects",
    )
    result = pipeline.run()
    result.wait_until_finish()
    query = result.metrics().query(MetricsFilter().with_namespace("read"))
    assert {c.key.metric.name: c.committed for c in query["counters"]} == {
        "documents_in": 4,
        "out": 2,
        "rejected.binary": 1,
        "rejected.unsupported_format": 1,
    }

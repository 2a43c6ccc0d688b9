"""ReadDocuments: one document per file, JSONL line or WARC HTML response; .gz read through;
bad inputs as rejects; counted once. JSONL is cut into chunks with the right line numbers."""

from __future__ import annotations

import gzip
import io
import json
import pickle
from pathlib import Path

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scrapeclean.pipeline.cli.options import DEFAULT_RUNNER as RUNNER
from scrapeclean.transforms.beam.read import (
    MIN_BATCHES,
    ReadBatch,
    ReadDocuments,
    ReadTask,
    batch_tasks,
)
from scrapeclean.transforms.text.decode import ReadConfig
from scrapeclean.transforms.text.formats import JsonlConfig

TEXT = "Headline Here\nA lead paragraph with enough words to count as text.\n"
PAGE = "<html><head><title>T</title></head><body><p>Hello</p></body></html>"


def write_warc(path: Path) -> None:
    """A WARC with a warcinfo record, an HTML response, a JSON response and a metadata record."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=path.suffix == ".gz")
        writer.write_record(writer.create_warcinfo_record("x.warc.gz", {"software": "test"}))
        for content_type, body in (("text/html; charset=utf-8", PAGE), ("application/json", "{}")):
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], "HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    "https://example.com/a",
                    "response",
                    payload=io.BytesIO(body.encode()),
                    http_headers=headers,
                )
            )
        writer.write_record(
            writer.create_warc_record(
                "https://example.com/a",
                "metadata",
                payload=io.BytesIO(b"via: test\r\n"),
                warc_content_type="application/warc-fields",
            )
        )


def html_response_offset(path: Path) -> int:
    records = ArchiveIterator(path.open("rb"))
    for record in records:
        if record.rec_type == "response" and "html" in record.http_headers["Content-Type"]:
            return records.get_record_offset()
    raise AssertionError("no HTML response")


def counters(result: beam.runners.runner.PipelineResult) -> dict[str, int]:
    query = result.metrics().query(MetricsFilter().with_namespace("read"))
    return {c.key.metric.name: c.committed for c in query["counters"]}


def test_read_documents(tmp_path: Path) -> None:
    (tmp_path / "plain.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "packed.txt.gz").write_bytes(gzip.compress(TEXT.encode()))
    (tmp_path / "junk.txt").write_bytes(b"\x00\x01binary\x00")
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    lines = [
        json.dumps({"url": "https://e.com/1", "text": TEXT, "title": "T"}),
        "",
        "{not json",
        "[1, 2]",
        json.dumps({"text": 5}),
        json.dumps({"url": "https://e.com/2"}),
        json.dumps({"html": PAGE}),
    ]
    (tmp_path / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_warc(tmp_path / "crawl.warc.gz")
    pipeline = TestPipeline(runner=RUNNER)
    globs = [str(tmp_path / "*"), str(tmp_path / "plain.txt")]  # plain.txt is one input
    read = pipeline | ReadDocuments(globs, "auto", ReadConfig(), JsonlConfig())
    assert_that(
        read.records
        | "Docs" >> beam.Map(lambda d: (Path(d.source).name, d.input_format, d.is_html)),
        equal_to(
            [
                ("plain.txt", "text", False),
                ("packed.txt.gz", "text", False),
                ("page.html", "html", True),
                ("records.jsonl#L1", "jsonl", False),
                ("records.jsonl#L7", "jsonl", True),
                (f"crawl.warc.gz#{html_response_offset(tmp_path / 'crawl.warc.gz')}", "warc", True),
            ]
        ),
        label="CheckDocuments",
    )
    assert_that(
        read.rejects | "Rejects" >> beam.Map(lambda r: (Path(r.source).name, str(r.reason))),
        equal_to(
            [
                ("junk.txt", "binary"),
                ("image.html", "binary"),
                ("records.jsonl#L3", "invalid_json"),
                ("records.jsonl#L4", "not_an_object"),
                ("records.jsonl#L5", "wrong_field_type"),
                ("records.jsonl#L6", "empty_record"),
            ]
        ),
        label="CheckRejects",
    )
    result = pipeline.run()
    result.wait_until_finish()
    assert counters(result) == {
        "documents_in": 12,
        "out": 6,
        "rejected.binary": 2,
        "rejected.invalid_json": 1,
        "rejected.not_an_object": 1,
        "rejected.wrong_field_type": 1,
        "rejected.empty_record": 1,
        "jsonl_blank_lines": 1,
        "warc_records_skipped": 3,
        "format_by_extension.text": 3,
        "format_by_extension.html": 2,
        "format_by_extension.jsonl": 6,
        "format_by_extension.warc": 1,
    }


def test_a_jsonl_file_is_read_in_chunks_with_exact_line_numbers(tmp_path: Path) -> None:
    lines = [json.dumps({"text": f"Record number {n} " + "word " * (n % 7)}) for n in range(1, 61)]
    lines[29] = json.dumps({"text": "x" * 400})  # line 30: past max_line_bytes
    (tmp_path / "big.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bomb = gzip.compress(b'{"text": "ok"}\n' + b"0" * 20_000_000)
    (tmp_path / "bomb.jsonl.gz").write_bytes(bomb)
    config = ReadConfig(jsonl_chunk_bytes=300, max_line_bytes=200, max_document_bytes=1_000_000)
    pipeline = TestPipeline(runner=RUNNER)
    read = pipeline | ReadDocuments([str(tmp_path / "*")], "auto", config, JsonlConfig())
    assert_that(
        read.records | "Lines" >> beam.Map(lambda d: (Path(d.source).name, d.text.split()[2:3])),
        equal_to(
            [(f"big.jsonl#L{n}", [str(n)]) for n in range(1, 61) if n != 30]
            + [("bomb.jsonl.gz#L1", [])]
        ),
        label="CheckLines",
    )
    assert_that(
        read.rejects | "Rejects" >> beam.Map(lambda r: (Path(r.source).name, str(r.reason))),
        equal_to([("big.jsonl#L30", "line_too_long"), ("bomb.jsonl.gz#L2", "decompression_bomb")]),
        label="CheckRejects",
    )
    pipeline.run().wait_until_finish()


def small_files(count: int) -> list[ReadTask]:
    return [ReadTask(f"f{n}.txt", "text", 3000) for n in range(count)]


def test_batches_keep_every_task_once_in_order() -> None:
    tasks = small_files(100_000)
    batches = list(batch_tasks(tasks, files_per_batch=500))
    assert [task for batch in batches for task in batch.tasks] == tasks
    assert len(batches) == 200 and {len(batch.tasks) for batch in batches} == {500}
    assert pickle.loads(pickle.dumps(batches[0])) == batches[0]
    assert len(pickle.dumps(batches[0])) < 5_000  # 500 paths, compressed


def test_a_small_run_is_cut_into_enough_batches_for_every_worker() -> None:
    batches = list(batch_tasks(small_files(240), files_per_batch=500))
    assert len(batches) >= MIN_BATCHES // 2 and max(len(b.tasks) for b in batches) == 4
    assert list(batch_tasks(small_files(3), files_per_batch=500)) == [
        ReadBatch((task,)) for task in small_files(3)
    ]


def test_big_files_and_jsonl_chunks_make_batches_of_their_own() -> None:
    chunk = 64 * 1024 * 1024
    chunks = [
        ReadTask("big.jsonl", "jsonl", 3 * chunk, n * chunk, (n + 1) * chunk) for n in range(3)
    ]
    batches = list(batch_tasks([*chunks, *small_files(10)], files_per_batch=500))
    assert batches[:3] == [ReadBatch((task,)) for task in chunks]
    assert sum(len(batch.tasks) for batch in batches[3:]) == 10

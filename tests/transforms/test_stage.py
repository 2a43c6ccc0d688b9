"""RunStages: main and rejects outputs (every element exactly once), counters, internal_error."""

from __future__ import annotations

import gc
import os
import signal
import time
import weakref

import apache_beam as beam
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import FixedWindows, TimestampedValue

from scrapeclean.pipeline.cli.options import DEFAULT_RUNNER as RUNNER
from scrapeclean.transforms.beam import run_stages
from scrapeclean.transforms.beam.collector import YOUNG_THRESHOLD, settle_collector
from scrapeclean.transforms.beam.run_stages import BATCH_RECORDS, RunStages
from scrapeclean.transforms.records import Document, Reject, RejectReason
from scrapeclean.transforms.text.sandbox import children_per_stage
from scrapeclean.transforms.text.stages import StageCall


def shout(document: Document, section: int) -> Document | Reject:
    """A toy stage: empty text is rejected, 'boom' raises, others are upper-cased ``section``x."""
    if document.text == "boom":
        raise RuntimeError("exploded")
    if not document.text:
        return Reject.of(document, RejectReason.EMPTY, "nothing")
    return Document(document.source, document.doc_id, "text", b"", document.text.upper() * section)


def doc(text: str) -> Document:
    return Document(f"src-{text}", f"id-{text}", "text", b"raw", text)


def counters(result: beam.runners.runner.PipelineResult, namespace: str) -> dict[str, int]:
    query = result.metrics().query(MetricsFilter().with_namespace(namespace))
    return {c.key.metric.name: c.committed for c in query["counters"]}


def test_run_stage_routes_counts_and_catches() -> None:
    pipeline = TestPipeline(runner=RUNNER)
    result = (
        pipeline
        | beam.Create([doc("a"), doc(""), doc("boom"), doc("b")])
        | RunStages([StageCall("shout", shout, 2)])
    )
    assert_that(
        result.records | "Texts" >> beam.Map(lambda d: d.text),
        equal_to(["AA", "BB"]),
        label="CheckRecords",
    )
    assert_that(
        result.rejects | "Reasons" >> beam.Map(lambda r: (r.doc_id, r.reason, r.detail, r.raw)),
        equal_to(
            [
                ("id-", RejectReason.EMPTY, "nothing", b"raw"),
                ("id-boom", RejectReason.INTERNAL_ERROR, "shout: RuntimeError: exploded", b"raw"),
            ]
        ),
        label="CheckRejects",
    )
    run = pipeline.run()
    run.wait_until_finish()
    assert counters(run, "shout") == {
        "in": 4,
        "out": 2,
        "rejected.empty": 1,
        "rejected.internal_error": 1,
    }


def hang_on_request(document: Document, section: int) -> Document:
    """A toy stage that hangs (as a stuck extractor would) on the text 'hang'."""
    if document.text == "hang":
        time.sleep(600)
    return Document(document.source, document.doc_id, "text", b"", document.text * section)


def is_not_skip(document: Document) -> bool:
    return document.text != "skip"


@pytest.mark.parametrize("children", [1, 2])
def test_a_hanging_record_becomes_a_timeout_reject_and_the_rest_goes_on(
    children: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With two children (a page run's --workers 2), batches of two overlap: the hanging record
    # holds one child until it is killed while the other batch goes on in the other.
    monkeypatch.setattr(run_stages, "BATCH_RECORDS", 2)
    pipeline = TestPipeline(runner=RUNNER)
    stage = RunStages([StageCall("hang", hang_on_request, 2, 3, is_not_skip)])
    result = pipeline | beam.Create([doc("a"), doc("hang"), doc("skip"), doc("b")]) | stage
    assert_that(
        result.records | "Texts" >> beam.Map(lambda d: d.text),
        equal_to(["aa", "skip", "bb"]),
        label="CheckRecords",
    )
    assert_that(
        result.rejects | "Reasons" >> beam.Map(lambda r: (r.doc_id, r.reason, r.detail)),
        equal_to([("id-hang", RejectReason.TIMEOUT, "hang: took longer than 3 s")]),
        label="CheckRejects",
    )
    with children_per_stage(children):
        run = pipeline.run()
    run.wait_until_finish()
    assert counters(run, "hang") == {"in": 4, "out": 3, "rejected.timeout": 1}


def crash_on_request(document: Document, section: int) -> Document:
    """A toy stage whose process dies (as in a segfault or an OOM kill) on the text 'crash'."""
    if document.text == "crash":
        os.kill(os.getpid(), signal.SIGKILL)
    return Document(document.source, document.doc_id, "text", b"", document.text * section)


def test_a_record_that_kills_its_process_becomes_an_internal_error_and_the_rest_goes_on() -> None:
    pipeline = TestPipeline(runner=RUNNER)
    stage = RunStages([StageCall("crash", crash_on_request, 2, 60)])
    result = pipeline | beam.Create([doc("a"), doc("crash"), doc("b")]) | stage
    assert_that(
        result.records | "Texts" >> beam.Map(lambda d: d.text),
        equal_to(["aa", "bb"]),
        label="CheckRecords",
    )
    detail = "crash: StageCrashedError: the stage's process died on this record, twice"
    assert_that(
        result.rejects | "Reasons" >> beam.Map(lambda r: (r.doc_id, r.reason, r.detail)),
        equal_to([("id-crash", RejectReason.INTERNAL_ERROR, detail)]),
        label="CheckRejects",
    )
    run = pipeline.run()
    run.wait_until_finish()
    assert counters(run, "crash") == {"in": 3, "out": 2, "rejected.internal_error": 1}


def no_b(document: Document, section: int) -> Document | Reject:
    """A toy second stage: refuses texts that start with B."""
    if document.text.startswith("B"):
        return Reject.of(document, RejectReason.TOO_SHORT, "a B")
    return document


def test_stages_run_in_order_and_a_reject_skips_the_rest() -> None:
    pipeline = TestPipeline(runner=RUNNER)
    stages = [StageCall("shout", shout, 1), StageCall("no_b", no_b, 0)]
    result = pipeline | beam.Create([doc("a"), doc(""), doc("b"), doc("c")]) | RunStages(stages)
    assert_that(
        result.records | "Texts" >> beam.Map(lambda d: d.text), equal_to(["A", "C"]), label="Ok"
    )
    assert_that(
        result.rejects | "Reasons" >> beam.Map(lambda r: (r.doc_id, r.reason)),
        equal_to([("id-", RejectReason.EMPTY), ("id-b", RejectReason.TOO_SHORT)]),
        label="Refused",
    )
    run = pipeline.run()
    run.wait_until_finish()
    assert counters(run, "shout") == {"in": 4, "out": 3, "rejected.empty": 1}
    assert counters(run, "no_b") == {"in": 3, "out": 2, "rejected.too_short": 1}


def test_two_stages_with_one_name_are_refused() -> None:
    with pytest.raises(ValueError, match="names must differ"):
        RunStages([StageCall("shout", shout, 1), StageCall("shout", no_b, 0)])


@pytest.mark.parametrize("children", [0, 2])
def test_batches_keep_every_element_its_timestamp_and_window(children: int) -> None:
    # More elements than a batch holds, so batches run both while elements arrive and at the
    # bundle's end; watch windows records by the timestamps they leave this step with. With a
    # sandboxed stage in two children (a page run's --workers 2), batches overlap.
    count = 2 * BATCH_RECORDS + 50
    stage = StageCall("shout", shout, 1, 60.0) if children else StageCall("shout", shout, 1)
    texts = [f"t{i}" if i % 7 else "" for i in range(count)]
    pipeline = TestPipeline(runner=RUNNER)
    result = (
        pipeline
        | beam.Create(list(enumerate(texts)))
        | "Stamp" >> beam.Map(lambda pair: TimestampedValue(doc(pair[1]), 100.0 + pair[0]))
        | "Window" >> beam.WindowInto(FixedWindows(10))
        | RunStages([stage])
    )

    def placed(
        record: Document | Reject, timestamp=beam.DoFn.TimestampParam, window=beam.DoFn.WindowParam
    ) -> tuple[str, float, float]:
        return record.doc_id, float(timestamp), float(window.start)

    def expected(indexes: list[int]) -> list[tuple[str, float, float]]:
        return [(f"id-{texts[i]}", 100.0 + i, 100.0 + i // 10 * 10) for i in indexes]

    kept = [i for i in range(count) if texts[i]]
    refused = [i for i in range(count) if not texts[i]]
    assert_that(result.records | "Kept" >> beam.Map(placed), equal_to(expected(kept)), label="K")
    assert_that(
        result.rejects | "Refused" >> beam.Map(placed), equal_to(expected(refused)), label="R"
    )
    with children_per_stage(max(children, 1)):
        run = pipeline.run()
    run.wait_until_finish()
    assert counters(run, "shout") == {
        "in": count,
        "out": len(kept),
        "rejected.empty": len(refused),
    }


def test_the_stages_process_collects_less_often_and_still_frees_cycles() -> None:
    # The stages allocate per line and free by reference counting; the collector is set for
    # that once the stages set up (transforms/beam/collector.py). A cycle made afterwards must
    # still be collected: a long `watch` must not grow.
    settle_collector.cache_clear()
    gc.unfreeze()
    default = gc.get_threshold()
    gc.set_threshold(700, *default[1:])
    try:
        pipeline = TestPipeline(runner=RUNNER)
        result = pipeline | beam.Create([doc("a")]) | RunStages([StageCall("shout", shout, 1)])
        assert_that(result.records | beam.Map(lambda d: d.text), equal_to(["A"]))
        pipeline.run().wait_until_finish()
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0

        class Node:
            other: object = None

        first, second = Node(), Node()
        first.other, second.other = second, first
        gone = weakref.ref(first)
        del first, second
        gc.collect()
        assert gone() is None
    finally:
        gc.set_threshold(*default)

"""The one stage loop without Beam: a stage that raises makes its record an internal_error
reject with the traceback kept, and the loop stops at the first reject."""

from __future__ import annotations

from scrapeclean.transforms.records import Document, Reject, RejectReason
from scrapeclean.transforms.text.stages import StageCall, stage_steps


def explode(record: Document, section: object) -> Document:
    raise RuntimeError("boom")


def test_a_raising_stage_is_an_internal_error_reject_and_the_loop_stops() -> None:
    document = Document("in.txt", "id", "text", b"raw", "Some text.")
    seen: list[str] = []

    def record_call(record: Document, section: object) -> Document:
        seen.append(record.text)
        return record

    stages = [StageCall("first", record_call, None), StageCall("boom", explode, None)]
    steps = list(stage_steps(document, [*stages, StageCall("after", record_call, None)]))
    assert [step.name for step in steps] == ["first", "boom"]
    reject = steps[-1].after
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.detail, reject.raw, reject.doc_id) == (
        RejectReason.INTERNAL_ERROR,
        "boom: RuntimeError: boom",
        b"raw",
        "id",
    )
    assert steps[-1].error is not None and "RuntimeError: boom" in steps[-1].error
    assert seen == ["Some text."]


def test_a_stage_that_does_not_apply_is_skipped() -> None:
    document = Document("in.txt", "id", "text", b"", "Text.")
    stage = StageCall("never", explode, None, applies=lambda record: False)
    (step,) = stage_steps(document, [stage])
    assert step.skipped and step.after is document

"""The one stage loop without Beam: a stage that raises makes its record an internal_error
reject with the traceback kept, and the loop stops at the first reject; run over a batch, stage
by stage, every record takes the same steps."""

from __future__ import annotations

from scrapeclean.transforms.records import Document, Reject, RejectReason
from scrapeclean.transforms.text.stages import StageCall, Step, batch_steps, stage_steps


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


def test_a_batch_takes_each_record_through_the_steps_it_takes_alone() -> None:
    calls: list[tuple[str, str]] = []

    def first(record: Document, section: object) -> Document | Reject:
        calls.append(("first", record.text))
        if not record.text:
            return Reject.of(record, RejectReason.EMPTY, "nothing")
        return Document(record.source, record.doc_id, "text", b"", record.text.upper())

    def second(record: Document, section: object) -> Document:
        calls.append(("second", record.text))
        if record.text == "BOOM":
            raise RuntimeError("boom")
        return Document(record.source, record.doc_id, "text", b"", record.text + "!")

    stages = [
        StageCall("first", first, None),
        StageCall("only_b", explode, None, applies=lambda record: record.text == "B"),
        StageCall("second", second, None),
    ]
    documents = [Document(f"{t}.txt", t, "text", b"", t) for t in ("a", "", "boom", "b")]
    batched: dict[int, list[Step]] = {}
    for index, step in batch_steps(documents, stages):
        batched.setdefault(index, []).append(step)
    assert calls[:4] == [("first", "a"), ("first", ""), ("first", "boom"), ("first", "b")]
    alone = {i: list(stage_steps(d, stages)) for i, d in enumerate(documents)}
    # A traceback names the frames it went through: compare it by its last line.
    assert {i: [_comparable(s) for s in steps] for i, steps in batched.items()} == {
        i: [_comparable(s) for s in steps] for i, steps in alone.items()
    }
    assert [_comparable(s)[:3] for s in batched[0]] == [
        ("first", "a", "A"),
        ("only_b", "A", "A"),
        ("second", "A", "A!"),
    ]
    assert [s.name for s in batched[1]] == ["first"]
    assert [s.name for s in batched[2]] == ["first", "only_b", "second"]
    assert batched[2][1].skipped and batched[2][2].error is not None
    assert [s.name for s in batched[3]] == ["first", "only_b"]
    assert isinstance(batched[3][1].after, Reject)


def _comparable(step: Step) -> tuple[object, ...]:
    def text(record: object) -> object:
        return record.text if isinstance(record, Document) else (record.reason, record.detail)

    last = step.error.strip().splitlines()[-1] if step.error else None
    return step.name, text(step.before), text(step.after), last, step.skipped


def test_a_stage_over_many_records_takes_them_at_once_and_alone_if_that_fails() -> None:
    batches: list[list[str]] = []

    def shout(record: Document, section: object) -> Document:
        if record.text == "boom":
            raise RuntimeError("boom")
        return Document(record.source, record.doc_id, "text", b"", record.text.upper())

    def shout_many(records: list[Document], section: object) -> list[Document]:
        batches.append([record.text for record in records])
        return [shout(record, section) for record in records]

    stage = StageCall("shout", shout, None, applies=lambda r: r.text != "skip", many=shout_many)
    documents = [Document(f"{t}.txt", t, "text", b"", t) for t in ("a", "skip", "b")]
    steps = [step for _, step in batch_steps(documents, [stage])]
    assert batches == [["a", "b"]]  # one call for the batch, the skipped record left out
    assert [(s.after.text, s.skipped) for s in steps] == [
        ("A", False),
        ("skip", True),
        ("B", False),
    ]
    documents.insert(1, Document("boom.txt", "boom", "text", b"", "boom"))
    batched = {i: _comparable(step) for i, step in batch_steps(documents, [stage])}
    alone = {i: _comparable(next(stage_steps(d, [stage]))) for i, d in enumerate(documents)}
    assert batched == alone and batched[1][2][0] == RejectReason.INTERNAL_ERROR

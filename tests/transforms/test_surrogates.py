"""surrogates: lone surrogates never leave the places where text enters (JSON, decoding), so
every string of a record has a UTF-8 form."""

from __future__ import annotations

import pytest

from scrapeclean.transforms.records import Document, failure_detail
from scrapeclean.transforms.surrogates import drop_surrogates, loads_json
from scrapeclean.transforms.text.decode import ReadConfig, decode_document


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("caf\u00e9 \U0001f600", "caf\u00e9 \U0001f600"),
        ("a\ud800b\udfffc", "abc"),
        ("\udcff", ""),
    ],
)
def test_drop_surrogates(text: str, expected: str) -> None:
    assert drop_surrogates(text) == expected
    drop_surrogates(text).encode("utf-8")


def test_loads_json_drops_lone_surrogates_everywhere_and_keeps_pairs() -> None:
    line = rb'{"url\ud800": ["x\udfff", {"t": "\ud83d\ude00 \uD800"}], "n": 1}'
    assert loads_json(line) == {"url": ["x", {"t": "\U0001f600 "}], "n": 1}
    assert loads_json(line.decode()) == loads_json(line)


def test_loads_json_walks_deep_nesting_without_recursing() -> None:
    depth = 900  # json.loads takes it; a recursive walk from inside a stage might not
    value = loads_json(b"[" * depth + b'"\\ud800x"' + b"]" * depth)
    for _ in range(depth):
        (value,) = value
    assert value == "x"


def test_loads_json_raises_what_json_raises() -> None:
    with pytest.raises(RecursionError):
        loads_json(b"[" * 50_000 + b"]" * 50_000)
    with pytest.raises(ValueError):
        loads_json(b"{not json")


def test_decoding_drops_surrogates_a_declared_charset_produces() -> None:
    page = b'<html><head><meta charset="utf-7"></head><body><p>a+2AA-b</p></body></html>'
    document = decode_document(page, "p.html", "html", ReadConfig(), is_html=True)
    assert isinstance(document, Document) and "<p>ab</p>" in document.text


def test_failure_detail_names_where_and_the_exception_capped_and_valid() -> None:
    assert failure_detail("read", ValueError("bad")) == "read: ValueError: bad"
    long = failure_detail("jsonl", ValueError("x\ud800" * 1000))
    assert long.startswith("jsonl: ValueError: x") and len(long) <= 500
    long.encode("utf-8")

"""decode: size caps, gzip and bombs, binary sniffing, charsets; exact reason codes."""

from __future__ import annotations

import codecs
import gzip
import random

import pytest

from scrapeclean.transforms.records import Document, Reject, RejectReason
from scrapeclean.transforms.text.decode import ReadConfig, decode_document, inflate

CONFIG = ReadConfig()
TEXT = "Zürich’s council met on Tuesday — and voted “yes”.\n"


def decode(data: bytes, config: ReadConfig = CONFIG) -> Document | Reject:
    return decode_document(data, "in/doc.txt", "text", config)


def reason(data: bytes, config: ReadConfig = CONFIG) -> RejectReason:
    result = decode(data, config)
    assert isinstance(result, Reject), result
    return result.reason


@pytest.mark.parametrize(
    ("data", "fixes"),
    [
        (TEXT.encode("utf-8"), ()),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), ()),
        (TEXT.encode("utf-16"), ("transcoded",)),  # BOM + NUL bytes: text, not binary
        (TEXT.encode("utf-32"), ("transcoded",)),
        (gzip.compress(TEXT.encode("utf-8")), ()),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "utf32-bom", "gzip"],
)
def test_text_decodes_exactly(data: bytes, fixes: tuple[str, ...]) -> None:
    result = decode(data)
    assert isinstance(result, Document)
    assert result.text == TEXT
    assert result.fixes == fixes


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Die Gewerkschaft fordert höhere Löhne für Lokführer und kürzere Schichten.", "cp1252"),
        (
            "São Paulo’s mayor said the “green corridor” plan — worth €2 billion — would go ahead, "
            "despite protests from Simões.",
            "cp1252",
        ),  # charset-normalizer alone: cp1250, "Săo"
        (
            "Le ministre a déclaré mercredi que la réforme serait présentée à l'Assemblée.",
            "latin-1",
        ),
        (
            "Wczoraj w Łodzi odbyło się spotkanie mieszkańców, którzy protestowali przeciwko "
            "budowie nowej drogi. Prezydent powiedział, że decyzja zapadnie w przyszłym tygodniu.",
            "cp1250",
        ),
        (
            "Příliš žluťoučký kůň úpěl ďábelské ódy. Vláda ve středu schválila návrh rozpočtu.",
            "cp1250",
        ),
        ("Правительство в среду одобрило проект бюджета на следующий год.", "cp1251"),
        ("Правительство в среду одобрило проект бюджета на следующий год.", "koi8-r"),
        (
            "Η κυβέρνηση ενέκρινε την Τετάρτη το σχέδιο προϋπολογισμού για το επόμενο έτος.",
            "cp1253",
        ),
    ],
    ids=[
        "de-cp1252",
        "en-cp1252",
        "fr-latin1",
        "pl-cp1250",
        "cz-cp1250",
        "ru-cp1251",
        "ru-koi8r",
        "el-cp1253",
    ],
)
def test_single_byte_charsets_are_detected(text: str, encoding: str) -> None:
    result = decode(text.encode(encoding))
    assert isinstance(result, Document)
    assert result.text == text
    assert result.fixes == ("transcoded",)


def test_latin1_with_one_accidental_utf8_pair_is_still_latin1() -> None:
    text = "Müller und Söhne prüfen die Lösung für Größen über Maß. " * 8 + "Ã©"
    result = decode(text.encode("latin-1"))
    assert isinstance(result, Document) and result.text == text


def test_truncated_utf8_sequences_are_dropped_not_redetected() -> None:
    text = "Ukraine’s “team” – in Kyiv’s centre, Zelensky’s aide said. " * 4
    data = text.encode().replace("’".encode(), b"\xe2\x80")
    result = decode(data)
    assert isinstance(result, Document)
    assert result.text == text.replace("’", "")
    assert result.fixes == ("invalid_utf8",)


def test_a_few_broken_utf8_bytes_are_dropped_not_redetected() -> None:
    data = (TEXT * 200).encode("utf-8") + b"\xff" + (TEXT * 200).encode("utf-8")
    result = decode(data)
    assert isinstance(result, Document)
    assert result.text == TEXT * 400
    assert result.fixes == ("invalid_utf8",)


def test_binary_is_rejected() -> None:
    assert reason(b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(4000)) == RejectReason.BINARY
    assert reason(b"text with a NUL\x00 byte") == RejectReason.BINARY
    assert reason(bytes(range(1, 9)) * 100) == RejectReason.BINARY


def test_too_large_is_rejected_with_capped_raw() -> None:
    config = ReadConfig(max_document_bytes=1000, reject_raw_bytes=10)
    result = decode(b"a" * 1001, config)
    assert isinstance(result, Reject)
    assert result.reason == RejectReason.TOO_LARGE
    assert result.raw == b"a" * 10
    assert result.doc_id  # it got far enough to have an id


def test_gzip_bomb_is_refused_without_inflating_it() -> None:
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))
    assert len(bomb) < 100_000
    assert reason(bomb, ReadConfig(max_document_bytes=1024 * 1024)) == (
        RejectReason.DECOMPRESSION_BOMB
    )


def test_oversize_gzip_with_a_normal_ratio_is_too_large() -> None:
    text = random.Random(2).randbytes(300_000).hex().encode()  # deflates only ~2x
    assert reason(gzip.compress(text), ReadConfig(max_document_bytes=400_000)) == (
        RejectReason.TOO_LARGE
    )


def test_truncated_gzip_is_corrupt() -> None:
    data = gzip.compress(TEXT.encode() * 100)
    assert reason(data[: len(data) // 2]) == RejectReason.CORRUPT_COMPRESSION


def test_gzip_with_trailing_garbage_is_corrupt() -> None:
    data = gzip.compress(TEXT.encode()) + b"\x1f\x8b this is not a second member"
    assert reason(data) == RejectReason.CORRUPT_COMPRESSION


def test_a_bomb_of_many_gzip_members_is_refused() -> None:
    bomb = gzip.compress(bytes(1024 * 1024), mtime=0) * 200  # 200 MiB of zeros in 200 members
    assert reason(bomb) == RejectReason.DECOMPRESSION_BOMB


def test_multi_member_gzip_is_read_whole() -> None:
    data = gzip.compress(b"first part. ") + gzip.compress(b"second part.")
    assert inflate(data, CONFIG) == b"first part. second part."


def test_doc_id_is_stable_and_depends_on_source_and_bytes() -> None:
    first = decode(TEXT.encode())
    again = decode(TEXT.encode())
    other_source = decode_document(TEXT.encode(), "in/other.txt", "text", CONFIG)
    assert isinstance(first, Document) and isinstance(again, Document)
    assert first.doc_id == again.doc_id != other_source.doc_id  # type: ignore[union-attr]

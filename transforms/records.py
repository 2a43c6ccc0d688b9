"""The records that flow between stages and the stable reject reason codes.

Records are frozen: a stage returns a new record (``dataclasses.replace``) and never mutates.
"""

from __future__ import annotations

import hashlib
import pickle
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from scrapeclean.transforms.surrogates import drop_surrogates


class RejectReason(StrEnum):
    """Every reject code, once. Codes are contract: renaming one bumps schema_version."""

    UNREADABLE = "unreadable"  # the file could not be opened or read
    TOO_LARGE = "too_large"  # more bytes than read.max_document_bytes
    DECOMPRESSION_BOMB = "decompression_bomb"  # inflates past the size and ratio caps
    CORRUPT_COMPRESSION = "corrupt_compression"  # truncated or invalid gzip stream
    BINARY = "binary"  # NUL bytes or control characters: not text
    UNDECODABLE = "undecodable"  # no charset decodes it to plausible text
    UNSUPPORTED_FORMAT = "unsupported_format"  # an input format this version cannot parse
    INVALID_JSON = "invalid_json"  # a JSONL line that is not JSON
    NOT_AN_OBJECT = "not_an_object"  # a JSONL line that is JSON but not an object
    WRONG_FIELD_TYPE = "wrong_field_type"  # a mapped JSONL field of the wrong type
    EMPTY_RECORD = "empty_record"  # a JSONL record with no html or text
    LINE_TOO_LONG = "line_too_long"  # a JSONL line longer than read.max_line_bytes
    CORRUPT_WARC = "corrupt_warc"  # a WARC file that stops being parseable
    TIMEOUT = "timeout"  # a stage ran past its per-document time limit
    EMPTY = "empty"  # nothing left after cleaning
    TOO_SHORT = "too_short"  # fewer words than validate.min_words
    INTERNAL_ERROR = "internal_error"  # a stage raised: a bug, kept as a dead letter
    DUPLICATE = "duplicate"  # same content_hash as a kept article (detail: its doc_id)
    NEAR_DUPLICATE = "near_duplicate"  # MinHash Jaccard >= neardup.threshold (detail: kept doc_id)
    LOW_WORD_COUNT = "low_word_count"  # quality: fewer words than quality.min_words (Gopher)
    HIGH_WORD_COUNT = "high_word_count"  # quality: more words than quality.max_words (Gopher)
    WORD_LENGTH_OUT_OF_RANGE = "word_length_out_of_range"  # quality: mean word length (Gopher)
    HIGH_SYMBOL_RATIO = "high_symbol_ratio"  # quality: '#' and ellipses per word (Gopher)
    LOW_ALPHABETIC_WORDS = "low_alphabetic_words"  # quality: words without a letter (Gopher)
    LOW_TERMINAL_PUNCTUATION = "low_terminal_punctuation"  # quality: lines ending . ! ? (FineWeb)
    REPEATED_LINES = "repeated_lines"  # quality: duplicate line fraction (Gopher)
    REPEATED_NGRAM = "repeated_ngram"  # quality: top 2/3/4-gram character fraction (Gopher)
    LOREM_IPSUM = "lorem_ipsum"  # quality: placeholder text (C4)
    JAVASCRIPT_COOKIE_NOTICE = "javascript_cookie_notice"  # quality: a notice page (C4)
    LANGUAGE_FILTERED = "language_filtered"  # language not in language.keep


# A failure's detail names where it happened and the exception; messages that quote their
# input (a parser error, a long repr) are cut here: the reject's `raw` already keeps the input.
FAILURE_DETAIL_CHARS = 500


def failure_detail(where: str, error: BaseException) -> str:
    """``"<where>: <ExcType>: <message>"``, capped, as valid UTF-8: the ``detail`` of a document
    whose processing raised (the message may quote the input, lone surrogates and all)."""
    detail = f"{where}: {type(error).__name__}: {error}"
    return drop_surrogates(detail[:FAILURE_DETAIL_CHARS])


def make_doc_id(source: str, data: bytes) -> str:
    """Stable id from where a document came from and its exact bytes: same input, same id."""
    digest = hashlib.sha256(source.encode("utf-8", "surrogateescape"))
    digest.update(b"\0")
    digest.update(data)
    return digest.hexdigest()[:32]


class PickledAsArguments:
    """Pickle a slots dataclass as its constructor's arguments, zlib-compressed when large.

    Why: Beam pickles every element that crosses a stage boundary, and the local runner keeps
    whole PCollections in memory between stages (the corpus steps' decisions wait for every
    article; the read stage's batches of file names wait for the planning step): compressed, an
    article takes ~2.6x less room there. The dataclass default (``__getstate__`` calling
    ``fields()`` per record) was also slower.
    """

    __slots__ = ()

    def arguments(self) -> tuple[Any, ...]:
        """The constructor's arguments, in order: the record rebuilds as ``type(self)(*args)``."""
        names: tuple[str, ...] = type(self).__slots__  # type: ignore[attr-defined]
        return tuple([getattr(self, name) for name in names])

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        values = self.arguments()
        packed = pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL)
        if len(packed) < _COMPRESS_FROM_BYTES:
            return type(self), values
        return _unpack, (type(self), zlib.compress(packed, 1))


_COMPRESS_FROM_BYTES = 1024  # below it zlib saves little and costs more than it saves


def _unpack(cls: type, packed: bytes) -> Any:
    return cls(*pickle.loads(zlib.decompress(packed)))


@dataclass(frozen=True, slots=True)
class Document(PickledAsArguments):
    """A decoded input document on its way through repair, boilerplate and segmentation."""

    source: str
    doc_id: str
    input_format: str
    raw: bytes  # the input as read, already capped to read.reject_raw_bytes
    text: str
    url: str | None = None
    fixes: tuple[str, ...] = ()
    boilerplate_removed: tuple[str, ...] = ()
    is_html: bool = False  # text is markup still to be extracted (stage `extract`)
    # What the input itself states (a JSONL field, the page's markup); it wins over guesses.
    headline: str | None = None
    summary: str | None = None
    summary_known: bool = False  # the input said what its summary is, possibly none
    published: datetime | None = None
    language: str | None = None  # a hint (html lang), checked by language detection
    credits: tuple[str, ...] = ()
    extracted: bool = False  # text holds the paragraphs HTML extraction chose, not a dump
    # The line model's role (headline, summary, credit, content) for each non-blank line of
    # text, set by the boilerplate stage for segment; empty when the model did not read it.
    line_roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Article(PickledAsArguments):
    """One clean article: the contract's article columns, plus the capped raw input for rejects."""

    doc_id: str
    source: str
    url: str | None
    headline: str | None
    summary: str | None
    lead: str
    body: str
    credits: str | None
    published: datetime | None
    language: str | None
    n_words: int
    content_hash: str
    fixes: tuple[str, ...]
    boilerplate_removed: tuple[str, ...]
    input_format: str
    split: str | None = None  # train / validation / test, when the split stage runs
    # Copies dropped for this survivor in the run that published it: same content_hash, and
    # near duplicates (dedup / neardup); None when that step is off.
    exact_copies: int | None = None
    near_copies: int | None = None
    # The input's bytes (capped at read.reject_raw_bytes), never written with the article: kept
    # on purpose for the corpus steps' rejects (duplicate, quality, language, site chrome only),
    # whose `raw` column the contract fills with the input. Re-reading it at the write instead
    # would need the source to still exist and be re-parsed (a JSONL line, a WARC record, a
    # gzip member), which a moved or remote input cannot promise; the price is its bytes in
    # each pickle (zlib-compressed by PickledAsArguments) and spill file: a few KB a news page.
    raw: bytes = field(default=b"", repr=False)

    @property
    def text(self) -> str:
        """The full article text as the contract defines it: lead, then body after a blank line."""
        return f"{self.lead}\n\n{self.body}" if self.body else self.lead


@dataclass(frozen=True, slots=True)
class Reject(PickledAsArguments):
    """An input document that did not become an article, with a stable reason code."""

    source: str
    doc_id: str | None
    reason: RejectReason
    detail: str
    raw: bytes
    input_format: str

    @classmethod
    def of(cls, record: Document | Article, reason: RejectReason, detail: str) -> Reject:
        """Reject a record that got past reading: it keeps its id, raw bytes and format."""
        return cls(
            source=record.source,
            doc_id=record.doc_id,
            reason=reason,
            detail=detail,
            raw=record.raw,
            input_format=record.input_format,
        )

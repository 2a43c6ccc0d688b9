"""Bytes to text: size caps, gzip with a bomb guard, binary sniffing and charset decoding
(text dumps by detection, HTML pages as a browser does: HTTP charset, BOM, <meta>).

It turns what a reader read into a ``Document`` or a ``Reject``; it does no text cleaning.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zlib
from dataclasses import dataclass

import charset_normalizer

from scrapeclean.transforms.records import Document, Reject, RejectReason, make_doc_id
from scrapeclean.transforms.surrogates import drop_surrogates

MIB = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
_INFLATE_CHUNK = 256 * 1024
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD_INTERNAL = frozenset("’‘ʼ′·‐‑")
BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0 controls that never occur in text; tab, newlines and form feed do.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\v")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
# WHATWG encoding standard: browsers decode these labels with the superset codec, and pages
# labelled so really contain the superset's extra characters (curly quotes, rare hanzi).
_WHATWG_ALIASES = {
    **dict.fromkeys(
        ("iso-8859-1", "iso8859-1", "latin-1", "latin1", "ascii", "us-ascii"), "cp1252"
    ),
    **dict.fromkeys(("gb2312", "gbk", "x-gbk"), "gb18030"),
    **dict.fromkeys(("shift_jis", "shift-jis", "sjis", "x-sjis"), "cp932"),
    "euc-kr": "cp949",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
}
_SINGLE_BYTE = re.compile(r"^(?:cp|windows-|iso-?8859|latin|koi8|mac)", re.I)


@dataclass(frozen=True, slots=True)
class ReadConfig:
    """Caps and thresholds for turning bytes into text."""

    # A news article is a few KB; 10 MiB leaves room for huge pages but keeps one document
    # from dominating a worker's memory (issue 4: a 50 MB line must become a reject).
    max_document_bytes: int = 10 * MIB
    # Text and HTML deflate 3-20x; a gzip of zeros deflates ~1000x. Beyond this ratio an
    # oversize stream is called a bomb rather than merely too large.
    max_compression_ratio: int = 100
    # Longest line of a text dump or a JSONL record; a 50 MB single line becomes a reject
    # without ever being held whole (issue 4). Minified HTML pages have no line cap.
    max_line_bytes: int = 5 * MIB
    # Bytes of header lines (WARC + HTTP) per WARC record; past it the rest of the file is one
    # `corrupt_warc` reject. warcio reads header lines unbounded: a 400 MiB line in a 400 KB
    # .warc.gz took 1.4 GB (issue 17). Real records have 0.5-5 KB of headers; Go's net/http
    # caps a request's whole header at 1 MiB (DefaultMaxHeaderBytes), the same bound here.
    max_header_bytes: int = 1 * MIB
    # JSONL files are cut into chunks of about this size so that workers parse them in parallel.
    jsonl_chunk_bytes: int = 64 * MIB
    # Files (or JSONL chunks) per unit of work handed to a worker: Beam's cost is per element,
    # so thousands of small files move through it a batch at a time (transforms/beam/read.py).
    files_per_batch: int = 500
    # The contract's default cap for the `raw` column of rejects.
    reject_raw_bytes: int = 1 * MIB
    # How much of the start of a document is sniffed for binary content.
    binary_sniff_bytes: int = 8192
    # Share of C0 control bytes in the sniffed window above which a document is binary.
    max_control_ratio: float = 0.02
    # Bytes that are not valid UTF-8 but hold at least this share of valid multibyte UTF-8
    # sequences (among all non-ASCII ones) are broken UTF-8: read as UTF-8, bad bytes dropped,
    # rather than re-detected as a single-byte charset that turns every ’ into mojibake.
    # Real cp1252/latin-1 text almost never contains a valid UTF-8 pair by accident.
    min_valid_utf8_share: float = 0.2

    def __post_init__(self) -> None:
        for name in (
            "max_document_bytes",
            "max_compression_ratio",
            "binary_sniff_bytes",
            "max_line_bytes",
            "max_header_bytes",
            "jsonl_chunk_bytes",
            "files_per_batch",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be >= 1")
        if self.reject_raw_bytes < 0:
            raise ValueError("reject_raw_bytes: must be >= 0")
        for name in ("max_control_ratio", "min_valid_utf8_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name}: must be between 0 and 1")


class RefusedError(Exception):
    """Raised inside this module when bytes cannot become text; carries the reject reason."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def decode_document(
    data: bytes,
    source: str,
    input_format: str,
    config: ReadConfig,
    *,
    is_html: bool = False,
    url: str | None = None,
    charset: str | None = None,
) -> Document | Reject:
    """Turn the bytes of one input document into a decoded Document, or a Reject saying why not.

    HTML is decoded by its declared charset (``charset`` from HTTP, else its meta tags) and left
    as markup for the extract stage; a text dump's lines are capped at ``max_line_bytes``.
    """
    doc_id = make_doc_id(source, data)
    raw = data[: config.reject_raw_bytes]
    try:
        if len(data) > config.max_document_bytes:
            detail = f"{len(data)} bytes > {config.max_document_bytes}"
            raise RefusedError(RejectReason.TOO_LARGE, detail)
        try:
            payload = inflate(data, config) if data.startswith(GZIP_MAGIC) else data
        except zlib.error as error:
            raise RefusedError(RejectReason.CORRUPT_COMPRESSION, f"invalid gzip: {error}") from None
        if is_html:
            text, fixes = decode_markup(payload, charset, config), ()
        else:
            text, fixes = decode_text(payload, config)
            check_line_lengths(text, config.max_line_bytes)
    except RefusedError as refused:
        return Reject(source, doc_id, refused.reason, refused.detail, raw, input_format)
    # A declared charset such as UTF-7 can decode to lone surrogates, which no later step could
    # hash or write: they go here, where bytes become text.
    text = drop_surrogates(text)
    return Document(source, doc_id, input_format, raw, text, url=url, fixes=fixes, is_html=is_html)


def decode_markup(data: bytes, charset: str | None, config: ReadConfig) -> str:
    """Decode an HTML page by its declared charset, after refusing binary content (an image)."""
    if is_binary(data[: config.binary_sniff_bytes], config.max_control_ratio):
        raise RefusedError(RejectReason.BINARY, "NUL or control bytes: not a page")
    return decode_html(data, charset)


def check_line_lengths(text: str, max_line_bytes: int) -> None:
    """Refuse a text dump with a line longer than the cap (a megabyte paragraph is no article)."""
    if len(text) > max_line_bytes and any(len(line) > max_line_bytes for line in text.split("\n")):
        raise RefusedError(RejectReason.LINE_TOO_LONG, f"a line longer than {max_line_bytes}")


def inflate(data: bytes, config: ReadConfig) -> bytes:
    """Gunzip in bounded chunks, so a bomb is refused long before it is fully inflated.

    Past ``max_document_bytes`` the rest is inflated only to be counted, chunk by chunk and
    discarded, up to ``max_compression_ratio`` times the input: that tells a bomb from a merely
    large file without holding more than one chunk.
    """
    limit = config.max_document_bytes
    bomb_size = max(config.max_compression_ratio * len(data), limit)
    out = bytearray()
    size = 0
    pending = data
    while pending:  # a .gz may hold several members, one after another
        inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
        chunk = inflater.decompress(pending, _INFLATE_CHUNK)
        while True:
            size += len(chunk)
            if size <= limit:
                out += chunk
            elif size > bomb_size:
                detail = f"inflates more than {config.max_compression_ratio}x its {len(data)} bytes"
                raise RefusedError(RejectReason.DECOMPRESSION_BOMB, detail)
            if inflater.eof or not inflater.unconsumed_tail:  # at eof zlib keeps a stale tail
                break
            chunk = inflater.decompress(inflater.unconsumed_tail, _INFLATE_CHUNK)
        if not inflater.eof:
            raise RefusedError(RejectReason.CORRUPT_COMPRESSION, "gzip stream is truncated")
        pending = inflater.unused_data
    if size > limit:
        raise RefusedError(RejectReason.TOO_LARGE, f"inflates to {size} bytes > {limit}")
    return bytes(out)


def decode_text(data: bytes, config: ReadConfig) -> tuple[str, tuple[str, ...]]:
    """Decode bytes as BOM-declared, UTF-8 or a detected charset; refuse binary and garbage.

    Returns the text and the repairs decoding made: ``transcoded`` when it was not UTF-8,
    ``invalid_utf8`` when a few broken UTF-8 bytes were dropped.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as error:
                detail = f"{encoding} BOM but {error}"
                raise RefusedError(RejectReason.UNDECODABLE, detail) from None
            return text, () if encoding == "utf-8-sig" else ("transcoded",)
    if is_binary(data[: config.binary_sniff_bytes], config.max_control_ratio):
        raise RefusedError(RejectReason.BINARY, "NUL or control bytes: not text")
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    invalid = lenient.count("\ufffd")
    valid_multibyte = len(lenient) - invalid - len(lenient.encode("ascii", "ignore"))
    if valid_multibyte and valid_multibyte >= config.min_valid_utf8_share * (
        valid_multibyte + invalid
    ):
        return lenient.replace("\ufffd", ""), ("invalid_utf8",)
    # Western code page first, as browsers do (WHATWG's fallback): charset-normalizer alone
    # calls cp1252 English "cp1250" or "mac_iceland" (São -> Săo), since the bytes that tell
    # them apart are rare. cp1252 must also leave no symbol inside a word: Polish in cp1250
    # read as cp1252 scores no chaos but reads "odby³o" (ł -> ³).
    western = charset_normalizer.from_bytes(data, cp_isolation=["cp1252"]).best()
    if western is not None and not has_symbol_inside_word(str(western)):
        return str(western), ("transcoded",)
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise RefusedError(RejectReason.UNDECODABLE, "no charset decodes it")
    return str(best), ("transcoded",)


def has_symbol_inside_word(text: str) -> bool:
    """True when a non-ASCII non-letter sits between two letters: the mark of a wrong code page.

    Apostrophes, middle dots, hyphens and spaces (NBSP) are fine between letters in correct text.
    """
    for match in _NON_ASCII.finditer(text):
        index = match.start()
        char = text[index]
        if (
            0 < index < len(text) - 1
            and not unicodedata.category(char).startswith(("L", "M", "Z"))
            and char not in _WORD_INTERNAL
            and text[index - 1].isalpha()
            and text[index + 1].isalpha()
        ):
            return True
    return False


def is_binary(sample: bytes, max_control_ratio: float) -> bool:
    """True when a byte sample holds a NUL or too many control bytes to be text."""
    if b"\0" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > max_control_ratio * max(1, len(sample))


def decode_html(data: bytes, http_charset: str | None = None) -> str:
    """Decode page bytes as a browser would: HTTP charset, BOM, <meta>, UTF-8, then detection."""
    codec = _codec(http_charset)
    if codec:
        return data.decode(codec, errors="replace")
    for bom, codec in BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    declared = _codec(_meta_charset(data[:4096]), from_meta=True)
    try:
        as_utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        as_utf8 = None
    if declared == "utf-8" and as_utf8 is not None:
        # Decoded already (96% of wcxb-dev's pages; decoding again took 0.12 of 0.29 ms a page).
        return as_utf8
    # A page saved again as UTF-8 often keeps its old single-byte declaration; valid multi-byte
    # UTF-8 is near impossible by accident, so then the bytes win over the stale <meta>.
    if declared and not (
        as_utf8 is not None and _SINGLE_BYTE.match(declared) and not data.isascii()
    ):
        return data.decode(declared, errors="replace")
    if as_utf8 is not None:
        return as_utf8
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    codec = _codec(best.encoding) if best is not None else None
    return data.decode(codec or "utf-8", errors="replace")


def _meta_charset(head: bytes) -> str | None:
    match = _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _codec(label: str | None, from_meta: bool = False) -> str | None:
    """Return a Python text codec for a charset label, or None when unknown or unusable."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _WHATWG_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
        "a".encode(name)  # rejects bytes/str transforms such as "base64" or "rot13"
    except LookupError:
        return None
    # A page cannot really be UTF-16/32 when its <meta> was readable as ASCII (WHATWG rule).
    if from_meta and name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return name

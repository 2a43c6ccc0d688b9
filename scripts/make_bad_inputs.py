"""Write a corpus of hostile inputs (issues 4 and 17) and the outcome each must end with.

Every file is something scrapers really produce: empty and binary files under text names,
broken encodings, a 50 MB file, a 20 MB line, 200k nested <div>s, a JSONL file of bad lines,
truncated and bomb gzips, a truncated WARC, odd file names, and one good control article.
Issue 17 adds records that used to fail the whole run or escape the accounting: a date past
datetime.max in UTC, JSON nested 50,000 deep, lone surrogates (JSONL fields, JSON-LD, a file
name that is not UTF-8), a blank html beside good text, a plain WARC written by warcio, a 400 MiB
WARC header line, JSON-LD lists nested 120 deep, invisible-only text and ANSI colour codes; and
paths that are not regular files (a FIFO, a dangling link, a link to a device) or whose names
hold a backslash or glob characters.
`expected` maps each document's source name (a WARC record's with its offset) to "article" or
its reject reason. Usage: python scripts/make_bad_inputs.py OUT_DIR
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import sys
import zlib
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_05c8e702dea443c3.txt"
MIB = 1024 * 1024
ASCII_PUNCTUATION = str.maketrans("’‘–", "''-")  # the seed's non-latin-1 characters


def article_text() -> str:
    """The user's seed article: a real dump that must come out intact."""
    return SEED.read_text(encoding="utf-8")


def gzip_of_zeros(size: int) -> bytes:
    """A gzip bomb of ``size`` zero bytes: one deflated MiB repeated as gzip members (a valid
    multi-member stream, built in milliseconds instead of deflating a gigabyte)."""
    return gzip.compress(bytes(MIB), compresslevel=9, mtime=0) * (size // MIB)


def jsonl_lines(text: str) -> tuple[bytes, dict[str, str]]:
    """Good records mixed with every kind of bad line, and the expected reason per line."""
    lines: list[tuple[bytes, str]] = [
        (json.dumps({"url": "https://example.com/a", "text": text}).encode(), "article"),
        (b"{this is not json", "invalid_json"),
        (b"[1, 2, 3]", "not_an_object"),
        (json.dumps({"text": 42}).encode(), "wrong_field_type"),
        (json.dumps({"url": "https://example.com/empty"}).encode(), "empty_record"),
        (json.dumps({"text": "x" * (10 * 1000 * 1000)}).encode(), "line_too_long"),
        (json.dumps({"title": "Peace talks", "text": text}).encode(), "article"),
        # issue 17: each of these failed the whole run, or was counted as empty
        (json.dumps({"text": text, "published": "9999-12-31T23:59:59-23:59"}).encode(), "article"),
        (b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "invalid_json"),
        (_with_surrogate("url", "https://example.com/\\ud800b", text), "article"),
        (_with_surrogate("title", "Peace\\udfff talks", text), "article"),
        (json.dumps({"text": text}).encode()[:-2] + b'\\ud800"}', "article"),
        (json.dumps({"html": " ", "text": text}).encode(), "article"),
    ]
    data = b"\n".join(line for line, _ in lines) + b"\n"
    expected = {f"mixed.jsonl#L{n}": reason for n, (_, reason) in enumerate(lines, 1)}
    return data, expected


def _with_surrogate(field: str, escaped: str, text: str) -> bytes:
    """A JSONL record whose ``field`` holds a lone-surrogate escape (json.dumps writes none)."""
    return f'{{"{field}": "{escaped}", "text": {json.dumps(text)}}}'.encode()


def article_page(text: str, head: str = "") -> str:
    """The seed article as an HTML page (headline in <h1>, paragraphs in <p>)."""
    _summary, headline, *paragraphs = [line for line in text.split("\n") if line.strip()][:8]
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (
        f"<html><head>{head}</head><body><article><h1>{headline}</h1>{body}</article></body></html>"
    )


def warc_of_pages(text: str, count: int, compressed: bool) -> tuple[bytes, list[int]]:
    """A WARC written by warcio of ``count`` article pages, and each record's offset."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=compressed)
    offsets = []
    for n in range(count):
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], "HTTP/1.1")
        offsets.append(buffer.tell())
        writer.write_record(
            writer.create_warc_record(
                f"https://example.com/{n}",
                "response",
                payload=io.BytesIO(article_page(text).encode()),
                http_headers=headers,
            )
        )
    return buffer.getvalue(), offsets


def huge_header_warc(text: str, line_bytes: int) -> tuple[bytes, list[int]]:
    """One good record, then a gzip member whose WARC header line is ``line_bytes`` long
    (deflated ~1000x: 400 MiB is 400 KB on disk), then another good record."""
    good, _ = warc_of_pages(text, 1, compressed=True)
    compressor = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    parts = [compressor.compress(b"WARC/1.0\r\nWARC-Target-URI: https://example.com/")]
    parts += [compressor.compress(b"a" * MIB) for _ in range(line_bytes // MIB)]
    bad = b"".join(parts) + compressor.compress(b"\r\n\r\n") + compressor.flush()
    return good + bad + good, [0, len(good)]


def nested_list_page(depth: int = 120, size: int = 160_000) -> str:
    """A 160 KB page whose JSON-LD articleBody nests <ul><li> 120 deep: every <li> holds the
    text of all the lists below it, 7-10 M characters in all before the text cap."""
    words = ("lorem ipsum dolor " * (size // depth // 18 + 1))[: size // depth]
    body = "".join(f"<ul><li>{words}" for _ in range(depth)) + "</li></ul>" * depth
    ld = json.dumps({"@type": "NewsArticle", "headline": "Nested", "articleBody": body})
    head = f'<script type="application/ld+json">{ld}</script>'
    return f"<html><head>{head}</head><body><p>Short.</p></body></html>"


def ansi_coloured(text: str) -> str:
    """The seed with its lead paragraph in red, as a terminal capture leaves it."""
    lead = [line for line in text.split("\n") if line.strip()][2]
    return text.replace(lead, f"\x1b[1;31m{lead}\x1b[0m", 1)


def warcs(text: str) -> dict[str, tuple[bytes, list[tuple[int | str, str]]]]:
    """The WARC files: {name: (bytes, [(record offset or "end", outcome), ...])}."""
    data, (first, second) = warc_of_pages(text, 2, compressed=True)
    plain, offsets = warc_of_pages(text, 2, compressed=False)
    huge, (good, bad) = huge_header_warc(text, 400 * MIB)
    return {
        # the second response cut off mid-record: the first stands, the rest is one reject
        "truncated.warc.gz": (data[:-200], [(first, "article"), (second, "corrupt_warc")]),
        # written by warcio itself: no phantom reject for the record terminator
        "plain.warc": (plain, [(offset, "article") for offset in offsets]),
        "huge header.warc.gz": (huge, [(good, "article"), (bad, "corrupt_warc")]),
    }


def write(out: Path) -> dict[str, str]:
    """Write every hostile input into ``out``; return {source name: expected outcome}."""
    out.mkdir(parents=True, exist_ok=True)
    text = article_text()
    rng = random.Random(4)
    files: dict[str, tuple[bytes, str]] = {
        "empty.txt": (b"", "empty"),
        "whitespace only.txt": (b"  \n\t\n\r\n   \n", "empty"),
        "random binary.txt": (rng.randbytes(65536), "binary"),
        "image.html": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(4096), "binary"),
        "invalid utf8.txt": (text.encode().replace("’".encode(), b"\xe2\x80"), "article"),
        "utf16 bom.txt": (text.encode("utf-16"), "article"),
        "latin1.txt": (text.translate(ASCII_PUNCTUATION).encode("latin-1"), "article"),
        "big 50mb.txt": ((text * (50 * MIB // len(text) + 1)).encode(), "too_large"),
        "single line 20mb.txt": (b"word " * (4 * MIB), "too_large"),
        "line 8mb.txt": (b"word " * (1600 * 1024) + b"\n" + text.encode(), "line_too_long"),
        "nested divs.html": (b"<html><body>" + b"<div>" * 200_000 + b"deep", "empty"),
        "truncated.txt.gz": (gzip.compress(text.encode() * 20)[:500], "corrupt_compression"),
        "bomb 1gb.txt.gz": (gzip_of_zeros(1024 * MIB), "decompression_bomb"),
        "Ünïcødé náme — with spaces.txt": (text.encode(), "article"),
        "control.txt": (text.encode(), "article"),
        # issue 17
        "json-ld surrogates.html": (article_page(text, JSON_LD_SURROGATES).encode(), "article"),
        "nested lists in json-ld.html": (nested_list_page().encode(), "too_large"),
        "invisible only.txt": ("\u3164 \u3164\n\u2800\u2800\n\u3000\u200b\n".encode(), "empty"),
        "ansi colours.txt": (ansi_coloured(text).encode(), "article"),
        NOT_UTF8_NAME: (text.encode(), "article"),
    }
    expected = {}
    for name, (data, outcome) in files.items():
        (out / name).write_bytes(data)
        expected[NOT_UTF8_SOURCE if name == NOT_UTF8_NAME else name] = outcome
    expected.update(odd_paths(out, text))
    data, lines = jsonl_lines(text)
    (out / "mixed.jsonl").write_bytes(data)
    expected.update(lines)
    for name, (data, records) in warcs(text).items():
        (out / name).write_bytes(data)
        expected.update({f"{name}#{offset}": outcome for offset, outcome in records})
    return expected


def odd_paths(out: Path, text: str) -> dict[str, str]:
    """Matched paths that are not regular files (each one ``unreadable`` reject; a FIFO used to
    hang the run) and names Beam's glob used to miss; return their expected outcomes."""
    os.mkfifo(out / "pipe.txt")
    os.symlink(out / "missing target", out / "dangling link.txt")
    os.symlink("/dev/null", out / "device link.txt")
    for name in ("back\\slash.txt", "glob [chars] *?.txt"):
        (out / name).write_text(text, encoding="utf-8")
    return {
        "pipe.txt": "unreadable",
        "dangling link.txt": "unreadable",
        "device link.txt": "unreadable",
        "back\\\\slash.txt": "article",  # the source doubles the backslash (docs/sources.md)
        "glob [chars] *?.txt": "article",
    }


# A file name with a byte that is not UTF-8 (Python holds it as the surrogate U+DCFF), and the
# source it gets: the byte written as \xff (docs/sources.md).
NOT_UTF8_NAME = os.fsdecode(b"not utf-8 \xff name.txt")
NOT_UTF8_SOURCE = "not utf-8 \\xff name.txt"
JSON_LD_SURROGATES = (
    '<script type="application/ld+json">{"@type": "NewsArticle", '
    '"headline": "Peace\\ud800 talks", "description": "A dek\\udfff."}</script>'
)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(json.dumps(write(Path(sys.argv[1])), indent=2, ensure_ascii=False))

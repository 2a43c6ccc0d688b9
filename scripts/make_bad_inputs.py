"""Write a corpus of hostile inputs (issue 4) and the reason each must end with.

Every file is something scrapers really produce: empty and binary files under text names,
broken encodings, a 50 MB file, a 20 MB line, 200k nested <div>s, a JSONL file of bad lines,
truncated and bomb gzips, a truncated WARC, odd file names, and one good control article.
`expected` maps each document's source name to "article" or its reject reason.
Usage: python scripts/make_bad_inputs.py OUT_DIR
"""

from __future__ import annotations

import gzip
import io
import json
import random
import sys
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
    ]
    data = b"\n".join(line for line, _ in lines) + b"\n"
    expected = {f"mixed.jsonl#L{n}": reason for n, (_, reason) in enumerate(lines, 1)}
    return data, expected


def truncated_warc(text: str) -> bytes:
    """A WARC of two article pages whose second response is cut off mid-record."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    _summary, headline, *paragraphs = [line for line in text.split("\n") if line.strip()][:8]
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    page = f"<html><body><article><h1>{headline}</h1>{body}</article></body></html>"
    for n in range(2):
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], "HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                f"https://example.com/{n}",
                "response",
                payload=io.BytesIO(page.encode()),
                http_headers=headers,
            )
        )
    data = buffer.getvalue()
    return data[: len(data) - 200]


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
    }
    expected = {}
    for name, (data, outcome) in files.items():
        (out / name).write_bytes(data)
        expected[name] = outcome
    data, lines = jsonl_lines(text)
    (out / "mixed.jsonl").write_bytes(data)
    expected.update(lines)
    (out / "truncated.warc.gz").write_bytes(truncated_warc(text))
    expected["truncated.warc.gz#<first>"] = "article"
    expected["truncated.warc.gz#<cut>"] = "corrupt_warc"
    return expected


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(json.dumps(write(Path(sys.argv[1])), indent=2, ensure_ascii=False))

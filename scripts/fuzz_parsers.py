"""Coverage-guided fuzzing (atheris) of the document parsers, for a bounded time (not in CI).

Targets: text-dump bytes through the whole pure chain, a JSONL line, an HTML page through
decoding and extraction, a WARC stream. Any exception escaping a target is a bug (the stages
must turn bad input into rejects). Usage:
  pip install atheris
  python -m scripts.fuzz_parsers TARGET -max_total_time=300 [-artifact_prefix=DIR/ ...]
TARGET: chain | jsonl | html | warc
"""

from __future__ import annotations

import io
import sys

import atheris

with atheris.instrument_imports(include=["scrapeclean"]):
    from scrapeclean.pipeline.job.config import load_config
    from scrapeclean.transforms.html.page import extract_page
    from scrapeclean.transforms.text.decode import decode_html
    from scrapeclean.transforms.text.formats import JsonlConfig, parse_jsonl_line
    from scrapeclean.transforms.text.stages import clean_bytes
    from scrapeclean.transforms.text.warc import warc_documents

CONFIG = load_config()
JSONL = JsonlConfig()


def fuzz_chain(data: bytes) -> None:
    """A text dump through decode, repair, boilerplate, segment, language, validate."""
    clean_bytes(data, "fuzz.txt", "text", CONFIG)


def fuzz_jsonl(data: bytes) -> None:
    """One JSONL line, then its document through the chain when it parses."""
    parse_jsonl_line(data, "fuzz.jsonl#L1", JSONL, 1024)


def fuzz_html(data: bytes) -> None:
    """Page bytes through charset decoding and article extraction."""
    extract_page(decode_html(data), None, CONFIG.html)


def fuzz_warc(data: bytes) -> None:
    """A WARC stream: every record read, documents decoded; corruption ends in a reject."""
    for _ in warc_documents(io.BytesIO(data), "fuzz.warc", CONFIG.read):
        pass


TARGETS = {"chain": fuzz_chain, "jsonl": fuzz_jsonl, "html": fuzz_html, "warc": fuzz_warc}


def main() -> None:
    """Pick the target from argv[1]; pass the remaining flags to libFuzzer."""
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(__doc__)
    target = TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

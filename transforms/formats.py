"""Input formats: which parser a file goes to, by extension or by the user's --format."""

from __future__ import annotations

FORMATS = ("text", "html", "jsonl", "warc")
SUPPORTED_FORMATS = ("text",)  # html, jsonl and warc parsing: issue 3
_EXTENSIONS = {
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".warc": "warc",
}


def detect_format(path: str, requested: str = "auto") -> str:
    """The input format of a file: the requested one, else by extension (``.gz`` looked through).

    Under ``auto`` an unknown extension is a text dump: scrapers name dumps freely (``.dump``,
    ``.md``, none at all), and decoding still refuses binary content.
    """
    if requested != "auto":
        return requested
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith(".gz"):
        name = name[:-3]
    dot = name.rfind(".")
    return _EXTENSIONS.get(name[dot:], "text") if dot > 0 else "text"

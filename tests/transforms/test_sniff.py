"""sniff: how a file's format is decided, and what its first bytes show when nothing names it."""

from __future__ import annotations

import codecs
import gzip
import json

import pytest

from scrapeclean.transforms.text.sniff import (
    BY_CONTENT,
    BY_EXTENSION,
    BY_FLAG,
    decide_format,
    sniff_format,
)

PAGE = "<html><head><title>T</title></head><body><p>Hello</p></body></html>"


@pytest.mark.parametrize(
    ("path", "requested", "expected"),
    [
        ("a/b.txt", "auto", ("text", BY_EXTENSION)),
        ("a/page.HTML.gz", "auto", ("html", BY_EXTENSION)),
        ("a/x.ndjson.gz", "auto", ("jsonl", BY_EXTENSION)),
        ("a/crawl.warc.gz", "auto", ("warc", BY_EXTENSION)),
        ("a/story.php", "auto", ("text", BY_CONTENT)),
        ("a/story.shtml", "auto", ("text", BY_CONTENT)),
        ("a/story", "auto", ("text", BY_CONTENT)),
        ("a/story.gz", "auto", ("text", BY_CONTENT)),
        ("a/.hidden", "auto", ("text", BY_CONTENT)),
        ("a/story.php", "html", ("html", BY_FLAG)),
        ("a/b.txt", "html", ("html", BY_FLAG)),
    ],
)
def test_decide_format(path: str, requested: str, expected: tuple[str, str]) -> None:
    assert decide_format(path, requested) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"<!DOCTYPE html>\n<html><head>", "html"),
        (b"\n\n  <!doctype HTML PUBLIC '-//W3C//DTD HTML 4.01//EN'>", "html"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN">', "html"),
        (b"<!-- saved from url=(0042)https://example.com/ -->\n<HTML lang=en>", "html"),
        (b"<head><meta charset=utf-8><title>T</title></head>", "html"),
        (b"<body><p>Only a body</p></body>", "html"),
        (b"\n<script type='text/javascript'>var ads = 1;</script>" + b" " * 30_000, "html"),
        (b"<style>\n  .box { opacity: 1; }\n</style>", "html"),
        (codecs.BOM_UTF8 + b"<!DOCTYPE html><html>", "html"),
        (codecs.BOM_UTF16_LE + "<!DOCTYPE html><html>".encode("utf-16-le"), "html"),
        # A PHP warning printed before the page: it opens with a tag and <html> follows.
        (b"<br />\n<b>Warning</b>: session_start() failed\n<!DOCTYPE html>\n<html>", "html"),
        (gzip.compress(PAGE.encode()), "html"),
        (b"WARC/1.0\r\nWARC-Type: warcinfo\r\n", "warc"),
        (gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n"), "warc"),
        (b'{"url": "https://e.com/a", "html": "<p>x</p>"}\n{"url": "https://e.com/b"}\n', "jsonl"),
        (b'{"url": "https://e.com/a", "html": "' + b"x" * 9000, "jsonl"),  # cut off by the window
        # Text dumps, including ones with stray markup: they stay text.
        (b"Headline Here\nA lead paragraph with <b>bold</b> words.\n<b>Foto:</b> dpa\n", "text"),
        (b"<b>Breaking:</b> the council votes today\n\nA lead paragraph.\n", "text"),
        (b"<p>A fragment without a page around it.</p>", "text"),
        (b'{"url": "https://e.com/a"}\nnot json at all\n', "text"),
        (b'[{"url": "https://e.com/a"}]\n', "text"),
        (b"Headline\nThe file format spec says WARC/1.0 records start so.\n", "text"),
        (b"\x1f\x8b\x08\x00garbage", "text"),  # corrupt gzip: decoding rejects it with its reason
        (b"", "text"),
    ],
)
def test_sniff_format(head: bytes, expected: str) -> None:
    assert sniff_format(head) == expected


def test_a_huge_gzip_is_only_inflated_as_far_as_the_window() -> None:
    bomb = gzip.compress(b"<html>" + b" " * 20_000_000)  # ~20 KB that inflate to 20 MB
    assert sniff_format(bomb) == "html"


def test_jsonl_window_checks_every_whole_line() -> None:
    lines = [json.dumps({"url": f"https://e.com/{n}", "text": "t"}) for n in range(50)]
    assert sniff_format(("\n".join(lines) + "\n").encode()) == "jsonl"
    lines[10] = "oops"
    assert sniff_format(("\n".join(lines) + "\n").encode()) == "text"

"""Input format by content: what a file with an unknown or generic extension really holds.

A page saved as ``story.php`` or with no extension at all is HTML, and read as a text dump its
markup would be published as an article (issue 20). This module decides how a file's format
is chosen (flag, extension or content) and sniffs the first bytes; reading them is read.py's.
"""

from __future__ import annotations

import codecs
import json
import re
import zlib

from scrapeclean.transforms.text.formats import format_by_extension

# How a document's format was decided; read.py counts each document under one of these.
BY_FLAG = "flag"  # --format named it
BY_EXTENSION = "extension"
BY_CONTENT = "content"

# Bytes read from the start of a file to sniff it (after inflating a .gz). A page's doctype or
# <html> tag sits in its first few hundred bytes; 8 KiB also covers a long leading comment.
SNIFF_BYTES = 8192
_FALLBACK = "text"  # what a file that is none of the others is: scrapers name dumps freely
_UTF16_32_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Whitespace, comments (a browser's "saved from url" note) and an XML declaration or
# processing instruction (XHTML) may come before a page's first tag.
_PREAMBLE = re.compile(r"(?:\s+|<!--.*?-->|<\?[^>]*>)*", re.S)
# A page's first tag: a doctype, <html>, <head>, <body>, or an element only a page's head holds
# (2 of bench/html-dev's 990 pages open with a <script> or <style> 24-51 KB before <html>).
_PAGE_START = re.compile(
    r"<(?:!doctype\s+html|html|head|body|script|style|meta|link|title|base)\b", re.I
)
# A page that opens with some other tag (a PHP warning's <br />, a <meta>) still shows one of
# these within the sniffed window; a text dump with a few stray <b> tags starts with text.
_PAGE_TAG = re.compile(r"<(?:html|head|body)\b", re.I)
_JSON_OBJECT_START = re.compile(r'\{\s*"')


def decide_format(path: str, requested: str = "auto") -> tuple[str, str]:
    """The format to read ``path`` as and how it was decided (a ``BY_*`` constant).

    Under ``auto`` a known extension decides; any other file (``.php``, ``.shtml``, none) is
    ``BY_CONTENT``, to be settled by ``sniff_format`` on its first bytes, with text meanwhile.
    """
    if requested != "auto":
        return requested, BY_FLAG
    by_extension = format_by_extension(path)
    if by_extension is not None:
        return by_extension, BY_EXTENSION
    return _FALLBACK, BY_CONTENT


def sniff_format(head: bytes) -> str:
    """The format the first bytes of a file show: html, warc, jsonl, else text.

    ``head`` is the file's start as stored; a gzip stream is inflated (at most ``SNIFF_BYTES``,
    so a bomb costs nothing here) and corrupt compression sniffs as text, which decoding then
    rejects with its own reason.
    """
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16).decompress(head, SNIFF_BYTES)
        except zlib.error:
            return _FALLBACK
    text = _head_text(head[:SNIFF_BYTES])
    if text.startswith("WARC/1."):
        return "warc"
    rest = text[_PREAMBLE.match(text).end() :]  # type: ignore[union-attr]  # matches always
    if _PAGE_START.match(rest) or (rest.startswith("<") and _PAGE_TAG.search(rest)):
        return "html"
    if _is_jsonl(rest):
        return "jsonl"
    return _FALLBACK


def _head_text(head: bytes) -> str:
    """The sniffed bytes as text: by a UTF-16/32 BOM, else as UTF-8 (the markers are ASCII)."""
    for bom, encoding in _UTF16_32_BOMS:
        if head.startswith(bom):
            return head.decode(encoding, errors="ignore")
    return head.decode("utf-8", errors="replace").removeprefix("\ufeff")


def _is_jsonl(text: str) -> bool:
    """True when every whole line in the window is a JSON object (the first may be cut off)."""
    if not _JSON_OBJECT_START.match(text):
        return False
    lines = text.split("\n")
    whole = [line for line in lines[:-1] if line.strip()]
    if not whole:  # one record longer than the window: its start is all there is to see
        return True
    for line in whole:
        try:
            if not isinstance(json.loads(line), dict):
                return False
        except ValueError:
            return False
    return True

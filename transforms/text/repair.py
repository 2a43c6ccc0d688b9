"""Text repair: line endings, HTML entities and stray tags, mojibake, invisible and control
characters, odd spaces, NFC. Each repair that changed something is named in ``fixes``.

It repairs characters only; which lines are boilerplate and how an article is structured is
decided later.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, replace

import ftfy

from scrapeclean.transforms.records import Document

# ftfy settings, chosen one by one (datatrove's ftfy formatter does the same):
FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,  # done by unescape_entities, so the fix is named on its own
    fix_encoding=True,  # the point: Ukraineâ€™s -> Ukraine’s
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,  # C1 bytes in text are cp1252 characters decoded as latin-1
    fix_latin_ligatures=False,  # a typed ligature is correct text: leave it
    fix_character_width=False,  # fullwidth forms are correct CJK text: leave them
    uncurl_quotes=False,  # the seed's typographic quotes and apostrophes are correct (issue 2)
    fix_line_breaks=False,  # done by normalize_line_endings, named on its own
    fix_surrogates=True,
    remove_control_chars=False,  # done by remove_control_chars, named on its own
    normalization=None,  # NFC once, at the end
)

_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Why not bs4 here: in plain text a parser treats any "<word" as a tag and eats prose such as
# "a<b and c>d"; a closed list of HTML element names removes only real markup.
_BLOCK_TAGS = (
    "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 h4 "
    "h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul"
).split()
_INLINE_TAGS = (
    "a abbr b bdi bdo big cite code del dfn em font i img input ins kbd label mark q s samp "
    "small span strike strong sub sup time tt u var wbr"
).split()
# Attributes need values (name="v", name='v', name=v): "a<b and c>d" in prose is no tag.
# Every repeat is bounded and starts with whitespace + a name, so matching stays linear.
_TAG_ATTRS = (
    r"""(?:\s+[\w:-]{1,40}\s*=\s*(?:"[^"<>]{0,1000}"|'[^'<>]{0,1000}'|[^\s"'<>=]{1,300})){0,30}"""
    r"\s*/?>"
)
# Openings of spans dropped with their content; found with a linear scan (drop_spans).
_DROPPED_OPENING = re.compile(r"<!--|<(script|style|noscript)\b[^<>]{0,1000}>", re.IGNORECASE)
_BLOCK_TAG = re.compile(rf"</?(?:{'|'.join(_BLOCK_TAGS)}){_TAG_ATTRS}", re.IGNORECASE)
_INLINE_TAG = re.compile(rf"</?(?:{'|'.join(_INLINE_TAGS)}){_TAG_ATTRS}", re.IGNORECASE)
# UTF-8 read as cp1252 or latin-1 always leaves a lead byte shown as Â..ô followed by a
# continuation byte shown as U+0080..U+00BF or one of cp1252's replacements for 0x80..0x9F
# (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ); bare C1 controls are cp1252
# bytes read as latin-1. Anything matching goes to ftfy, which decides whether to change it.
# Written to start with one character class (a lead or a C1 control, then a continuation unless
# it was C1): re then skips to candidates in C, where "lead+continuation|C1" tried the whole
# pattern at every position (43 -> 23 us on a clean seed-sized dump).
_MOJIBAKE_SIGNATURE = re.compile(
    "[\u0080-\u009f\u00c2-\u00f4](?:(?<=[\u0080-\u009f])|[\u0080-\u00bf\u20ac\u201a\u0192"
    "\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d"
    "\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178])"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ASCII_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
# Every character in U+0080..U+00FF, which the mojibake signature and the C1 controls need, is
# written in UTF-8 with a first byte of C2 (U+0080..U+00BF, the C1 controls among them) or C3:
# byte searches (memchr) tell that a text has none, where the regex scans a character class at
# ~6 ns a character (the mojibake check 7.9 -> 5.5 us on average over the repaired generated
# dumps, half of which hold such a character and still run the regex).
_C2, _C3 = b"\xc2", b"\xc3"
# Terminal escape sequences (ECMA-48) go whole: dropping only their ESC left "[31m" in a lead
# (issue 17). CSI (colours, cursor moves), OSC (titles, links; ended by BEL or ST), and the
# two-character escapes.
_ANSI_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)|\x1b[@-Z\\-_]"
)
# Invisible characters scrapers leave inside words. ZWJ/ZWNJ and bidi marks are kept: they
# carry meaning in emoji, Persian and Indic scripts.
_ZERO_WIDTHS = "\u200b\u2060\ufeff\u00ad"
_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTHS}]")
_ODD_SPACES = (
    "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
)
_ODD_SPACE = re.compile(f"[{_ODD_SPACES}]")
# Characters that show nothing: whitespace, format characters (zero-width, bidi marks, tags),
# variation selectors, and the letters and symbols drawn blank (Hangul fillers, the Braille
# blank) that pass for text in empty posts. A line of nothing else is blank (issue 17).
_INVISIBLE_LINE = re.compile(
    "[\\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef]*"
)
# re scans for a character class at ~6 ns a character, and "x in text" at a fraction of that:
# the steps below look for their few characters with "in" first (zero-width: 76 -> 1.4 us on a
# 12k-character page dump). Runs are written with a literal start ("\n\n\n+", not "\n{3,}"),
# which re searches for fast (224 -> 45 us on the same dumps).
_SPACE_RUN = re.compile("  +")
_BLANK_RUN = re.compile("\n\n\n+")
_SEPARATORS = str.maketrans({"\u2028": "\n", "\u2029": "\n"})


@dataclass(frozen=True, slots=True)
class RepairConfig:
    """Which repairs run. All default on: each only changes text that is broken."""

    fix_mojibake: bool = True
    unescape_entities: bool = True
    strip_html_tags: bool = True


def repair_document(document: Document, config: RepairConfig) -> Document:
    """Repair a document's text and stated fields; add the repairs made to its ``fixes``."""
    text, fixes = repair_text(document.text, config)
    found = dict.fromkeys(document.fixes + fixes)

    def repair_line(value: str) -> str:
        repaired, more = repair_text(value, config)
        found.update(dict.fromkeys(more))
        return " ".join(repaired.split())  # a stated headline or summary is one line

    headline = repair_line(document.headline) if document.headline else document.headline
    summary = repair_line(document.summary) if document.summary else document.summary
    credits = tuple(repair_line(line) for line in document.credits)
    changes = {
        "text": text,
        "headline": headline or None,
        "summary": summary or None,
        "credits": tuple(line for line in credits if line),
        "fixes": tuple(found),
    }
    # Clean text changes nothing: the document itself, not a copy (replace() costs ~10 us).
    if all(getattr(document, name) == value for name, value in changes.items()):
        return document
    return replace(document, **changes)


def repair_text(text: str, config: RepairConfig) -> tuple[str, tuple[str, ...]]:
    """Return the repaired text and the names of the repairs that changed it, in order."""
    steps = (
        ("line_endings", normalize_line_endings, True),
        ("html_entities", unescape_entities, config.unescape_entities),
        ("html_tags", strip_html_tags, config.strip_html_tags),
        ("mojibake", fix_mojibake, config.fix_mojibake),
        ("control_chars", remove_control_chars, True),
        ("zero_width", remove_zero_width, True),
        ("whitespace", normalize_spaces, True),
        ("unicode_nfc", normalize_nfc, True),
    )
    fixes: dict[str, None] = {}
    # Repairs interact (a stripped tag leaves two spaces that change ftfy's verdict; ftfy can
    # leave a no-break space): passes repeat until one changes nothing, so repair is idempotent.
    # Clean text, most documents, takes one pass.
    for _ in range(3):
        changed = False
        for name, step, enabled in steps:
            fixed = step(text) if enabled else text
            if fixed != text:
                fixes[name] = None
                text, changed = fixed, True
        text = tidy_lines(text)
        if not changed:
            break
    return text, tuple(fixes)


def normalize_line_endings(text: str) -> str:
    """CRLF, CR and Unicode line/paragraph separators become plain newlines."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii() or ("\u2028" not in text and "\u2029" not in text):
        return text  # str.translate looks up every character: 15 us on a seed-sized dump
    return text.translate(_SEPARATORS)


def unescape_entities(text: str) -> str:
    """Decode HTML character references (``&amp;``, ``&#8217;``), twice for double escaping.

    Only complete references with a semicolon are decoded, so "AT&T" or "R&D" stay as typed.
    """
    for _ in range(2):
        if "&" not in text:
            break
        text = _ENTITY.sub(lambda match: html.unescape(match.group()), text)
    return text


def strip_html_tags(text: str) -> str:
    """Remove stray markup: block tags become line breaks, inline tags vanish, scripts go."""
    if "<" not in text:
        return text
    text = drop_spans(text)
    return _INLINE_TAG.sub("", _BLOCK_TAG.sub("\n", text))


def drop_spans(text: str) -> str:
    """Remove comments and script/style/noscript elements with their content.

    Written as a scan, not one regex: a lazy ``<script>.*?</script>`` rescans the rest of the
    text for every unclosed opening, quadratic on adversarial input (issue 4). Here a closing
    searched for and not found is never searched for again.
    """
    pieces: list[str] = []
    position = 0
    unclosed: set[str] = set()
    while match := _DROPPED_OPENING.search(text, position):
        closing = f"</{match.group(1).lower()}" if match.group(1) else "-->"
        end = -1 if closing in unclosed else _find_closing(text, closing, match.end())
        if end < 0:
            unclosed.add(closing)
            pieces.append(text[position : match.end()])
        else:
            pieces.append(text[position : match.start()])
        position = max(end, match.end())
    pieces.append(text[position:])
    return "".join(pieces)


def _find_closing(text: str, closing: str, start: int) -> int:
    """Index just past ``closing`` (and its ``>`` for an end tag), or -1."""
    found = re.compile(re.escape(closing) + (r"\s*>" if closing != "-->" else ""), re.I)
    match = found.search(text, start)
    return match.end() if match else -1


def fix_mojibake(text: str) -> str:
    """Undo double-encoded UTF-8 with ftfy, only on text that shows a mojibake signature.

    ``ftfy.fix_text`` costs ~0.8 ms on the seed and ftfy's own ``badness.is_bad`` ~1.2 ms
    (scripts/bench_chain.py), while few documents need either; ``_MOJIBAKE_SIGNATURE`` is one
    cheap scan (issue 2).
    """
    for _ in range(3):  # mojibake can be layered (encoded twice); stop when ftfy is done
        if text.isascii() or not has_latin1(text) or not _MOJIBAKE_SIGNATURE.search(text):
            return text
        fixed = fix_text_by_line(text)
        if fixed == text:
            return text
        text = fixed
    return text


def fix_text_by_line(text: str) -> str:
    """``ftfy.fix_text(text, FTFY_CONFIG)``, with ftfy called only on the lines it could change.

    fix_text fixes each line (with its newline) on its own and joins the results; with
    FTFY_CONFIG it leaves an ASCII line without an escape character (it removes terminal
    escapes) as it is, so those lines skip its ~20 us per-line overhead. Measured on the
    generated seed-like dumps that reach ftfy: 590 -> 500 us a document; on real pages made
    into dumps (make_wcxb_dumps): 4.9 -> 1.7 ms.
    """
    lines = text.split("\n")
    last = len(lines) - 1
    fixed = []
    for index, line in enumerate(lines):
        segment = line if index == last else line + "\n"
        if segment.isascii() and "\x1b" not in segment:
            fixed.append(segment)
        else:
            fixed.append(ftfy.fix_text(segment, FTFY_CONFIG))
    return "".join(fixed)


def remove_control_chars(text: str) -> str:
    """Drop terminal escape sequences whole, then C0/C1 control characters other than newline
    (tabs are spaces by now or soon)."""
    if "\x1b" in text:
        text = _ANSI_ESCAPE.sub("", text)
    # In UTF-8, C0 controls and DEL are bytes of their own and C1 controls open with C2: a byte
    # deletion and a byte search find them where the regex scans (6.8 -> 2.3 us, as above).
    data = text.encode("utf-8", "surrogatepass")
    if _C2 not in data and len(data.translate(None, _ASCII_CONTROL_BYTES)) == len(data):
        return text
    return _CONTROL.sub("", text)


def has_latin1(text: str) -> bool:
    """Whether the text holds a character in U+0080..U+00FF (C1 controls and Latin-1)."""
    data = text.encode("utf-8", "surrogatepass")  # lone surrogates: 3 bytes, never C2 or C3
    return _C2 in data or _C3 in data


def remove_zero_width(text: str) -> str:
    """Drop zero-width spaces, word joiners, stray BOMs and soft hyphens."""
    if text.isascii() or not any(char in text for char in _ZERO_WIDTHS):
        return text
    return _ZERO_WIDTH.sub("", text)


def normalize_spaces(text: str) -> str:
    """Tabs and non-breaking or typographic spaces become one plain space; lines are trimmed,
    and a line of invisible characters only (U+3164, U+2800, zero-width, ...) becomes blank."""
    if any(char in text for char in _ODD_SPACES):
        text = _ODD_SPACE.sub(" ", text)
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
    # A line starts or ends with a space only where the text does or a newline touches one,
    # and an ASCII line is never invisible: clean ASCII text skips the split and join (25 us on
    # a seed-sized dump).
    if text.isascii() and " \n" not in text and "\n " not in text and not text.startswith(" "):
        return text.rstrip(" ")
    return "\n".join("" if is_invisible(line) else line.strip(" ") for line in text.split("\n"))


def is_invisible(line: str) -> bool:
    """True for a non-ASCII line that shows nothing (ASCII blanks are trimmed anyway)."""
    return not line.isascii() and _INVISIBLE_LINE.fullmatch(line) is not None


def normalize_nfc(text: str) -> str:
    """Compose to NFC, the contract's normal form for every text column."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def tidy_lines(text: str) -> str:
    """Layout only, not a named repair: no blank-line runs, no blank lines at either end."""
    return (_BLANK_RUN.sub("\n\n", text) if "\n\n\n" in text else text).strip("\n")

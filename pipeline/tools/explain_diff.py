"""Text display for ``scrapeclean explain``: unified diffs between stages and numbered listings,
with characters that print as nothing made visible. Pure string work, no records read or written.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata

from scrapeclean.transforms.records import Article

_GREEN, _RED, _RESET = "\033[32m", "\033[31m", "\033[0m"
_VERB = {"-": "removed", "+": "added"}


def diff_text(
    before: str, after: str, stage: str, color: bool, moved: Article | None = None
) -> list[str]:
    """A unified diff of two texts, invisible characters shown, +/- lines coloured if asked.

    With ``moved`` (the stage made that Article), blank lines are left out of the comparison,
    since the article joins its paragraphs with one, and a removed line says which field it went to.
    """
    old, new = before.split("\n"), after.split("\n")
    if moved is not None:
        old, new = [line for line in old if line.strip()], [line for line in new if line.strip()]
    if old == new:
        return []
    raw = difflib.unified_diff(old, new, f"before {stage}", f"after {stage}", n=2, lineterm="")
    lines = []
    for line, group in itertools.groupby(raw):
        count = len(list(group))
        shown = 2 if count > 3 and line in ("-", "+") else count  # a run of blank lines
        lines += [_diff_line(line, color, moved)] * shown
        if shown < count:
            lines.append(f"    ({count - shown} more blank lines {_VERB[line]})")
    return lines


def _diff_line(line: str, color: bool, moved: Article | None) -> str:
    marker = line[:1]
    if line.startswith(("---", "+++", "@@")) or marker not in ("+", "-"):
        return f"  {visible(line)}"
    shade = (_GREEN if marker == "+" else _RED) if color else ""
    where = _destination(line[1:], moved) if marker == "-" and moved is not None else None
    note = f"   → {where}" if where else ""
    return f"  {shade}{visible(line)}{_RESET if color else ''}{note}"


def _destination(line: str, article: Article) -> str | None:
    """Which Article field a line the segment stage took out of the text went to."""
    text = line.strip()
    for name in ("headline", "summary", "credits"):
        value = getattr(article, name, None) or ""
        if text and text in value:
            return name
    return None


def visible(line: str) -> str:
    """Make what prints as nothing visible: CR as ␍, tab as ␉, trailing spaces as ·, <U+XXXX>."""
    body = line.rstrip(" ")
    out = []
    for char in body:
        if ord(char) < 32 or (
            unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp") and char != " "
        ):
            out.append(symbol(char))
        else:
            out.append(char)
    return "".join(out) + "·" * (len(line) - len(body))


# What a terminal acts on instead of printing: C0/C1 controls (ESC starts the sequences that
# recolour, move the cursor or retitle the window) and the bidi overrides that reorder a line.
_TERMINAL_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: controls and bidi overrides shown as ``visible``
    shows them (ESC as ␛, U+202E as <U+202E>); newlines stay, other text is untouched."""
    return _TERMINAL_CONTROLS.sub(lambda match: symbol(match.group()), text)


def symbol(char: str) -> str:
    """How one invisible character is shown: its control picture (␛) below U+0020, else
    <U+XXXX>."""
    return chr(0x2400 + ord(char)) if ord(char) < 32 else f"<U+{ord(char):04X}>"


def listing(text: str, max_lines: int) -> list[str]:
    """Numbered lines; a run of blank lines beyond two is folded into one note."""
    lines = text.split("\n")
    listed: list[str] = []
    blanks = 0
    for number, line in enumerate(lines[:max_lines], 1):
        blanks = blanks + 1 if not line.strip() else 0
        if blanks <= 2:
            listed.append(f"  {number:>4} │ {visible(line)}")
        if blanks > 2 and (number == len(lines) or lines[number].strip()):
            listed.append(f"     ⋮ │ ({blanks - 2} more blank lines)")
    if len(lines) > max_lines:
        listed.append(f"  … {len(lines) - max_lines:,} more lines")
    return listed

"""What a paragraph of a text dump looks like: where paragraphs are, sentence ends, datelines.

Shared by the line model's features and the segment stage; it splits and tests text, never
changes it.
"""

from __future__ import annotations

import re

from scrapeclean.transforms.text.words import ends_sentence

_BLOCK_SPLIT = re.compile(r"\n\s*\n")
# "WASHINGTON (Reuters) -", "LONDON —", "KYIV, Ukraine (AP) —": how news leads open. The place
# before the dash must be upper case (checked in is_dateline: re has no \p{Lu}).
_DATELINE = re.compile(r"([^\n—–-]{2,60}?) ?(?:—|–|--?) ")
_AGENCY = re.compile(r"\s*\([^()]{1,30}\)$")


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are lines, or blank-line separated blocks when the text is hard-wrapped."""
    blocks = [block.split("\n") for block in _BLOCK_SPLIT.split(text) if block.strip()]
    width = max((len(line) for block in blocks for line in block), default=0)
    paragraphs: list[str] = []
    for lines in blocks:
        lines = [line for line in lines if line.strip()]
        if len(blocks) > 1 and is_hard_wrapped(lines, width):
            paragraphs.append(" ".join(lines))
        else:
            paragraphs.extend(lines)
    return paragraphs


def is_hard_wrapped(lines: list[str], width: int) -> bool:
    """True for a block wrapped at the document's line width: full lines that stop mid-sentence.

    Wrapping is a property of the whole text: its longest line (``width``) is 50-100 columns,
    and each line of the block but the last fills most of it.
    """
    inner = lines[:-1]
    if not inner or not 50 <= width <= 100 or any(len(line) < 0.7 * width for line in inner):
        return False
    return sum(not ends_sentence(line) for line in inner) >= 0.6 * len(inner)


def is_dateline(paragraph: str) -> bool:
    """True when a paragraph opens with a news dateline: an upper-case place, then a dash."""
    start = paragraph[:64]
    if "-" not in start and "—" not in start and "–" not in start:  # the regex needs one
        return False
    match = _DATELINE.match(paragraph)
    if not match:
        return False
    place = _AGENCY.sub("", match.group(1)).split(",")[0]
    return len(place) >= 2 and place.isupper()

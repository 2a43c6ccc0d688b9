"""Generate a labelled evaluation corpus of scraper text dumps for scrapeclean's text path.

Each dump is one article from ``corpus_articles.json`` (cycling over them), laid out like a
scraper's plain-text dump (see ``seeds/``): optional summary line, headline, optional byline,
paragraphs, credits, site boilerplate at the top, bottom and sometimes in the middle, and blank
lines around it all. On top of that comes reversible noise: CRLF line endings, trailing
whitespace, non-breaking and zero-width spaces, HTML entities, stray inline tags, mojibake, a
cp1252 file or a UTF-8 BOM.

``labels.jsonl`` holds one line per file with the clean (NFC) text the pipeline should produce:
``headline``, ``summary``, ``lead``, ``body`` (paragraphs after the lead joined by a blank
line), ``credits`` (byline and credit lines, in document order, joined by a newline), plus the
inserted ``boilerplate`` lines, the ``noise`` kinds applied and the ``layout``.

Everything is drawn from ``random.Random`` seeded per file, so the same ``--seed`` and
``--count`` give byte-identical output. Standard library only.

Usage::

    python scripts/make_textdump_corpus.py --out /tmp/textdump --count 240 --seed 7
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ARTICLES_PATH = Path(__file__).with_name("corpus_articles.json")
LABELS_NAME = "labels.jsonl"

# Site chrome as scrapers capture it, by where it usually sits on a page.
BOILERPLATE_TOP: tuple[str, ...] = (
    "Skip to content",
    "Skip to main content",
    "Listen to this article",
    "Share this article",
    "Share on Facebook",
    "Toggle navigation",
    "We use cookies to improve your experience. By continuing to browse you agree to our use "
    "of cookies.",
    "Accept all cookies",
    "Sign in to continue reading",
    "Advertisement",
    "ADVERTISEMENT",
    "Compartir este artículo",
    "Artikel teilen",
    "Partager cet article",
)
BOILERPLATE_MIDDLE: tuple[str, ...] = (
    "Advertisement",
    "ADVERTISEMENT",
    "Story continues below advertisement",
    "Article continues after this advertisement",
    "Continue reading the main story",
    "Read more:",
    "Related coverage",
    "Werbung",
    "Anzeige",
    "Mehr zum Thema",
    "Publicité",
    "Lire aussi :",
    "Publicidad",
)
BOILERPLATE_BOTTOM: tuple[str, ...] = (
    "Help us improve.",
    "Was this article helpful?",
    "Sign up for our newsletter",
    "Click here to subscribe",
    "Follow us on Twitter",
    "Follow us on Facebook",
    "© 2025 Reuters. All rights reserved.",
    "Copyright 2024 The Associated Press. All rights reserved.",
    "Our Standards: The Thomson Reuters Trust Principles.",
    "Report an error",
    "Comments are closed.",
    "Most Read",
    "Recommended for you",
    "Back to top",
    "Print this page",
    "Newsletter abonnieren",
    "Abonnez-vous à notre newsletter",
    "Suscríbete a nuestro boletín",
)
BOILERPLATE: tuple[str, ...] = tuple(
    dict.fromkeys(BOILERPLATE_TOP + BOILERPLATE_MIDDLE + BOILERPLATE_BOTTOM)
)
FOOTER_SEED_LINE = "Help us improve."

ORDERS = ("summary_first", "headline_summary", "headline_only")
ORDER_WEIGHTS = (0.4, 0.35, 0.25)
SEPARATORS = {"newline": "\n", "blank": "\n\n"}

LINE_NOISE_KINDS = ("zero_width", "html_entities", "nbsp", "html_tags", "trailing_whitespace")
NOISE_KINDS = (*LINE_NOISE_KINDS, "crlf", "mojibake", "cp1252", "bom")
LINE_NOISE_RATE = 0.25
MOJIBAKE_RATE = 0.22
CP1252_RATE = 0.32
BOM_RATE = 0.2

ZERO_WIDTH_SPACE = "\u200b"
NO_BREAK_SPACE = "\u00a0"
UTF8_BOM = b"\xef\xbb\xbf"
ENTITIES = {
    "&": "&amp;",
    "’": "&#8217;",
    '"': "&quot;",
    "“": "&#8220;",
    "”": "&rdquo;",
    "—": "&mdash;",
    "–": "&ndash;",
    "é": "&eacute;",
    "©": "&copy;",
    "'": "&#39;",
}
INLINE_TAGS = (
    ("<b>", "</b>"),
    ("<em>", "</em>"),
    ("<strong>", "</strong>"),
    ("<i>", "</i>"),
    ("<span>", "</span>"),
    ('<a href="https://example.com/x">', "</a>"),
)
EDGE_TAGS = (("", "<br>"), ("", "<br/>"), ("", "</p>"), ("<p>", "</p>"))
TRAILING_WHITESPACE = (" ", "  ", "\t", " \t", "   ", "\t\t")

# cp1252 as Windows and browsers decode it: the five undefined bytes map to C1 controls.
_SLOPPY_CP1252 = tuple(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256))


@dataclass(frozen=True, slots=True)
class Article:
    """One clean source article as written in corpus_articles.json."""

    id: str
    headline: str
    summary: str | None
    paragraphs: tuple[str, ...]
    credits: tuple[str, ...]
    byline: str | None


@dataclass(frozen=True, slots=True)
class Layout:
    """How one dump arranges its article: block order, byline, separators, blank margins."""

    order: str
    byline: bool
    paragraph_sep: str
    leading_blank: int
    trailing_blank: int
    final_newline: bool

    def as_label(self) -> dict[str, object]:
        """Return the layout as a JSON-ready dict for labels.jsonl."""
        return {
            "order": self.order,
            "byline": self.byline,
            "paragraph_sep": self.paragraph_sep,
            "leading_blank": self.leading_blank,
            "trailing_blank": self.trailing_blank,
            "final_newline": self.final_newline,
        }


@dataclass(frozen=True, slots=True)
class Dump:
    """One generated file: its name, text before encoding noise, bytes on disk and label."""

    name: str
    text: str
    data: bytes
    label: dict[str, object]


def nfc(text: str) -> str:
    """Return text in Unicode normal form C."""
    return unicodedata.normalize("NFC", text)


def load_articles(path: Path = ARTICLES_PATH) -> list[Article]:
    """Load the source articles, NFC-normalised, in file order."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return [
        Article(
            id=item["id"],
            headline=nfc(item["headline"]),
            summary=nfc(item["summary"]) if item.get("summary") else None,
            paragraphs=tuple(nfc(p) for p in item["paragraphs"]),
            credits=tuple(nfc(c) for c in item.get("credits") or ()),
            byline=nfc(item["byline"]) if item.get("byline") else None,
        )
        for item in raw
    ]


def file_rng(seed: int, index: int) -> random.Random:
    """Return the RNG for one file: independent of --count and of every other file."""
    return random.Random(f"textdump:{seed}:{index}")


def file_name(seed: int, index: int, article: Article) -> str:
    """Return a seed-like file name, e.g. ``000_05c8e702dea443c3.txt``."""
    digest = hashlib.sha256(f"{seed}:{index}:{article.id}".encode()).hexdigest()[:16]
    return f"{index:03d}_{digest}.txt"


def choose_layout(article: Article, rng: random.Random) -> Layout:
    """Draw a layout; an article without a summary is always headline-only."""
    order = "headline_only"
    if article.summary is not None:
        order = rng.choices(ORDERS, weights=ORDER_WEIGHTS)[0]
    trailing = rng.choice((0, 0, 1, 2, 5, 12, 20, 30, rng.randint(0, 30)))
    return Layout(
        order=order,
        byline=article.byline is not None and rng.random() < 0.85,
        paragraph_sep=rng.choice(tuple(SEPARATORS)),
        leading_blank=rng.choice((0, 0, 0, 1, 2, 3)),
        trailing_blank=trailing,
        final_newline=trailing > 0 or rng.random() < 0.7,
    )


def header_lines(article: Article, layout: Layout) -> list[str]:
    """Return summary, headline and byline lines in the layout's order."""
    byline = [article.byline] if layout.byline and article.byline else []
    if layout.order == "summary_first" and article.summary:
        return [article.summary, article.headline, *byline]
    if layout.order == "headline_summary" and article.summary:
        return [article.headline, *byline, article.summary]
    return [article.headline, *byline]


def draw_boilerplate(
    rng: random.Random, n_paragraphs: int
) -> tuple[list[str], dict[int, list[str]], list[str]]:
    """Draw top lines, middle lines keyed by the paragraph they precede, and bottom lines."""
    top = rng.sample(BOILERPLATE_TOP, rng.choices((0, 1, 2, 3), weights=(3, 4, 2, 1))[0])
    middle: dict[int, list[str]] = {}
    if rng.random() < 0.35:
        for _ in range(rng.choice((1, 1, 2))):
            before = rng.randrange(1, n_paragraphs)
            middle.setdefault(before, []).append(rng.choice(BOILERPLATE_MIDDLE))
    bottom = rng.sample(BOILERPLATE_BOTTOM, rng.choices((0, 1, 2, 3), weights=(2, 4, 3, 1))[0])
    if rng.random() < 0.3:
        bottom = [line for line in bottom if line != FOOTER_SEED_LINE] + [FOOTER_SEED_LINE]
    return top, middle, bottom


def compose_lines(
    article: Article, layout: Layout, rng: random.Random
) -> tuple[list[str], list[str]]:
    """Return the dump's non-blank lines in order and the boilerplate lines among them."""
    top, middle, bottom = draw_boilerplate(rng, len(article.paragraphs))
    lines = [*top, *header_lines(article, layout)]
    inserted = list(top)
    for index, paragraph in enumerate(article.paragraphs):
        lines.extend(middle.get(index, ()))
        inserted.extend(middle.get(index, ()))
        lines.append(paragraph)
    lines.extend([*article.credits, *bottom])
    inserted.extend(bottom)
    return lines, inserted


def insert_zero_width(line: str, rng: random.Random) -> str:
    """Put a zero-width space between two letters of one word."""
    spots = [i for i in range(1, len(line)) if line[i - 1].isalpha() and line[i].isalpha()]
    if not spots:
        return line
    spot = rng.choice(spots)
    return line[:spot] + ZERO_WIDTH_SPACE + line[spot:]


def insert_entities(line: str, rng: random.Random) -> str:
    """Replace some escapable characters, and maybe one space, with HTML entities."""
    out = [ENTITIES[ch] if ch in ENTITIES and rng.random() < 0.6 else ch for ch in line]
    spaces = [i for i, ch in enumerate(out) if ch == " "]
    if spaces and rng.random() < 0.4:
        out[rng.choice(spaces)] = "&nbsp;"
    return "".join(out)


def insert_nbsp(line: str, rng: random.Random) -> str:
    """Replace one to three spaces with U+00A0."""
    chars = list(line)
    spaces = [i for i, ch in enumerate(chars) if ch == " "]
    for i in rng.sample(spaces, min(len(spaces), rng.randint(1, 3))):
        chars[i] = NO_BREAK_SPACE
    return "".join(chars)


def insert_tags(line: str, rng: random.Random) -> str:
    """Wrap a word in an inline tag, or put a block tag at the edges of the line."""
    if rng.random() < 0.35:
        opening, closing = rng.choice(EDGE_TAGS)
        return f"{opening}{line}{closing}"
    words = line.split(" ")
    index = rng.randrange(len(words))
    if not words[index]:
        return line
    opening, closing = rng.choice(INLINE_TAGS)
    words[index] = f"{opening}{words[index]}{closing}"
    return " ".join(words)


def add_trailing_whitespace(line: str, rng: random.Random) -> str:
    """Append spaces and tabs to the line."""
    return line + rng.choice(TRAILING_WHITESPACE)


LINE_NOISE: dict[str, Callable[[str, random.Random], str]] = {
    "zero_width": insert_zero_width,
    "html_entities": insert_entities,
    "nbsp": insert_nbsp,
    "html_tags": insert_tags,
    "trailing_whitespace": add_trailing_whitespace,
}


def apply_line_noise(
    lines: list[str], noise: Callable[[str, random.Random], str], rng: random.Random
) -> list[str]:
    """Apply a line noise to about a third of the lines, and to at least one if it can."""
    out = [noise(line, rng) if rng.random() < 0.35 else line for line in lines]
    if out != lines:
        return out
    for index in rng.sample(range(len(lines)), len(lines)):
        changed = noise(lines[index], rng)
        if changed != lines[index]:
            return [*lines[:index], changed, *lines[index + 1 :]]
    return out


def sloppy_cp1252(data: bytes) -> str:
    """Decode bytes as Windows-1252 the way browsers do (undefined bytes become C1 controls)."""
    return "".join(_SLOPPY_CP1252[b] for b in data)


def layout_text(lines: Sequence[str], layout: Layout, pads: Sequence[str]) -> str:
    """Join content lines with the layout's separator and add the blank-line margins.

    ``pads`` is what each blank line contains (empty, or trailing whitespace noise); it is
    consumed in order and reused cyclically.
    """
    blank_count = layout.leading_blank + layout.trailing_blank
    if layout.paragraph_sep == "blank":
        blank_count += len(lines) - 1
    blanks = [pads[i % len(pads)] for i in range(blank_count)] or [""]
    taken = iter(blanks)
    parts = [next(taken) + "\n" for _ in range(layout.leading_blank)]
    for position, line in enumerate(lines):
        parts.append(line)
        if position < len(lines) - 1:
            parts.append("\n" + (next(taken) + "\n" if layout.paragraph_sep == "blank" else ""))
    parts.append("\n" if layout.final_newline else "")
    parts.extend(next(taken) + "\n" for _ in range(layout.trailing_blank))
    return "".join(parts)


def blank_pads(rng: random.Random, trailing_noise: bool) -> list[str]:
    """Return what blank lines contain: nothing, or sometimes whitespace when that noise is on."""
    if not trailing_noise:
        return [""]
    return [rng.choice(("",) * 3 + TRAILING_WHITESPACE) for _ in range(8)]


def encode_text(text: str, rng: random.Random) -> tuple[bytes, list[str]]:
    """Apply encoding-level noise (crlf, mojibake or cp1252, bom) and return bytes and kinds."""
    kinds: list[str] = []
    if rng.random() < LINE_NOISE_RATE:
        text = text.replace("\n", "\r\n")
        kinds.append("crlf")
    draw = rng.random()
    if draw < MOJIBAKE_RATE and not text.isascii():
        text = sloppy_cp1252(text.encode("utf-8"))
        kinds.append("mojibake")
    elif draw < MOJIBAKE_RATE + CP1252_RATE and not text.isascii() and encodes_cp1252(text):
        return text.encode("cp1252"), [*kinds, "cp1252"]
    data = text.encode("utf-8")
    if rng.random() < BOM_RATE:
        data = UTF8_BOM + data
        kinds.append("bom")
    return data, kinds


def encodes_cp1252(text: str) -> bool:
    """Tell whether text can be written as cp1252 bytes."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def expected_label(
    name: str, article: Article, layout: Layout, boilerplate: list[str], noise: list[str]
) -> dict[str, object]:
    """Return the labels.jsonl record: the clean fields the pipeline should output."""
    credit_lines = [article.byline] if layout.byline and article.byline else []
    credit_lines.extend(article.credits)
    return {
        "file": name,
        "article": article.id,
        "headline": article.headline,
        "summary": None if layout.order == "headline_only" else article.summary,
        "lead": article.paragraphs[0],
        "body": "\n\n".join(article.paragraphs[1:]),
        "credits": "\n".join(credit_lines) or None,
        "boilerplate": boilerplate,
        "noise": noise,
        "layout": layout.as_label(),
    }


def make_dump(articles: Sequence[Article], index: int, seed: int) -> Dump:
    """Build file number ``index``: layout, boilerplate, noise, bytes and label."""
    rng = file_rng(seed, index)
    article = articles[index % len(articles)]
    layout = choose_layout(article, rng)
    lines, boilerplate = compose_lines(article, layout, rng)
    noise: list[str] = []
    for kind in LINE_NOISE_KINDS:
        if rng.random() < LINE_NOISE_RATE:
            noisy = apply_line_noise(lines, LINE_NOISE[kind], rng)
            if noisy != lines:
                lines = noisy
                noise.append(kind)
    text = layout_text(lines, layout, blank_pads(rng, "trailing_whitespace" in noise))
    data, encoding_noise = encode_text(text, rng)
    name = file_name(seed, index, article)
    label = expected_label(name, article, layout, boilerplate, noise + encoding_noise)
    return Dump(name=name, text=text, data=data, label=label)


def generate(count: int, seed: int, articles: Sequence[Article] | None = None) -> list[Dump]:
    """Build ``count`` dumps, cycling over the articles."""
    pool = list(articles) if articles is not None else load_articles()
    return [make_dump(pool, index, seed) for index in range(count)]


def write_corpus(out: Path, dumps: Sequence[Dump]) -> None:
    """Write every dump and labels.jsonl into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for dump in dumps:
        (out / dump.name).write_bytes(dump.data)
    with (out / LABELS_NAME).open("w", encoding="utf-8", newline="\n") as handle:
        for dump in dumps:
            handle.write(json.dumps(dump.label, ensure_ascii=False) + "\n")


def clear_corpus(out: Path) -> None:
    """Remove the .txt dumps and labels.jsonl a previous run left in ``out``."""
    for path in [*out.glob("*.txt"), out / LABELS_NAME]:
        path.unlink(missing_ok=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--count", type=int, default=240, help="number of files (default 240)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--force", action="store_true", help="replace .txt files and labels.jsonl already in --out"
    )
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the corpus; return the exit status."""
    args = parse_args(argv)
    if args.out.exists() and any(args.out.glob("*.txt")):
        if not args.force:
            print(f"error: {args.out} already holds .txt files (use --force)", file=sys.stderr)
            return 2
        clear_corpus(args.out)
    dumps = generate(args.count, args.seed)
    write_corpus(args.out, dumps)
    print(f"wrote {len(dumps)} files and {LABELS_NAME} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Generate a labelled multi-site corpus of text dumps for the corpus-level steps (issue 6).

Each site is a folder of ``.txt`` dumps (site = folder) with its own chrome lines that no
boilerplate catalog knows: footers on most pages, an in-body promo on some. Articles come from
``corpus_articles.json``. Each has one original on its home site; wire copies go to other sites
with edits of graded strength (exact, light, medium, heavy); some are re-published on the same
site; a few short quotes are shared by 2-4 articles of one site (content that must survive);
every site also has junk pages (lorem ipsum, a javascript/cookie notice page, a link list).
Harder cases for the order of the corpus steps (issue 21): chains of copies where each is a
near copy of the one before but the ends share less than half their shingles; copies spoilt
by a scraper glitch (paragraphs repeated, full stops lost) that the quality rules must refuse
before a survivor is chosen; and families on one site (the same article posted six times, eight
lightly reworded copies) whose own lines must not be taken for the site's chrome.
``--articles N`` adds synthetic articles (mixed paragraphs of the written ones, 15% of their
words replaced) for a corpus of thousands of files.

Outputs under ``--out``: ``sites/<site>/<n>.txt``, ``labels.jsonl`` (one line per file: site,
kind, base article, variant, the article text it carries, the chrome lines inserted) and
``pairs.jsonl`` (every pair of files carrying the same base article, with its true Jaccard of
word 5-shingles, as corpus/neardup.py shingles). Deterministic for a given ``--seed``.

Usage::

    python scripts/make_site_corpus.py --out /tmp/sites --seed 7 [--copies-scale 1.0]
    python scripts/make_site_corpus.py --out /tmp/sites5k --articles 1300   # ~5,000 files
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ARTICLES_PATH = Path(__file__).with_name("corpus_articles.json")

# Site chrome, written for this corpus: none of it is in configs/default.yaml's catalog.
SITES: dict[str, dict[str, tuple[str, ...]]] = {
    "harbor-gazette": {
        "footer": (
            "Harbor Gazette is owned by the Bayside Media Trust.",
            "Got a story for the Gazette? Call the newsdesk on 0123 555 0199",
            "Gazette Weekend: crosswords, recipes and your letters",
        ),
        "promo": ("Gazette Radio: the morning bulletin at seven", "Gazette Radio: evening edition"),
    },
    "valley-courier": {
        "footer": (
            "Valley Courier, serving the upper valley since 1921",
            "Courier Plus members read every story without limits",
            "Letters to the editor go to the Courier office on Mill Street",
        ),
        "promo": ("Courier Plus: join the members",),
    },
    "metro-ledger": {
        "footer": (
            "The Metro Ledger newsroom works independently of our advertisers.",
            "Ledger Live: tonight's headlines in five minutes",
            "Metro Ledger, 40 Canal Row",
        ),
        "promo": ("Ledger Live at six on Channel 4",),
    },
    "coastal-times": {
        "footer": (
            "Coastal Times journalism is funded by readers like you",
            "Tide tables, ferry times and weather on page two",
        ),
        "promo": ("Coastal Times podcast: new episode every Friday",),
    },
    "daily-meridian": {
        "footer": (
            "The Daily Meridian: news for the whole county",
            "Meridian Archive: a century of front pages",
            "Send your photos to the Meridian picture desk",
        ),
        "promo": ("Meridian Quiz: how well do you know the county",),
    },
    "northern-dispatch": {
        "footer": (
            "Northern Dispatch is a member of the Independent Press Council",
            "Dispatch Sunday: the long read",
        ),
        "promo": ("Dispatch Debate: have your say at the town hall",),
    },
}
SHARED_QUOTES = (
    "“We will not be rushed into a bad decision,” the mayor said.",
    "“Nobody expected the numbers to move this quickly,” one trader said.",
    "“It is a good day for the region,” she said.",
    "“We are still counting,” an official said.",
    "“This is only the beginning,” he told reporters.",
    "“The door remains open,” the spokesperson said.",
)
REPLACEMENTS = (
    "regional", "officials", "Thursday", "largely", "reported", "several", "earlier",
    "council", "nearly", "announced", "quarter", "planned", "senior", "recent", "local",
    "federal", "percent", "agreed", "expected", "weekly", "rival", "previous", "northern",
)  # fmt: skip
LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt "
    "ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation "
    "ullamco laboris nisi ut aliquip ex ea commodo consequat.",
    "Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat "
    "nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia "
    "deserunt mollit anim id est laborum.",
    "Curabitur pretium tincidunt lacus, nulla gravida orci a odio, nullam varius turpis et "
    "commodo pharetra, est eros bibendum elit, nec luctus magna felis sollicitudin mauris.",
)
NOTICE = (
    "Please turn on JavaScript in your browser settings to read this page in full.",
    "Our pages need JavaScript for the player, the maps and the live blog.",
    "We use cookies on this site: see our cookie policy and terms of use.",
    "Home",
    "Latest",
    "Sections",
    "Contact",
)
# (level, substituted words, paragraphs swapped for another article's); drawn per copy.
LEVELS = {"light": (0, 3, 0), "medium": (6, 12, 0), "heavy": (12, 30, 2)}
# Shares of articles that get each harder case (issue 21), drawn per article.
CHAIN_SHARE = 0.10  # a chain of copies drifting away from the original
GLITCH_SHARE = 0.10  # a copy spoilt by a scraper glitch
FAMILY_SHARE = 0.03  # each of: six posts of the article on its home site; eight rewordings there
# A chain step keeps the true Jaccard with the previous copy in (0.8, 0.87] (above the 0.8
# threshold, so connected components join it) and the chain ends when the last copy shares
# less than CHAIN_END with the original: five or six copies for our ~160-word articles.
CHAIN_STEP = 0.87
CHAIN_END = 0.45


@dataclass
class Page:
    """One dump file to write and its label."""

    site: str
    kind: str  # article, junk_lorem, junk_notice, junk_links
    base: str | None
    # original, exact, light, medium, heavy, republished, chain, glitch_repeated,
    # glitch_unpunctuated, reposted, reworded, or the junk kind
    variant: str
    headline: str
    paragraphs: list[str]
    chrome: list[str] = field(default_factory=list)
    path: str = ""


def main(argv: Sequence[str] | None = None) -> int:
    """Write the corpus and its labels; print a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--copies-scale", type=float, default=1.0, help="scale wire copy counts")
    parser.add_argument("--articles", type=int, default=0, help="total articles (min: written)")
    args = parser.parse_args(argv)
    pages = build_pages(random.Random(args.seed), args.copies_scale, args.articles)
    write_corpus(args.out, pages)
    pairs = planted_pairs(pages)
    print(f"{len(pages)} files in {len(SITES)} sites, {len(pairs)} planted pairs -> {args.out}")
    return 0


def build_pages(
    rng: random.Random, copies_scale: float = 1.0, articles_total: int = 0
) -> list[Page]:
    """Every page of the corpus, chrome included, in a deterministic order."""
    articles = json.loads(ARTICLES_PATH.read_text(encoding="utf-8"))
    articles += synthetic_articles(rng, articles, articles_total - len(articles))
    sites = sorted(SITES)
    pages: list[Page] = []
    for index, article in enumerate(articles):
        home = sites[index % len(sites)]
        pages.append(_page(home, article, "original", list(article["paragraphs"])))
        others = [s for s in sites if s != home]
        copies = min(len(others), round(rng.choice((0, 1, 1, 2, 2, 3, 4)) * copies_scale))
        for site in rng.sample(others, copies):
            variant = rng.choices(("exact", "light", "medium", "heavy"), (1, 4, 2, 2))[0]
            text = edit(rng, article["paragraphs"], variant, articles)
            pages.append(_page(site, article, variant, text))
        if rng.random() < 0.12:
            pages.append(_page(home, article, "republished", list(article["paragraphs"])))
        pages.extend(hard_cases(rng, home, article))
    share_quotes(rng, pages)
    for site in sites:
        pages.extend(junk_pages(site, articles, rng))
    for page in pages:
        add_chrome(rng, page)
    return pages


def synthetic_articles(rng: random.Random, written: list[dict], count: int) -> list[dict]:
    """``count`` more articles: six paragraphs of the written ones, 15% of their words replaced
    (two of them share ~0.1 of their shingles, as bench_corpus' synthetic articles)."""
    paragraphs = [p for article in written for p in article["paragraphs"]]
    vocabulary = sorted({w for p in paragraphs for w in p.split()})
    made = []
    for number in range(max(count, 0)):
        text = mixed_text(rng, paragraphs, vocabulary)
        headline = f"Synthetic story {number}: " + " ".join(text[0].split()[:6]).rstrip(",.;:")
        made.append({"id": f"synthetic-{number:05d}", "headline": headline, "paragraphs": text})
    return made


def mixed_text(rng: random.Random, paragraphs: list[str], vocabulary: list[str]) -> list[str]:
    """Six of the paragraphs, 15% of each one's words replaced from the vocabulary."""
    text = []
    for paragraph in rng.sample(paragraphs, 6):
        words = paragraph.split()
        for _ in range(len(words) * 15 // 100):
            words[rng.randrange(len(words))] = rng.choice(vocabulary)
        text.append(" ".join(words))
    return text


def hard_cases(rng: random.Random, home: str, article: dict) -> list[Page]:
    """The article's chain, glitched copy and one-site families, each drawn with its share."""
    pages = []
    if rng.random() < CHAIN_SHARE:
        for text in chain(rng, article["paragraphs"]):
            pages.append(_page(rng.choice(sorted(SITES)), article, "chain", text))
    if rng.random() < GLITCH_SHARE:
        variant = rng.choice(("glitch_repeated", "glitch_unpunctuated"))
        pages.append(_page(rng.choice(sorted(SITES)), article, variant, glitch(article, variant)))
    if rng.random() < FAMILY_SHARE:
        pages += [_page(home, article, "reposted", list(article["paragraphs"])) for _ in range(6)]
    if rng.random() < FAMILY_SHARE:
        for _ in range(8):
            text = substitute(rng, list(article["paragraphs"]), rng.randint(1, 2))
            pages.append(_page(home, article, "reworded", text))
    return pages


def chain(rng: random.Random, paragraphs: list[str]) -> list[list[str]]:
    """Copies each a near copy of the one before (CHAIN_STEP), until the last shares less than
    CHAIN_END with the original: connected components put the whole chain in one cluster."""
    original = "\n\n".join(paragraphs)
    copies = [list(paragraphs)]
    while jaccard(original, "\n\n".join(copies[-1])) >= CHAIN_END and len(copies) < 9:
        before = "\n\n".join(copies[-1])
        text = list(copies[-1])
        while jaccard(before, "\n\n".join(text)) > CHAIN_STEP:
            text = substitute(rng, text, 1)
        copies.append(text)
    return copies[1:]


def glitch(article: dict, variant: str) -> list[str]:
    """The article as a broken scraper saves it: every paragraph twice, or full stops lost."""
    paragraphs = list(article["paragraphs"])
    if variant == "glitch_repeated":
        return paragraphs + paragraphs
    return [paragraph.rstrip(".!?\"'”’") for paragraph in paragraphs]


def substitute(rng: random.Random, paragraphs: list[str], count: int) -> list[str]:
    """``count`` words replaced at random places (with REPLACEMENTS words)."""
    edited = list(paragraphs)
    for _ in range(count):
        at = rng.randrange(len(edited))
        words = edited[at].split()
        words[rng.randrange(len(words))] = rng.choice(REPLACEMENTS)
        edited[at] = " ".join(words)
    return edited


def edit(rng: random.Random, paragraphs: list[str], level: str, pool: list[dict]) -> list[str]:
    """A syndicated copy: the exact text, or words substituted and paragraphs cut or swapped."""
    edited = list(paragraphs)
    if level == "exact":
        return edited
    low, high, swaps = LEVELS[level]
    edited[0] = re.sub(r"^[A-Z][A-Z .,'-]+\([^)]*\)\s*[—–-]\s*", "", edited[0])  # dateline
    for _ in range(swaps):
        other = rng.choice(pool)["paragraphs"]
        edited[rng.randrange(1, len(edited))] = rng.choice(other)
    edited = substitute(rng, edited, rng.randint(low, high))
    if level != "light" and len(edited) > 4:
        del edited[-1]  # wire copies are often cut at the end
    return edited


def share_quotes(rng: random.Random, pages: list[Page]) -> None:
    """Insert each shared quote into 2-4 articles of one site: short content that must stay."""
    for quote in SHARED_QUOTES:
        site = rng.choice(sorted(SITES))
        hosts = [p for p in pages if p.site == site and p.kind == "article"]
        for page in rng.sample(hosts, min(len(hosts), rng.randint(2, 4))):
            page.paragraphs.insert(min(2, len(page.paragraphs)), quote)


def junk_pages(site: str, articles: list[dict], rng: random.Random) -> list[Page]:
    """The site's lorem-ipsum page, javascript/cookie notice page and link list."""
    name = site.replace("-", " ").title()
    links = [a["headline"] for a in rng.sample(articles, 18)]
    lorem = [f"{name} events calendar: {rng.choice(LOREM)}", *rng.sample(LOREM, len(LOREM))]
    notice = [f"{NOTICE[0]} ({name})", *NOTICE[1:]]
    return [
        Page(site, "junk_lorem", None, "junk_lorem", "Template page", lorem),
        Page(site, "junk_notice", None, "junk_notice", "Live coverage", notice),
        Page(site, "junk_links", None, "junk_links", "Most read this week", links),
    ]


def add_chrome(rng: random.Random, page: Page) -> None:
    """Site footer lines (most pages carry each) and sometimes one in-body promo."""
    chrome = SITES[page.site]
    if rng.random() < 0.4 and len(page.paragraphs) > 3:
        promo = rng.choice(chrome["promo"])
        page.chrome.append(promo)
        page.paragraphs.insert(3, promo)
    for line in chrome["footer"]:
        if rng.random() < 0.85:
            page.chrome.append(line)
            page.paragraphs.append(line)


def write_corpus(out: Path, pages: list[Page]) -> None:
    """Write sites/<site>/<n>.txt, labels.jsonl and pairs.jsonl."""
    counters: dict[str, itertools.count] = {}
    for page in pages:
        number = next(counters.setdefault(page.site, itertools.count(1)))
        page.path = f"sites/{page.site}/{number:04d}.txt"
        target = out / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join([page.headline, *page.paragraphs]) + "\n", encoding="utf-8")
    with (out / "labels.jsonl").open("w", encoding="utf-8") as labels:
        for page in pages:
            labels.write(json.dumps(_label(page), ensure_ascii=False) + "\n")
    with (out / "pairs.jsonl").open("w", encoding="utf-8") as pairs:
        for first, second, similarity in planted_pairs(pages):
            pairs.write(json.dumps({"a": first, "b": second, "jaccard": similarity}) + "\n")


def planted_pairs(pages: list[Page]) -> list[tuple[str, str, float]]:
    """Every pair of pages carrying the same base article, with its true Jaccard."""
    by_base: dict[str, list[Page]] = {}
    for page in pages:
        if page.base:
            by_base.setdefault(page.base, []).append(page)
    return [
        (a.path, b.path, round(jaccard(article_text(a), article_text(b)), 4))
        for group in by_base.values()
        for a, b in itertools.combinations(group, 2)
    ]


def article_text(page: Page) -> str:
    """The article text a page carries, chrome excluded: what near dedup should compare."""
    return "\n\n".join(p for p in page.paragraphs if p not in page.chrome)


def jaccard(first: str, second: str, n: int = 5) -> float:
    """Exact Jaccard of word n-gram sets, words as corpus/neardup.py splits them."""
    a, b = _shingles(first, n), _shingles(second, n)
    return len(a & b) / len(a | b) if a | b else 1.0


def _shingles(text: str, n: int) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    return {tuple(words[i : i + n]) for i in range(max(len(words) - n + 1, 1))}


def _page(site: str, article: dict, variant: str, paragraphs: list[str]) -> Page:
    return Page(site, "article", article["id"], variant, article["headline"], paragraphs)


def _label(page: Page) -> dict:
    return {
        "path": page.path,
        "site": page.site,
        "kind": page.kind,
        "base": page.base,
        "variant": page.variant,
        "text": article_text(page),
        "chrome": page.chrome,
    }


if __name__ == "__main__":
    raise SystemExit(main())

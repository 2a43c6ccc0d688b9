"""The real dev pages (bench/wcxb-dev, bench/html-dev) and their fixed domain split (issue 19).

One committed file, ``scripts/wcxb_split.tsv``, says for every domain of both sets whether it
is ``dev`` (rules and models are written and tuned on it, fold 0-4 for domain-grouped
cross-validation) or ``heldout`` (only ever read to report a figure). The split is a hash of
the domain, so a domain seen in both sets falls on the same side. This module loads pages; it
does not make dumps or score anything.

    python -m scripts.wcxb_data --write-split   # rewrite the split file from the hash rule
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
# CI checks the shared folder out beside the clone; the worktrees sit beside it too.
BENCH = REPO.parent / "shared" / "bench"
SPLIT_FILE = Path(__file__).resolve().parent / "wcxb_split.tsv"
PARTS = ("dev", "heldout")
N_FOLDS = 5
HELDOUT_EVERY = 3  # a third of the domains is held out (issue 19)

# html-dev's "hard::name.html" keys are file labels, not URLs: the domain is cut at the first
# generic or country-code label ("dw.com.colonial" -> dw.com, "jis.gov.jm-x" -> jis.gov.jm).
_GENERIC_TLDS = frozenset({"com", "org", "net", "gov", "edu", "info", "io", "co"})
_LABEL_SPLIT = re.compile(r"[-_]")


@dataclass(frozen=True, slots=True)
class Page:
    """One wcxb-dev article page with its ground truth (the benchmark's own field names)."""

    id: str
    domain: str
    fold: int | None  # None for held-out pages
    url: str
    html: bytes
    title: str | None
    author: str | None
    publish_date: str | None
    main_content: str
    with_snippets: tuple[str, ...]
    without_snippets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SnippetPage:
    """One html-dev page: no title or main text, only content / boilerplate snippets."""

    id: str  # the page file's stem
    domain: str
    fold: int | None
    url: str
    html: bytes
    with_snippets: tuple[str, ...]
    without_snippets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Assignment:
    """Which part a domain belongs to, and its cross-validation fold when it is dev."""

    part: str
    fold: int | None


def assign(domain: str) -> Assignment:
    """The hash rule: sha256(domain) hex digits 0-7 mod 3 == 0 is held out; 8-15 mod 5 = fold."""
    digest = hashlib.sha256(domain.encode("utf-8")).hexdigest()
    if int(digest[:8], 16) % HELDOUT_EVERY == 0:
        return Assignment("heldout", None)
    return Assignment("dev", int(digest[8:16], 16) % N_FOLDS)


def htmldev_domain(url: str) -> str:
    """The domain of an html-dev page: its URL's host without ``www.``, or the label's domain."""
    if "://" in url:
        # one URL in the set reads "xhttps://...": only what follows the "://" counts
        host = urlsplit("http" + url[url.index("://") :]).hostname or ""
        return host.lower().removeprefix("www.")
    name = url.split("::", 1)[-1].removesuffix(".html")
    labels = _LABEL_SPLIT.split(name, maxsplit=1)[0].lower().split(".")
    for i, label in enumerate(labels[1:], start=1):
        if label in _GENERIC_TLDS or len(label) == 2:
            end = i + 1
            if label in _GENERIC_TLDS and end < len(labels) and len(labels[end]) == 2:
                end += 1  # com.pa, gov.jm
            return ".".join(labels[:end]).removeprefix("www.")
    return ".".join(labels).removeprefix("www.")


def _wcxb_rows(bench: Path) -> Iterator[dict]:
    with gzip.open(bench / "wcxb-dev" / "ground-truth.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def _htmldev_rows(bench: Path) -> Iterator[dict]:
    with open(bench / "html-dev" / "annotations.jsonl", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def split_lines(bench: Path = BENCH) -> list[str]:
    """The split file's lines (``domain<TAB>part<TAB>fold``) for every domain of both sets."""
    domains = {row["domain"] for row in _wcxb_rows(bench)}
    domains |= {htmldev_domain(row["url"]) for row in _htmldev_rows(bench)}
    out = []
    for domain in sorted(domains):
        a = assign(domain)
        out.append(f"{domain}\t{a.part}\t{'-' if a.fold is None else a.fold}")
    return out


def load_split(path: Path = SPLIT_FILE) -> dict[str, Assignment]:
    """Domain -> Assignment, read from the committed split file (the file wins, not the hash)."""
    split: dict[str, Assignment] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        domain, part, fold = line.split("\t")
        split[domain] = Assignment(part, None if fold == "-" else int(fold))
    return split


def _check_part(part: str) -> None:
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, not {part!r}")


def iter_pages(part: str, bench: Path = BENCH) -> Iterator[Page]:
    """The wcxb-dev pages of one part, in id order (held-out ones only to report figures)."""
    _check_part(part)
    split = load_split()
    for row in _wcxb_rows(bench):
        a = split[row["domain"]]
        if a.part != part:
            continue
        html = gzip.decompress((bench / "wcxb-dev" / "pages" / f"{row['id']}.html.gz").read_bytes())
        yield Page(
            id=row["id"],
            domain=row["domain"],
            fold=a.fold,
            url=row["url"],
            html=html,
            title=row["title"],
            author=row["author"],
            publish_date=row["publish_date"],
            main_content=row["main_content"],
            with_snippets=tuple(row["with_snippets"] or ()),
            without_snippets=tuple(row["without_snippets"] or ()),
        )


def iter_htmldev_pages(part: str, bench: Path = BENCH) -> Iterator[SnippetPage]:
    """The html-dev pages of one part, in annotation-file order."""
    _check_part(part)
    split = load_split()
    for row in _htmldev_rows(bench):
        domain = htmldev_domain(row["url"])
        a = split[domain]
        if a.part != part:
            continue
        yield SnippetPage(
            id=row["file"].removesuffix(".html.gz"),
            domain=domain,
            fold=a.fold,
            url=row["url"],
            html=gzip.decompress((bench / "html-dev" / "pages" / row["file"]).read_bytes()),
            with_snippets=tuple(row["with"] or ()),
            without_snippets=tuple(row["without"] or ()),
        )


def main(argv: list[str] | None = None) -> int:
    """Rewrite the split file from the hash rule (``--write-split``) or print its part sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-split", action="store_true", help="rewrite wcxb_split.tsv")
    args = parser.parse_args(argv)
    if args.write_split:
        SPLIT_FILE.write_text("\n".join(split_lines()) + "\n", encoding="utf-8")
    split = load_split()
    for part in PARTS:
        print(part, sum(a.part == part for a in split.values()), "domains")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Score the pure chain on the real-page text dumps of make_wcxb_dumps.py (issue 19).

Each dump goes through the project's plain chain (``clean_bytes``, the same stage list the Beam
job runs) with the config given by ``--set`` overrides. Reported per layout, averaged over
dumps unless said otherwise (a rejected dump scores 0 / wrong on every field):

- ``article``: headline, lead, summary and credits exact (equal after NFC, whitespace and
  quote normalisation; an expected "none" is right only when the output has none), body word
  F1 (lower-cased ``\\w+`` multisets, as WCXB scores), and chrome left: of all chrome-labelled
  lines (pooled), the share whose text occurs in headline/summary/lead/body/credits more often
  than in the expected fields. Also split by whether chrome sits above the headline.
- ``page``: headline exact, word F1 of lead + body against ``main_content``, chrome lines left,
  and the snippets: ``without`` (boilerplate) left and ``with`` kept, pooled over the snippets
  that occur in the dump (lower-cased, whitespace-normalised substrings of lead + body).
- ``htmldev``: the snippet figures only.

Held-out figures are for reporting only; log every held-out run in docs/benchmarks.md.

    python -m scripts.score_wcxb [--part dev|heldout] [--layout article|page|htmldev ...]
                                 [--set section.key=value ...] [--json]

For model selection, ``score(dumps, overrides)`` scores any list of dumps and
``score_folds(dumps, make_overrides)`` runs domain-grouped cross-validation over the dev folds.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scrapeclean.pipeline.job.config import load_config
from scrapeclean.transforms.errors import ConfigError
from scrapeclean.transforms.records import Article, Reject
from scrapeclean.transforms.text.stages import clean_bytes  # the one place the chain is named
from scripts.make_wcxb_dumps import LAYOUTS, Dump, make_dumps
from scripts.wcxb_data import N_FOLDS, PARTS
from scripts.wcxb_text import normalize, words

EXACT_FIELDS = ("headline", "lead", "summary", "credits")
_OUTPUT_FIELDS = ("headline", "summary", "lead", "body", "credits")


@dataclass(frozen=True, slots=True)
class DocScore:
    """One dump's results; None where a figure does not apply to its layout."""

    layout: str
    rejected: bool
    top_chrome: bool  # article dumps: chrome above the headline
    exact: dict[str, bool]  # article: EXACT_FIELDS; page: headline
    body_f1: float | None
    chrome_lines: int
    chrome_left: int
    with_found: int
    with_kept: int
    without_found: int
    without_left: int


def run_chain(dump: Dump, config: Any) -> Article | Reject:
    """One dump through the pure chain, as the CLI reads a ``.txt`` file."""
    return clean_bytes(dump.text.encode("utf-8"), f"wcxb/{dump.id}.txt", "text", config)


def word_f1(produced: str, expected: str) -> float:
    """F1 of two texts' lower-cased word multisets (1.0 when both are empty)."""
    got, want = Counter(words(produced)), Counter(words(expected))
    if not got and not want:
        return 1.0
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def is_exact(produced: str | None, expected: str | None) -> bool:
    """Equal after normalisation; an expected None (or empty) needs an output None (or empty)."""
    return normalize(produced or "") == normalize(expected or "")


def score_dump(dump: Dump, result: Article | Reject) -> DocScore:
    """Score one dump's chain output against its labels."""
    article = result if isinstance(result, Article) else None
    out = {field: getattr(article, field) if article else None for field in _OUTPUT_FIELDS}
    chrome = [line.text for line in dump.lines if line.label == "chrome"]
    exact: dict[str, bool] = {}
    body_f1 = None
    if dump.layout == "article":
        exact = {
            f: article is not None and is_exact(out[f], getattr(dump, f)) for f in EXACT_FIELDS
        }
        body_f1 = word_f1(out["body"] or "", dump.body or "") if article else 0.0
        expected = [getattr(dump, f) for f in _OUTPUT_FIELDS]
    elif dump.layout == "page":
        exact = {"headline": article is not None and is_exact(out["headline"], dump.headline)}
        body_f1 = word_f1(article.text, dump.main_content or "") if article else 0.0
        expected = [dump.headline, dump.main_content]
    else:
        expected = []
    left = _left(chrome, out.values(), expected)
    main_text = " ".join((article.text if article else "").split()).lower()
    dump_text = " ".join(dump.text.split()).lower()
    with_found = [s for s in _snippets(dump.with_snippets) if s in dump_text]
    without_found = [s for s in _snippets(dump.without_snippets) if s in dump_text]
    return DocScore(
        layout=dump.layout,
        rejected=article is None,
        top_chrome=bool(dump.lines) and dump.lines[0].label == "chrome",
        exact=exact,
        body_f1=body_f1,
        chrome_lines=len(chrome),
        chrome_left=left,
        with_found=len(with_found),
        with_kept=sum(s in main_text for s in with_found),
        without_found=len(without_found),
        without_left=sum(s in main_text for s in without_found),
    )


def _left(chrome: list[str], produced: Iterable[str | None], expected: Iterable[str | None]) -> int:
    # A chrome line "survives" when the output holds its text more often than the expected
    # fields do: a nav word that also occurs inside a paragraph is not counted against us.
    got = normalize("\n".join(text for text in produced if text))
    want = normalize("\n".join(text for text in expected if text))
    return sum(got.count(key) > want.count(key) for key in map(normalize, chrome) if key)


def _snippets(snippets: Iterable[str]) -> list[str]:
    return [key for key in (" ".join(s.split()).lower() for s in snippets) if key]


def aggregate(scores: Sequence[DocScore]) -> dict[str, Any]:
    """Averages over dumps (exact rates, body F1) and pooled shares (chrome lines, snippets)."""
    if not scores:
        return {"n": 0}
    row: dict[str, Any] = {"n": len(scores), "rejected": sum(s.rejected for s in scores)}
    for field in scores[0].exact:
        row[f"{field}_exact"] = _mean(s.exact[field] for s in scores)
    if scores[0].body_f1 is not None:
        row["body_f1"] = _mean(s.body_f1 or 0.0 for s in scores)
    chrome = sum(s.chrome_lines for s in scores)
    if chrome:
        row["chrome_left"] = sum(s.chrome_left for s in scores) / chrome
    without = sum(s.without_found for s in scores)
    with_ = sum(s.with_found for s in scores)
    if scores[0].layout != "article" and without:
        row["without_left"] = sum(s.without_left for s in scores) / without
    if scores[0].layout != "article" and with_:
        row["with_kept"] = sum(s.with_kept for s in scores) / with_
    return row


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def score_docs(dumps: Iterable[Dump], overrides: Sequence[str] = ()) -> list[DocScore]:
    """Run the chain (config = defaults + ``overrides``) on each dump and score it."""
    config = load_config(None, overrides)
    return [score_dump(dump, run_chain(dump, config)) for dump in dumps]


def summarize(scores: Sequence[DocScore]) -> dict[str, dict[str, Any]]:
    """Per-layout figures; article dumps also split by chrome above the headline or not."""
    out: dict[str, dict[str, Any]] = {}
    for layout in LAYOUTS:
        mine = [s for s in scores if s.layout == layout]
        if not mine:
            continue
        out[layout] = aggregate(mine)
        if layout == "article":
            out["article, chrome above headline"] = aggregate([s for s in mine if s.top_chrome])
            out["article, no chrome above"] = aggregate([s for s in mine if not s.top_chrome])
    return out


def score(dumps: Iterable[Dump], overrides: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
    """Score dumps under a config (``section.key=value`` overrides): figures per layout."""
    return summarize(score_docs(dumps, overrides))


def score_folds(
    dumps: Sequence[Dump], make_overrides: Callable[[frozenset[int]], Sequence[str]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Domain-grouped cross-validation: fold k scored with the config fitted on the others.

    ``make_overrides(train_folds)`` returns the ``--set`` overrides (e.g. a model file trained
    on those folds only); the result has one entry per fold plus ``pooled`` over all of them.
    """
    if any(dump.fold is None for dump in dumps):
        raise ValueError("cross-validation runs on dev dumps only (held-out dumps have no fold)")
    results: dict[str, dict[str, dict[str, Any]]] = {}
    pooled: list[DocScore] = []
    for fold in range(N_FOLDS):
        train = frozenset(range(N_FOLDS)) - {fold}
        scores = score_docs([d for d in dumps if d.fold == fold], make_overrides(train))
        results[f"fold {fold}"] = summarize(scores)
        pooled += scores
    results["pooled"] = summarize(pooled)
    return results


def format_table(figures: dict[str, dict[str, Any]]) -> str:
    """The figures as one aligned text row per layout."""
    rows = []
    for name, row in figures.items():
        cells = [f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()]
        rows.append(f"{name:32} " + "  ".join(cells))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """CLI: make the dumps of one part in memory, run the chain, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=PARTS, default="dev")
    parser.add_argument("--layout", choices=LAYOUTS, action="append", help="default: all three")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="K=V")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    try:
        load_config(None, args.overrides)  # a bad --set fails before any page is read
    except ConfigError as error:
        print(f"score_wcxb: {error}", file=sys.stderr)
        return 2
    figures: dict[str, dict[str, Any]] = {}
    for layout in args.layout or LAYOUTS:
        figures |= score(make_dumps(args.part, layout), args.overrides)
    if args.json:
        print(json.dumps({"part": args.part, "overrides": args.overrides, "figures": figures}))
    else:
        print(f"part={args.part} overrides={args.overrides}")
        print(format_table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The rule-group table of scripts/bench_wcxb_html.py: each of our rule groups on top of
trafilatura switched off in turn, and the cross-validated choice of the one fitted threshold.
Groups removed or switched off on this evidence are not listed (docs/html-quality.md has the
table they were decided on).

A group is switched off by config where a switch exists, else by patching its module for the
run (a never-matching pattern): the rules themselves carry no switch only benchmarks use.
trafilatura's runs and htmldate's answer are cached per page, since every group acts after
them. Folds are scripts/wcxb_split.tsv's domain-grouped folds of the dev part.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from statistics import fmean
from typing import Any

from scrapeclean.transforms.html import body, dates, page, paragraphs
from scrapeclean.transforms.html.config import HtmlConfig
from scrapeclean.transforms.html.page import extract_page
from scrapeclean.transforms.text.decode import decode_html
from scripts.bench_wcxb_html import Output, page_scores, summarise
from scripts.wcxb_data import Page

_NEVER = re.compile(r"(?!)")
# recall_retry_gain values tried by cross-validation (1.0: whenever the recall run finds more).
GAIN_GRID = (1.0, 1.05, 1.1, 1.2, 1.3, 1.5, 2.0)
# recall_retry_share values shown with the share of pages that pay for a second run (speed).
SHARE_CURVE = (0.0, 0.5, 0.6, 0.75, 1.0)


@dataclass(frozen=True, slots=True)
class Group:
    """One rule group: how to switch it off (config overrides and module patches)."""

    name: str
    family: str  # the issue's grouping: metadata, dek/teaser, credits, paragraph judging, ...
    config: dict[str, Any] = field(default_factory=dict)
    patches: tuple[tuple[Any, str, Any], ...] = ()


def _keep_headline_in_text(blocks: Any, drop: Any, *args: Any) -> Any:
    """clean_paragraphs without the headline among the texts to drop (the dek stays)."""
    return _CLEAN_PARAGRAPHS(blocks, (None, *tuple(drop)[1:]), *args)


def _no_date(*args: Any, **kwargs: Any) -> None:
    return None


def _never(*names: str) -> tuple[tuple[Any, str, Any], ...]:
    """Patches that make paragraphs.py's patterns ``names`` match nothing."""
    return tuple((paragraphs, name, _NEVER) for name in names)


_CLEAN_PARAGRAPHS = page.clean_paragraphs
GROUPS = (
    Group(
        "headline kept out of the text",
        "metadata",
        patches=((page, "clean_paragraphs", _keep_headline_in_text),),
    ),
    Group("published: htmldate's day", "metadata", patches=((dates, "find_date", _no_date),)),
    Group("recall run where balanced kept little", "main text", {"recall_retry_share": 0.0}),
    Group("JSON-LD articleBody", "main text", {"use_json_ld_body": False}),
    Group("dek to summary", "dek", {"dek_as_lead": True}),
    Group("credit lines", "credit rules", patches=_never("_CREDIT")),
    Group("UI lines", "paragraph judging", patches=_never("_UI")),
    Group("copyright lines", "paragraph judging", patches=_never("_COPYRIGHT")),
    Group("photo credits", "paragraph judging", patches=_never("_PHOTO_CREDIT")),
    Group(
        "date-only and bare-URL lines",
        "paragraph judging",
        patches=_never("_DATE_ONLY", "_BARE_URL"),
    ),
)


class Runner:
    """Our extract stage over a set of pages, with trafilatura's runs and htmldate cached."""

    def __init__(self, pages: Sequence[Page]) -> None:
        self.pages = list(pages)
        self._html = {p.id: decode_html(p.html) for p in self.pages}
        self._runs: dict[tuple[str, bool], Any] = {}
        self._dates: dict[str, Any] = {}
        self._current = ""
        self.recall_runs = 0  # pages that ran trafilatura's recall mode, cached or not

    def scores(self, config: HtmlConfig, group: Group | None = None) -> list[dict[str, Any]]:
        """Per-page figures (bench_wcxb_html.page_scores) with ``group`` switched off."""
        config = replace(config, **(group.config if group else {}))
        rows = []
        with self._cached(), _patched(group.patches if group else ()):
            for p in self.pages:
                self._current = p.id
                article = extract_page(self._html[p.id], None, config)
                day = article.published.date() if article.published else None
                output = Output("\n\n".join(article.paragraphs), article.headline, day)
                rows.append(page_scores(p, output))
        return rows

    @contextlib.contextmanager
    def _cached(self) -> Iterator[None]:
        run, find_date = body._run, dates.find_date

        def cached_run(root: Any, url: Any, config: HtmlConfig, recall: bool) -> Any:
            key = (self._current, recall)
            self.recall_runs += recall
            if key not in self._runs:
                self._runs[key] = run(root, url, config, recall)
            return self._runs[key]

        def cached_date(*args: Any, **kwargs: Any) -> Any:
            if self._current not in self._dates:
                self._dates[self._current] = find_date(*args, **kwargs)
            return self._dates[self._current]

        with _patched(((body, "_run", cached_run), (dates, "find_date", cached_date))):
            yield


@contextlib.contextmanager
def _patched(patches: Sequence[tuple[Any, str, Any]]) -> Iterator[None]:
    saved = [(module, name, getattr(module, name)) for module, name, _ in patches]
    for module, name, value in patches:
        setattr(module, name, value)
    try:
        yield
    finally:
        for module, name, value in reversed(saved):
            setattr(module, name, value)


def cross_validate(
    pages: Sequence[Page], candidates: dict[Any, list[dict[str, Any]]], key: str = "f1"
) -> tuple[float, list[Any]]:
    """Domain-grouped CV: per fold, the candidate best on the other folds, scored on this one.

    ``candidates`` maps a candidate (a parameter value) to its per-page figures in page order.
    Returns the mean of ``key`` over all pages as scored by their fold's choice, and the choices.
    """
    folds = sorted({p.fold for p in pages})
    scored: list[float] = []
    chosen = []
    for fold in folds:
        train = [i for i, p in enumerate(pages) if p.fold != fold]
        best = max(candidates, key=lambda c: fmean(candidates[c][i][key] for i in train))
        chosen.append(best)
        scored += [candidates[best][i][key] for i, p in enumerate(pages) if p.fold == fold]
    return fmean(scored), chosen


def run_ablation(dev: Sequence[Page], heldout: Sequence[Page] = ()) -> dict[str, Any]:
    """All groups on, each off in turn, all off; the gain threshold cross-validated on ``dev``."""
    config = HtmlConfig()
    runners = {"dev": Runner(dev), **({"heldout": Runner(heldout)} if heldout else {})}
    table: dict[str, Any] = {}
    everything = Group(
        "all rule groups off",
        "-",
        {k: v for g in GROUPS for k, v in g.config.items()},
        tuple(p for g in GROUPS for p in g.patches),
    )
    for group in (None, *GROUPS, everything):
        name = group.name if group else "all rule groups on"
        table[name] = {
            "family": group.family if group else "-",
            **{part: summarise(r.scores(config, group)) for part, r in runners.items()},
        }
    gains = {g: runners["dev"].scores(replace(config, recall_retry_gain=g)) for g in GAIN_GRID}
    cv_f1, chosen = cross_validate(dev, gains)
    table["all rule groups on"]["dev_cv_f1"] = cv_f1
    return {
        "groups": table,
        "recall_retry_gain": {"cv_f1": cv_f1, "chosen_per_fold": chosen},
        "recall_retry_share": {
            str(share): _share_point(runners, replace(config, recall_retry_share=share))
            for share in SHARE_CURVE
        },
    }


def _share_point(runners: dict[str, Runner], config: HtmlConfig) -> dict[str, Any]:
    """F1 per part, and the share of pages that ran the recall mode, for one gate."""
    point: dict[str, Any] = {}
    for part, runner in runners.items():
        runner.recall_runs = 0
        point[part] = summarise(runner.scores(config))["f1"]
        point[f"{part}_retried"] = runner.recall_runs / len(runner.pages)
    return point


def print_ablation(ablation: dict[str, Any], describe: Callable[[str], str] = str) -> None:
    """The table: F1/P/R (and headline, published) per group switched off, dev and held-out."""
    groups = ablation["groups"]
    base = groups["all rule groups on"]
    print(f"\n{'switched off':42s}{'dev F1':>8s}{'dF1':>8s}{'P':>7s}{'R':>7s}{'head':>7s}"
          f"{'date':>7s}{'held-out F1':>13s}{'dF1':>8s}")  # fmt: skip
    for name, row in groups.items():
        dev = row["dev"]
        line = (
            f"{describe(name):42s}{dev['f1']:8.4f}{dev['f1'] - base['dev']['f1']:+8.4f}"
            f"{dev['precision']:7.3f}{dev['recall']:7.3f}{dev['headline']:7.3f}"
            f"{dev['published']:7.3f}"
        )
        if "heldout" in row:
            held = row["heldout"]
            line += f"{held['f1']:13.4f}{held['f1'] - base['heldout']['f1']:+8.4f}"
        print(line)
    gain = ablation["recall_retry_gain"]
    print(
        f"recall_retry_gain by 5-fold CV on dev: chosen {gain['chosen_per_fold']}, "
        f"CV F1 {gain['cv_f1']:.4f}"
    )
    for share, point in ablation["recall_retry_share"].items():
        held = f", held-out F1 {point['heldout']:.4f}" if "heldout" in point else ""
        print(
            f"recall_retry_share {share}: dev F1 {point['dev']:.4f}, recall run on "
            f"{point['dev_retried']:.0%} of dev pages{held}"
        )

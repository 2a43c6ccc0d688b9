"""Train the line model (scrapeclean/transforms/text/linemodel.json) on the dev part of wcxb-dev.

The dumps are scripts/make_wcxb_dumps.py's, both layouts, from the dev domains only (the split
file); the held-out part is never read here. Multinomial logistic regression, fitted by
full-batch L-BFGS in numpy (no model library: the same inputs give the same bytes), in two
stages: stage 2 learns from stage 1's verdicts on neighbouring lines; then the headline
ranker, a conditional logit over each dump's lines, from stage 1's columns and stage 2's
verdicts, and the dek reader. First of all the vocabulary stage 1's word_evidence reads
(``fit_vocabulary``), cross-fitted for the training rows. ``--cross-validate``
prints the dev figures of scripts/score_wcxb.py, each fold scored by a model trained on the
other four.

    python -m scripts.train_line_model [--out PATH] [--cross-validate] [--check]
"""

from __future__ import annotations

import os

# Before numpy loads: its matrices here are ~10^5 x 100, where OpenBLAS's threads cost more
# than they give on 2 shared cores (3-4x the CPU time measured on a 10^4-row fit).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import math
import tempfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from scrapeclean.pipeline.job.config import load_config
from scrapeclean.transforms.text.boilerplate import CATALOG, BoilerplateConfig, judge_lines
from scrapeclean.transforms.text.linefeatures import word_evidence
from scrapeclean.transforms.text.linemodel import (
    CHROME,
    CONTENT,
    CREDIT,
    DEK_FEATURES,
    HEADLINE,
    LABELS,
    MODEL_PATH,
    OWN_FEATURES,
    RANKER_FEATURES,
    STAGE1_FEATURES,
    STAGE2_FEATURES,
    SUMMARY,
    LineModel,
    dek_columns,
    log_probabilities,
    shape_rows,
    softmax,
    stage1_matrix,
    stage2_matrix,
    with_neighbours,
)
from scripts.make_wcxb_dumps import Dump, make_dumps
from scripts.score_wcxb import format_table, score_folds

DECIMALS = 4  # weights as written: small file, and float noise below it never changes a byte
L2 = 1e-3  # per-example L2 on standardised weights
ITERATIONS = 1000  # an upper bound: the fit stops when the gradient is ~0 (GRADIENT_TOLERANCE)
GRADIENT_TOLERANCE = 1e-9
HISTORY = 10  # L-BFGS memory
LAYOUTS = ("article", "page")  # labelled layouts (htmldev dumps have snippets only)
# The vocabulary: words of at least this share of the training domains (22 of the 528 dev
# domains: a word one site's template repeats never enters; a share, not a count, so that the
# cross-fitted vocabularies, each fitted on fewer domains, read like the final one), those that
# lean to chrome by at least this much, written to this many decimals.
VOCABULARY_SHARE = 0.04
VOCABULARY_LEANING = 0.5
VOCABULARY_DECIMALS = 2
EVIDENCE_AT = OWN_FEATURES.index("word_evidence")


@dataclass(frozen=True, slots=True)
class Example:
    """One dump as training rows: stage-1 features (word_evidence from no vocabulary until
    ``with_vocabulary``), label indices, fold, layout, each line's content words and the
    page's domain."""

    features: np.ndarray
    labels: np.ndarray
    fold: int
    layout: str
    words: tuple[frozenset[str], ...]
    domain: str


def dump_examples(dump: Dump, config: BoilerplateConfig) -> list[Example]:
    """The stage-1 rows of one labelled dump (its non-blank lines, as the stage sees them), and
    for an article dump also of its seed-sized cut (see ``seed_sized``)."""
    labelled = labelled_lines(dump)
    if not labelled:
        return []
    fold = dump.fold if dump.fold is not None else -1
    variants = [labelled]
    if dump.layout == "article":
        variants.append(seed_sized(labelled, zlib.crc32(dump.id.encode())))
    return [lines_example(v, fold, dump.layout, dump.domain, config) for v in variants]


def labelled_lines(dump: Dump) -> list[tuple[str, str]]:
    """A dump's non-blank lines as the boilerplate stage sees them (stripped), with labels."""
    return [(line.text.strip(), line.label) for line in dump.lines if line.text.strip()]


def seed_sized(labelled: list[tuple[str, str]], draw: int) -> list[tuple[str, str]]:
    """The dump with its body cut to 2-8 lines after the lead (chrome among them kept) and, in
    half of them, its first credit line moved under the headline.

    The seeds and most scraped news dumps are that size, the dev pages' main texts far longer
    (87 lines a dump), and position and length features differ with it; and news dumps carry
    their byline under the headline, where make_wcxb_dumps never puts one (it puts the page's
    credits after the text).
    """
    labels = [label for _, label in labelled]
    content = [i for i, label in enumerate(labels) if label == "content"]
    if len(content) < 4:
        return labelled
    keep_to = content[min(len(content) - 1, 2 + draw % 7)]
    cut = labelled[: keep_to + 1] + labelled[content[-1] + 1 :]
    credit = next((i for i, (_, label) in enumerate(cut) if label == "credit"), None)
    if credit is None or draw & 8:  # half of them keep their credits at the end
        return cut
    byline = cut.pop(credit)
    headline = next(i for i, (_, label) in enumerate(cut) if label == "headline")
    return [*cut[: headline + 1], byline, *cut[headline + 1 :]]


def lines_example(
    labelled: list[tuple[str, str]],
    fold: int,
    layout: str,
    domain: str,
    config: BoilerplateConfig,
) -> Example:
    """Training rows for labelled lines."""
    lines = [text for text, _ in labelled]
    shapes = shape_rows(lines, catalog_verdicts(lines, config))
    features = stage1_matrix(lines, shapes, {})
    labels = np.array([LABELS.index(label) for _, label in labelled])
    words = tuple(frozenset(line_words) for _, line_words in shapes)
    return Example(features, labels, fold, layout, words, domain)


def fit_vocabulary(examples: Sequence[Example]) -> dict[str, float]:
    """Word -> log-odds that a domain uses it in chrome rather than in content, for the words
    of at least VOCABULARY_SHARE of the domains (and of 2) whose log-odds reach
    VOCABULARY_LEANING; smoothed naive Bayes on whether a domain uses a word at all, so a site's
    menu repeated on every line counts once.

    Only words that lean to chrome: a word the vocabulary lacks weighs 0, so with prose words
    weighing < 0, a line in a language the dev pages hardly hold (German, on html-dev) read
    like chrome; with chrome words only, it reads like a prose line without chrome words.
    Weighing prose words too lost 4.5 points of html-dev's content snippets
    (docs/textdump-quality.md).

    Counting domains, not lines, is what makes it carry to sites nobody saw: a word enters
    only when many sites use it, and weighs by how many of them use it in chrome.
    """
    domains: dict[int, dict[str, set[str]]] = {CHROME: {}, CONTENT: {}}
    for e in examples:
        for label, words in zip(e.labels.tolist(), e.words, strict=True):
            if label in domains:
                for word in words:
                    domains[label].setdefault(word, set()).add(e.domain)
    chrome, content = domains[CHROME], domains[CONTENT]
    # +1: a smoothed share never divides by 0 or reaches 1
    chrome_domains = len(set().union(*chrome.values())) + 1
    content_domains = len(set().union(*content.values())) + 1
    least = max(2, math.ceil(VOCABULARY_SHARE * len({e.domain for e in examples})))
    vocabulary = {}
    for word in sorted(chrome.keys() | content.keys()):
        in_chrome, in_content = chrome.get(word, set()), content.get(word, set())
        if len(in_chrome | in_content) < least:
            continue
        weight = math.log((len(in_chrome) + 0.5) / chrome_domains) - math.log(
            (len(in_content) + 0.5) / content_domains
        )
        if weight >= VOCABULARY_LEANING:
            vocabulary[word] = round(weight, VOCABULARY_DECIMALS)
    return vocabulary


def with_vocabulary(example: Example, vocabulary: Mapping[str, float]) -> Example:
    """The example with its word_evidence columns (its lines' and their neighbours') read
    from ``vocabulary``."""
    own = example.features[:, : len(OWN_FEATURES)].copy()
    own[:, EVIDENCE_AT] = [word_evidence(words, vocabulary) for words in example.words]
    return replace(example, features=with_neighbours(own))


def cross_fitted(examples: Sequence[Example]) -> list[Example]:
    """The examples with word_evidence from a vocabulary fitted on the other folds' domains
    only: fitted on their own, the column would be surer on training lines than on any new
    site's, and the stages would lean on it too much."""
    folds = sorted({e.fold for e in examples})
    vocabularies = {fold: fit_vocabulary([e for e in examples if e.fold != fold]) for fold in folds}
    return [with_vocabulary(e, vocabularies[e.fold]) for e in examples]


def catalog_verdicts(lines: list[str], config: BoilerplateConfig) -> list[bool]:
    """The rule catalog's verdict on each line, as the boilerplate stage computes it."""
    verdicts = judge_lines(lines, config, use_model=False)
    return [verdict is not None and verdict.role == CATALOG for verdict in verdicts]


def dev_dumps(layouts: Sequence[str] = LAYOUTS) -> list[Dump]:
    """Every dev dump of the given layouts (held-out pages are never read)."""
    return [dump for layout in layouts for dump in make_dumps("dev", layout)]


def examples_config() -> BoilerplateConfig:
    """The default boilerplate config without its model: training needs only the catalog, and
    the model being replaced may no longer fit the features."""
    return load_config(None, ["boilerplate.line_model=false"]).boilerplate


def examples_of(dumps: Sequence[Dump]) -> list[Example]:
    """Training rows of labelled dumps, with the default config's rule catalog."""
    config = examples_config()
    return [example for dump in dumps for example in dump_examples(dump, config)]


@dataclass(frozen=True, slots=True)
class Fitted:
    """A fitted regression in raw feature units (standardisation folded into the weights)."""

    weights: np.ndarray
    bias: np.ndarray

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Label probabilities for rows of features."""
        return softmax(features @ self.weights + self.bias)


def standardised(features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns scaled to mean 0 and standard deviation 1 (a constant column: 1), with the
    means and scales that map fitted weights back to raw feature units."""
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale == 0] = 1.0
    return (features - mean) / scale, mean, scale


def fit(
    features: np.ndarray,
    labels: np.ndarray,
    sample_weight: np.ndarray,
    iterations: int,
    n_labels: int = len(LABELS),
) -> Fitted:
    """Weighted multinomial logistic regression with L2, by L-BFGS on standardised columns."""
    x, mean, scale = standardised(features)
    n, d = x.shape
    k = n_labels
    rows = np.arange(n)
    w = sample_weight / sample_weight.sum()

    def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = theta[: d * k].reshape(d, k), theta[d * k :]
        p = softmax(x @ weights + bias)
        loss = -float(w @ np.log(p[rows, labels] + 1e-300))
        loss += 0.5 * L2 * float(np.sum(weights * weights))
        p[rows, labels] -= 1.0
        residual = p * w[:, None]
        grad_w = x.T @ residual + L2 * weights
        return loss, np.concatenate((grad_w.ravel(), residual.sum(axis=0)))

    theta = _lbfgs(loss_grad, np.zeros(d * k + k), iterations)
    weights = theta[: d * k].reshape(d, k) / scale[:, None]
    bias = theta[d * k :] - mean @ weights
    return Fitted(weights, bias)


def _lbfgs(loss_grad, theta: np.ndarray, iterations: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Minimise with L-BFGS (two-loop recursion, backtracking Armijo line search)."""
    loss, grad = loss_grad(theta)
    steps: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _ in range(iterations):
        direction = -grad
        alphas = []
        for s, y, rho in reversed(steps):
            alpha = rho * (s @ direction)
            alphas.append(alpha)
            direction = direction - alpha * y
        if steps:
            s, y, _ = steps[-1]
            direction = direction * ((s @ y) / (y @ y))
        for (s, y, rho), alpha in zip(steps, reversed(alphas), strict=True):
            beta = rho * (y @ direction)
            direction = direction + s * (alpha - beta)
        step = 1.0
        while True:
            candidate = theta + step * direction
            new_loss, new_grad = loss_grad(candidate)
            if new_loss <= loss + 1e-4 * step * (grad @ direction):
                break
            step *= 0.5
            if step < 1e-10:
                # no step lowers the loss any more: converged to float precision (the 4-decimal
                # weights no longer move; searching on cost 30 evaluations an iteration)
                return theta
        s, y = candidate - theta, new_grad - grad
        if s @ y > 1e-12:
            steps = [*steps, (s, y, 1.0 / (s @ y))][-HISTORY:]
        theta, loss, grad = candidate, new_loss, new_grad
        if np.abs(grad).max() < GRADIENT_TOLERANCE:
            break
    return theta


def example_weights(examples: Sequence[Example]) -> np.ndarray:
    """Row weights: each layout weighs the same in total, each dump the same within it."""
    layouts = {example.layout for example in examples}
    per_layout = {
        layout: sum(example.layout == layout for example in examples) for layout in layouts
    }
    return np.concatenate(
        [
            np.full(len(e.labels), 1.0 / (len(e.labels) * per_layout[e.layout] * len(layouts)))
            for e in examples
        ]
    )


def dump_weights(examples: Sequence[Example]) -> np.ndarray:
    """One weight a dump: each layout weighs the same in total, each dump the same within it
    (example_weights summed over each dump's rows)."""
    rows = example_weights(examples)
    starts = np.cumsum([0, *(len(e.labels) for e in examples[:-1])])
    return np.add.reduceat(rows, starts)


def fit_stage(examples: Sequence[Example], rows: Iterable[np.ndarray], iterations: int) -> Fitted:
    """Fit one stage on the given per-dump feature rows with the examples' labels."""
    return fit(
        np.vstack(list(rows)),
        np.concatenate([e.labels for e in examples]),
        example_weights(examples),
        iterations,
    )


def fit_ranker(
    rows: Sequence[np.ndarray],
    chosen: Sequence[np.ndarray],
    dump_weight: np.ndarray,
    iterations: int,
) -> np.ndarray:
    """Conditional logit: weights w such that softmax over a dump's rows of ``rows @ w`` puts
    its mass on the dump's chosen rows (``chosen``: a mask per dump; a title may stand on two
    lines, and picking either is right), with L2 on standardised weights, by L-BFGS.
    Returned in raw feature units; a constant shift of every row's score changes no choice,
    so there is no bias."""
    features = np.vstack(rows)
    x, _, scale = standardised(features)
    starts = np.cumsum([0, *(len(r) for r in rows[:-1])])
    group = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    target = np.concatenate(chosen)
    w = dump_weight / dump_weight.sum()

    def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        scores = x @ theta
        top = np.maximum.reduceat(scores, starts)
        exp = np.exp(scores - top[group])
        chosen_exp = np.where(target, exp, 0.0)
        sums, chosen_sums = np.add.reduceat(exp, starts), np.add.reduceat(chosen_exp, starts)
        loss = -float(w @ np.log(chosen_sums / sums)) + 0.5 * L2 * float(theta @ theta)
        residual = (exp / sums[group] - chosen_exp / chosen_sums[group]) * w[group]
        return loss, x.T @ residual + L2 * theta

    return _lbfgs(loss_grad, np.zeros(x.shape[1]), iterations) / scale


def train(examples: Sequence[Example], iterations: int = ITERATIONS) -> LineModel:
    """The vocabulary, both stages, the ranker and the dek reader; every stage reads the
    word_evidence columns cross-fitted (``cross_fitted``), the model ships the vocabulary
    fitted on all the examples; stage 2 learns from stage 1's verdicts on the same dumps, the
    ranker (on the dumps that hold their headline) and the dek reader from stage 2's.

    ``iterations`` bounds each stage's L-BFGS (the shipped model: until converged).
    In-sample verdicts are close enough to out-of-fold ones here (a few dozen weights fitted on
    ~10^5 lines), and fitting stage 1 once instead of once per fold keeps training quick.
    """
    vocabulary = fit_vocabulary(examples)
    examples = cross_fitted(examples)
    stage1 = fit_stage(examples, [e.features for e in examples], iterations)
    stage2_rows = [stage2_matrix(e.features, stage1.probabilities(e.features)) for e in examples]
    stage2 = fit_stage(examples, stage2_rows, iterations)
    second = [stage2.probabilities(rows) for rows in stage2_rows]
    titled = [
        (e, log_probabilities(p))
        for e, p in zip(examples, second, strict=True)
        if HEADLINE in e.labels
    ]
    ranker = fit_ranker(
        [np.hstack((e.features, log_p)) for e, log_p in titled],
        [e.labels == HEADLINE for e, _ in titled],
        dump_weights([e for e, _ in titled]),
        iterations,
    )
    dek = fit_dek(examples, second, iterations)
    return LineModel(
        stage1.weights, stage1.bias, stage2.weights, stage2.bias, ranker, dek, vocabulary
    )


def fit_dek(
    examples: Sequence[Example], second: Sequence[np.ndarray], iterations: int
) -> np.ndarray:
    """The dek reader: logistic regression on DEK_FEATURES of the line under each headline
    (past credits) that is the summary or the lead. Weights, then the bias."""
    rows, labels, chosen = [], [], []
    for e, p in zip(examples, second, strict=True):
        below = line_under_headline(e.labels)
        if below is not None:
            rows.append(dek_columns(e.features[below : below + 1], p[below : below + 1])[0])
            labels.append(int(e.labels[below] == SUMMARY))
            chosen.append(e)
    fitted = fit(np.array(rows), np.array(labels), dump_weights(chosen), iterations, n_labels=2)
    weights = fitted.weights[:, 1] - fitted.weights[:, 0]
    return np.append(weights, fitted.bias[1] - fitted.bias[0])


def line_under_headline(labels: np.ndarray) -> int | None:
    """The first line past credits under the first headline line, when it is the summary or
    the lead (None otherwise)."""
    if HEADLINE not in labels:
        return None
    below = int(np.flatnonzero(labels == HEADLINE)[0]) + 1
    while below < len(labels) and labels[below] == CREDIT:
        below += 1
    if below < len(labels) and labels[below] in (SUMMARY, CONTENT):
        return below
    return None


def model_json(model: LineModel) -> str:
    """The model file's text: rounded weights, sorted keys, provenance (byte-stable)."""

    def rounded(array: np.ndarray) -> list:
        return np.round(array, DECIMALS).tolist()

    data = {
        "about": "scrapeclean line model; trained by scripts/train_line_model.py on "
        "wcxb-dev (dev part), CC-BY-4.0; see linemodel.md beside this file",
        "labels": list(LABELS),
        "stage1": {
            "features": list(STAGE1_FEATURES),
            "weights": rounded(model.stage1_weights),
            "bias": rounded(model.stage1_bias),
        },
        "stage2": {
            "features": list(STAGE2_FEATURES),
            "weights": rounded(model.stage2_weights),
            "bias": rounded(model.stage2_bias),
        },
        "ranker": {"features": list(RANKER_FEATURES), "weights": rounded(model.ranker_weights)},
        "dek": {"features": list(DEK_FEATURES), "weights": rounded(model.dek_weights)},
        "vocabulary": dict(model.vocabulary),
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"


def cross_validate(
    dumps: Sequence[Dump], folder: Path, settings: Sequence[str] = ()
) -> dict[str, Any]:
    """The dev figures of scripts/score_wcxb.py, each fold scored with a model trained on the
    other four (domain-grouped: a domain's pages share a fold) under the config ``settings``
    (``section.key=value``); model files go to ``folder``, and one already there is read
    instead of trained again (a choice made at read time, a threshold, then costs a scoring
    run, not five trainings)."""
    examples = examples_of(dumps)

    def overrides(train_folds: frozenset[int]) -> list[str]:
        path = folder / f"linemodel-{''.join(map(str, sorted(train_folds)))}.json"
        if not path.exists():
            path.write_text(model_json(train([e for e in examples if e.fold in train_folds])))
        return [f"boilerplate.line_model_path={path}", *settings]

    return score_folds(dumps, overrides)


def main(argv: list[str] | None = None) -> int:
    """Train on the dev dumps and write the model file, or print cross-validated figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument(
        "--cross-validate",
        action="store_true",
        help="print the dev figures, each fold scored by a model trained on the other folds",
    )
    parser.add_argument(
        "--models",
        type=Path,
        help="with --cross-validate: keep the fold models here and reuse those already here "
        "(delete them after changing the features or the training)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="with --cross-validate: a config override for scoring (repeatable)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="re-train and exit 1 unless the result is the shipped model, byte for byte",
    )
    args = parser.parse_args(argv)
    dumps = dev_dumps()
    if args.cross_validate:
        if args.models:
            args.models.mkdir(parents=True, exist_ok=True)
            figures = cross_validate(dumps, args.models, args.set)
        else:
            with tempfile.TemporaryDirectory() as folder:
                figures = cross_validate(dumps, Path(folder), args.set)
        print(format_table(figures["pooled"]))
        return 0
    examples = examples_of(dumps)
    text = model_json(train(examples))
    if args.check:
        same = MODEL_PATH.read_text(encoding="utf-8") == text
        print(f"{MODEL_PATH}: {'reproduced' if same else 'differs from a fresh training'}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    rows = sum(len(e.labels) for e in examples)
    print(f"{len(examples)} training dumps ({len(dumps)} dev dumps), {rows} lines -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Train the line model (scrapeclean/transforms/text/linemodel.json) on the dev part of wcxb-dev.

The dumps are scripts/make_wcxb_dumps.py's, both layouts, from the dev domains only (the split
file); the held-out part is never read here. Multinomial logistic regression, fitted by
full-batch L-BFGS in numpy (no model library: same numbers from the same inputs, a few
seconds), in two stages: stage 2 learns from stage 1's verdicts on neighbouring lines, which
for training are out-of-fold (stage 1 fitted without the dump's own fold).

    python -m scripts.train_line_model [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scrapeclean.pipeline.job.config import load_config
from scrapeclean.transforms.text.boilerplate import CATALOG, BoilerplateConfig, judge_lines
from scrapeclean.transforms.text.linemodel import (
    LABELS,
    MODEL_PATH,
    STAGE1_FEATURES,
    STAGE2_FEATURES,
    LineModel,
    shape_rows,
    softmax,
    stage1_matrix,
    stage2_matrix,
)
from scripts.make_wcxb_dumps import Dump, make_dumps

DECIMALS = 4  # weights as written: small file, and float noise below it never changes a byte
L2 = 1e-3  # per-example L2 on standardised weights
ITERATIONS = 60
HISTORY = 10  # L-BFGS memory
LAYOUTS = ("article", "page")  # labelled layouts (htmldev dumps have snippets only)


@dataclass(frozen=True, slots=True)
class Example:
    """One dump as training rows: stage-1 features, label indices, fold, layout."""

    features: np.ndarray
    labels: np.ndarray
    fold: int
    layout: str


def dump_examples(dump: Dump, config: BoilerplateConfig) -> list[Example]:
    """The stage-1 rows of one labelled dump (its non-blank lines, as the stage sees them), and
    for an article dump also of its seed-sized cut (see ``seed_sized``)."""
    labelled = [(line.text.strip(), line.label) for line in dump.lines if line.text.strip()]
    if not labelled:
        return []
    fold = dump.fold if dump.fold is not None else -1
    variants = [labelled]
    if dump.layout == "article":
        variants.append(seed_sized(labelled, zlib.crc32(dump.id.encode())))
    return [lines_example(v, fold, dump.layout, config) for v in variants]


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
    labelled: list[tuple[str, str]], fold: int, layout: str, config: BoilerplateConfig
) -> Example:
    """Training rows for labelled lines."""
    lines = [text for text, _ in labelled]
    catalog = catalog_verdicts(lines, config)
    features = stage1_matrix(lines, shape_rows(lines, catalog))
    labels = np.array([LABELS.index(label) for _, label in labelled])
    return Example(features, labels, fold, layout)


def catalog_verdicts(lines: list[str], config: BoilerplateConfig) -> list[bool]:
    """The rule catalog's verdict on each line, as the boilerplate stage computes it."""
    verdicts = judge_lines(lines, config, use_model=False)
    return [verdict is not None and verdict.role == CATALOG for verdict in verdicts]


def dev_examples(layouts: Sequence[str] = LAYOUTS) -> list[Example]:
    """Every dev dump of the given layouts as training rows (held-out pages are never read)."""
    # the model being replaced may no longer fit the features: only the catalog is needed
    config = load_config(None, ["boilerplate.line_model=false"]).boilerplate
    examples = []
    for layout in layouts:
        for dump in make_dumps("dev", layout):
            examples += dump_examples(dump, config)
    return examples


@dataclass(frozen=True, slots=True)
class Fitted:
    """A fitted regression in raw feature units (standardisation folded into the weights)."""

    weights: np.ndarray
    bias: np.ndarray

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Label probabilities for rows of features."""
        return softmax(features @ self.weights + self.bias)


def fit(features: np.ndarray, labels: np.ndarray, sample_weight: np.ndarray) -> Fitted:
    """Weighted multinomial logistic regression with L2, by L-BFGS on standardised columns."""
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale == 0] = 1.0
    x = ((features - mean) / scale).astype(np.float32)
    n, d = x.shape
    k = len(LABELS)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), labels] = 1.0
    w = sample_weight / sample_weight.sum()

    def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = theta[: d * k].reshape(d, k), theta[d * k :]
        p = softmax(x @ weights + bias)
        loss = -np.sum(w * np.log(np.sum(p * onehot, axis=1) + 1e-12))
        loss += 0.5 * L2 * np.sum(weights * weights)
        residual = (p - onehot) * w[:, None]
        grad_w = x.T @ residual + L2 * weights
        return loss, np.concatenate((grad_w.ravel(), residual.sum(axis=0)))

    theta = _lbfgs(loss_grad, np.zeros(d * k + k))
    weights = theta[: d * k].reshape(d, k) / scale[:, None]
    bias = theta[d * k :] - mean @ weights
    return Fitted(weights, bias)


def _lbfgs(loss_grad, theta: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Minimise with L-BFGS (two-loop recursion, backtracking Armijo line search)."""
    loss, grad = loss_grad(theta)
    steps: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _ in range(ITERATIONS):
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
            if new_loss <= loss + 1e-4 * step * (grad @ direction) or step < 1e-10:
                break
            step *= 0.5
        s, y = candidate - theta, new_grad - grad
        if s @ y > 1e-12:
            steps = [*steps, (s, y, 1.0 / (s @ y))][-HISTORY:]
        theta, loss, grad = candidate, new_loss, new_grad
        if np.abs(grad).max() < 1e-7:
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


def fit_stage(examples: Sequence[Example], rows: Iterable[np.ndarray]) -> Fitted:
    """Fit one stage on the given per-dump feature rows with the examples' labels."""
    return fit(
        np.vstack(list(rows)),
        np.concatenate([e.labels for e in examples]),
        example_weights(examples),
    )


def train(examples: Sequence[Example]) -> LineModel:
    """Both stages; stage 2 learns from stage 1's verdicts on the same dumps.

    In-sample verdicts are close enough to out-of-fold ones here (a few dozen weights fitted on
    ~10^5 lines), and fitting stage 1 once instead of once per fold keeps training quick.
    """
    stage1 = fit_stage(examples, [e.features for e in examples])
    stage2 = fit_stage(
        examples, [stage2_matrix(e.features, stage1.probabilities(e.features)) for e in examples]
    )
    return LineModel(stage1.weights, stage1.bias, stage2.weights, stage2.bias)


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
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Train on the dev dumps and write the model file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    examples = dev_examples()
    args.out.write_text(model_json(train(examples)), encoding="utf-8")
    rows = sum(len(e.labels) for e in examples)
    print(f"{len(examples)} dev dumps, {rows} lines -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

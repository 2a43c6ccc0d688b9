"""The line model: what each line of a text dump is (content, chrome, headline, summary, credit).

Two multinomial logistic regressions over transforms/text/linefeatures.py's columns: the first
reads each line with its position and its neighbours' shapes, the second re-reads it with the
first one's verdicts on the lines around it (context smoothing, as jusText does with its
neighbours' classes). Weights ship as a small JSON file beside this module (see
linemodel.md); nothing is downloaded and inference is numpy over a few dozen columns.
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scrapeclean.transforms.text.linefeatures import SHAPE_FEATURES, line_shape

LABELS = ("content", "chrome", "headline", "summary", "credit")
CONTENT, CHROME, HEADLINE, SUMMARY, CREDIT = range(len(LABELS))
MODEL_PATH = Path(__file__).with_name("linemodel.json")

_COLUMN = {name: i for i, name in enumerate(SHAPE_FEATURES)}
# Shape columns a line is also described by as a neighbour (one and two lines away).
NEIGHBOUR_SHAPE = (
    "log_words",
    "ends_sentence",
    "capitalised_share",
    "symbol_share",
    "stopword_share",
    "chrome_word_share",
    "credit_word_share",
    "date_like",
    "catalog",
)
_NEIGHBOUR_COLUMNS = [_COLUMN[name] for name in NEIGHBOUR_SHAPE]
_OFFSETS = (-2, -1, 1, 2)
PLACE_FEATURES = (
    "relative_position",
    "log_lines_above",
    "log_lines_below",
    "is_first",
    "is_last",
    "log_lines",
    "prose_share_above",
    "prose_share_below",
    "above_first_prose",
    "below_last_prose",
    "log_short_run",
    "log_repeats",
)
STAGE1_FEATURES = (
    *SHAPE_FEATURES,
    *PLACE_FEATURES,
    *(f"{name}@{offset:+d}" for offset in _OFFSETS for name in (*NEIGHBOUR_SHAPE, "exists")),
)
STAGE2_FEATURES = (
    *STAGE1_FEATURES,
    *(f"p_{label}@{offset:+d}" for offset in (-2, -1, 0, 1, 2) for label in LABELS),
    "p_chrome_window5",
    "p_headline_max_above",
    "p_headline_max_below",
    "above_best_headline",
    "below_best_headline",
    "log_distance_best_headline",
)
# A line of this many words or more that ends a sentence is prose: it anchors the article.
PROSE_WORDS = 13
SHORT_WORDS = 6  # a run of lines this short is a menu, a share bar or a link list


@dataclass(frozen=True, slots=True)
class LineModel:
    """Both stages' weights (features x labels) and biases, as numpy arrays."""

    stage1_weights: np.ndarray
    stage1_bias: np.ndarray
    stage2_weights: np.ndarray
    stage2_bias: np.ndarray


@functools.lru_cache(maxsize=4)
def load_model(path: str) -> LineModel:
    """Read a model file once per process; its feature lists must be this module's."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if tuple(data["labels"]) != LABELS:
        raise ValueError(f"{path}: labels {data['labels']} are not {list(LABELS)}")
    arrays = []
    for stage, names in (("stage1", STAGE1_FEATURES), ("stage2", STAGE2_FEATURES)):
        if tuple(data[stage]["features"]) != names:
            raise ValueError(f"{path}: {stage} features differ from this version's")
        arrays += [np.array(data[stage]["weights"]), np.array(data[stage]["bias"])]
    return LineModel(*arrays)


def shape_matrix(lines: list[str], is_catalog: Callable[[str], bool]) -> np.ndarray:
    """One row of SHAPE_FEATURES per stripped, non-empty line."""
    return np.array([line_shape(line, is_catalog) for line in lines], dtype=float)


def stage1_matrix(lines: list[str], shape: np.ndarray) -> np.ndarray:
    """STAGE1_FEATURES: each line's shape, where it sits, and its neighbours' shapes."""
    n = len(lines)
    position = np.arange(n, dtype=float)
    words = np.expm1(shape[:, _COLUMN["log_words"]])
    prose = (words >= PROSE_WORDS) & (shape[:, _COLUMN["ends_sentence"]] > 0)
    prose_words = words * prose
    cumulative = np.cumsum(prose_words)
    total = cumulative[-1] or 1.0
    prose_at = np.flatnonzero(prose)
    first, last = (prose_at[0], prose_at[-1]) if len(prose_at) else (n, -1)
    counts = Counter(line.casefold() for line in lines)
    place = np.column_stack(
        (
            position / max(n - 1, 1),
            np.log1p(position),
            np.log1p(n - 1 - position),
            position == 0,
            position == n - 1,
            np.full(n, math.log1p(n)),
            (cumulative - prose_words) / total,
            (total - cumulative) / total,
            position < first,
            position > last,
            np.log1p(_run_lengths(words <= SHORT_WORDS)),
            np.log1p([counts[line.casefold()] - 1 for line in lines]),
        )
    )
    around = np.zeros((n + 4, len(_NEIGHBOUR_COLUMNS) + 1))
    around[2:-2, :-1] = shape[:, _NEIGHBOUR_COLUMNS]
    around[2:-2, -1] = 1.0
    neighbours = [around[2 + offset : 2 + offset + n] for offset in _OFFSETS]
    return np.hstack((shape, place, *neighbours))


def stage2_matrix(stage1: np.ndarray, first: np.ndarray) -> np.ndarray:
    """STAGE2_FEATURES: stage 1's columns plus its verdicts on the lines around each line."""
    n = len(first)
    padded = np.zeros((n + 4, len(LABELS)))
    padded[2:-2] = first
    verdicts = [padded[2 + offset : 2 + offset + n] for offset in (-2, -1, 0, 1, 2)]
    chrome = np.concatenate(([0.0], np.cumsum(padded[:, CHROME])))
    window = (chrome[5 : n + 5] - chrome[:n]) / 5  # lines i-2 .. i+2
    headline = first[:, HEADLINE]
    above = np.concatenate(([0.0], np.maximum.accumulate(headline)[:-1]))
    below = np.concatenate((np.maximum.accumulate(headline[::-1])[::-1][1:], [0.0]))
    best = int(np.argmax(headline))
    position = np.arange(n)
    context = np.column_stack(
        (
            window,
            above,
            below,
            position < best,
            position > best,
            np.log1p(np.abs(position - best)),
        )
    )
    return np.hstack((stage1, *verdicts, context))


def predict(lines: list[str], model: LineModel, is_catalog: Callable[[str], bool]) -> np.ndarray:
    """Probabilities (lines x LABELS) for stripped, non-empty lines, after context smoothing."""
    stage1 = stage1_matrix(lines, shape_matrix(lines, is_catalog))
    first = softmax(stage1 @ model.stage1_weights + model.stage1_bias)
    second = stage2_matrix(stage1, first)
    return softmax(second @ model.stage2_weights + model.stage2_bias)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of raw label scores."""
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def _run_lengths(flags: np.ndarray) -> np.ndarray:
    """For each True, the length of the run of Trues it belongs to; 0 for False."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], flags.astype(np.int8), [0]))))
    starts, ends = edges[0::2], edges[1::2]
    lengths = np.zeros(len(flags))
    for start, end in zip(starts, ends, strict=True):
        lengths[start:end] = end - start
    return lengths

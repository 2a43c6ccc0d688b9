"""The line model: what each line of a text dump is (content, chrome, headline, summary, credit).

Two multinomial logistic regressions over transforms/text/linefeatures.py's columns: the first
reads each line with its position, what a learned vocabulary says of its words, and the same
of its neighbours; the second re-reads it with the first one's verdicts on the lines around it
(context smoothing, as jusText does with its neighbours' classes). A third, listwise one (a
conditional logit over a dump's lines) picks the headline: one line of the dump is it, and a
choice among lines is learnt better as a choice than as one yes/no per line; a fourth, the dek
reader, asks of the line under the headline whether it is the summary or the lead. Weights
ship as a small JSON file beside this module (see linemodel.md); nothing is downloaded and
inference is numpy over ~100 columns.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from scrapeclean.transforms.text.linefeatures import (
    SHAPE_FEATURES,
    TABLED_CHARS,
    LineShape,
    line_shape,
    log1p_table,
    topic_overlaps,
    word_evidence,
)
from scrapeclean.transforms.text.words import fold_case

LABELS = ("content", "chrome", "headline", "summary", "credit")
CONTENT, CHROME, HEADLINE, SUMMARY, CREDIT = range(len(LABELS))
# A reading's roles are the labels plus one: the line under the headline that may be its dek,
# too unsure for the model alone (segment's dek rule decides).
ROLES = (*LABELS, "possible_summary")
POSSIBLE_SUMMARY = len(LABELS)
MODEL_PATH = Path(__file__).with_name("linemodel.json")

_ENDS_SENTENCE = SHAPE_FEATURES.index("ends_sentence")
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
    "log_lines_to_next_prose",
    "log_lines_from_previous_prose",
    "log_short_run",
    "log_repeats",
    "prose_line_share",
    "topic_overlap",
    "previous_line_overlap",
    "next_line_overlap",
)
# What the model's vocabulary (LineModel.vocabulary) says of a line's words.
WORD_FEATURES = ("word_evidence",)
# A line's own columns, which its neighbours' columns repeat.
OWN_FEATURES = (*SHAPE_FEATURES, *PLACE_FEATURES, *WORD_FEATURES)
# Own columns a line is also described by as a neighbour (one and two lines away).
NEIGHBOUR_FEATURES = (
    "log_words",
    "ends_sentence",
    "capitalised_share",
    "stopword_share",
    "chrome_word_share",
    "credit_word_share",
    "date_like",
    "dateline",
    "catalog",
    "word_evidence",
)
_NEIGHBOUR_COLUMNS = [OWN_FEATURES.index(name) for name in NEIGHBOUR_FEATURES]
STAGE1_FEATURES = (
    *OWN_FEATURES,
    *(f"{name}@{offset:+d}" for offset in _OFFSETS for name in (*NEIGHBOUR_FEATURES, "exists")),
)
STAGE2_FEATURES = (
    *STAGE1_FEATURES,
    *(f"p_{label}@{offset:+d}" for offset in (-2, -1, 0, 1, 2) for label in LABELS),
    "p_chrome_window5",
    "p_content_above3",
    "p_content_below3",
    "p_chrome_above3",
    "p_chrome_below3",
    "p_headline_max_above",
    "p_headline_max_below",
    "above_best_headline",
    "below_best_headline",
    "log_distance_best_headline",
)
# The headline ranker reads each line's stage-1 columns and stage 2's verdict on it.
RANKER_FEATURES = (*STAGE1_FEATURES, *(f"log_p_{label}" for label in LABELS))
# The dek reader asks of the line under the headline whether it is the summary or the lead,
# from a few of its columns and stage 2's verdict on it (every stage-1 column overfitted:
# 0.837 -> 0.835 right on dev, cross-validated; these: 0.863, docs/textdump-quality.md).
DEK_COLUMNS = ("log_chars", "ends_period", "topic_overlap", "next_line_overlap")
DEK_FEATURES = (
    *DEK_COLUMNS,
    "description_length",
    "next_minus_own_log_words",
    *(f"log_p_{label}" for label in LABELS),
)
# A page's description, which many dumps carry as the summary under the headline, is written
# for search results that cut it at ~160 characters: dev summaries there run 97-194
# characters (10th-90th percentile), leads 91-587.
DESCRIPTION_CHARS = (90, 200)
_STAGE1_AT = {name: i for i, name in enumerate(STAGE1_FEATURES)}
_DEK_AT = [_STAGE1_AT[name] for name in DEK_COLUMNS]
_OWN = len(OWN_FEATURES)
# A line of this many words or more that ends a sentence is prose: it anchors the article.
PROSE_WORDS = 13
SHORT_WORDS = 6  # a run of lines this short is a menu, a share bar or a link list
# The end of an article: past the last line this likely content, a run of MIN_TAIL lines or
# more, at least TAIL_SHARE of them chrome, loses the lines that lean to chrome at all.
SURE_CONTENT = 0.8
MIN_TAIL = 3
TAIL_SHARE = 0.5
TAIL_LEANING = 0.25


@dataclass(frozen=True, slots=True)
class LineModel:
    """Both stages' weights (features x labels) and biases, the headline ranker's weights
    (RANKER_FEATURES) and the dek reader's (DEK_FEATURES, then its bias), as numpy arrays;
    and the vocabulary the word_evidence column reads (word -> log-odds of chrome)."""

    stage1_weights: np.ndarray
    stage1_bias: np.ndarray
    stage2_weights: np.ndarray
    stage2_bias: np.ndarray
    ranker_weights: np.ndarray
    dek_weights: np.ndarray  # DEK_FEATURES, then the bias (log-odds of a dek over a lead)
    # Compared by identity like the arrays (numpy arrays have no == that gives one bool).
    vocabulary: Mapping[str, float] = field(compare=False)
    # Every weight on a stage-1 column, as predict applies them (own_weights): on a line's
    # own row, and on the columns its neighbours read of it.
    own_weights: np.ndarray = field(init=False, repr=False, compare=False)
    neighbour_weights: np.ndarray = field(init=False, repr=False, compare=False)
    # Stage 2's weights on its context columns as predict applies them (context_weights).
    context_weights: np.ndarray = field(init=False, repr=False, compare=False)
    # The ranker's and the (negated) dek reader's weights on stage 2's log-probabilities.
    late_weights: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        own, neighbour = own_weights(self)
        object.__setattr__(self, "own_weights", own)
        object.__setattr__(self, "neighbour_weights", neighbour)
        context = context_weights(self.stage2_weights[len(STAGE1_FEATURES) :])
        object.__setattr__(self, "context_weights", context)
        log_p = len(DEK_FEATURES) - len(LABELS)
        late = np.column_stack(
            (self.ranker_weights[len(STAGE1_FEATURES) :], -self.dek_weights[log_p:-1])
        )
        object.__setattr__(self, "late_weights", late)


# The place_rows columns past a line's own: a 1 (the biases, and a neighbour's "exists") and
# whether the line is as long as a page description (the dek reader's description_length).
_ONE, _DESCRIPTION = _OWN, _OWN + 1
# predict's score columns: stage 1's labels, stage 2's (their stage-1 part), the ranker's and
# the dek reader's (theirs, the dek reader's negated), from each line and its neighbours.
_SCORES = 2 * len(LABELS) + 2
# The columns a neighbour reads of a line (NEIGHBOUR_FEATURES, then "exists" on the 1).
_NEAR = [*_NEIGHBOUR_COLUMNS, _ONE]


def own_weights(model: LineModel) -> tuple[np.ndarray, np.ndarray]:
    """Every weight on a stage-1 column, rearranged so that predict needs no stage-1 matrix:
    a neighbour's columns are copies of that line's own, so their weights become a block of
    their own applied to the line's _NEAR columns and added where the neighbour reads them.
    Returns the weights on a line's own row (place_rows' columns x _SCORES) and those on its
    _NEAR columns (one block of _SCORES per _OFFSETS entry). The biases and "exists" ride on
    the row's 1; the dek reader's columns are linear in stage-1 columns
    (next_minus_own_log_words is a difference of two) but for description_length, its own
    column. The dek reader's weights are negated, so predict's logistic is 1 / (1 + exp(x)).

    The same arithmetic in another order: probabilities agree with stage1_matrix's and
    stage2_matrix's to ~1e-15.
    """
    n = len(STAGE1_FEATURES)
    dek = dict(zip(DEK_FEATURES, model.dek_weights[:-1], strict=True))
    dek_column = np.zeros(n)
    for name in DEK_COLUMNS:
        dek_column[_STAGE1_AT[name]] += dek[name]
    dek_column[_STAGE1_AT["log_words@+1"]] += dek["next_minus_own_log_words"]
    dek_column[_STAGE1_AT["log_words"]] -= dek["next_minus_own_log_words"]
    joint = np.column_stack(
        (model.stage1_weights, model.stage2_weights[:n], model.ranker_weights[:n], -dek_column)
    )
    own = np.zeros((_DESCRIPTION + 1, _SCORES))
    own[:_OWN] = joint[:_OWN]
    own[_ONE] = [*model.stage1_bias, *model.stage2_bias, 0.0, -model.dek_weights[-1]]
    own[_DESCRIPTION, -1] = -dek["description_length"]
    near = [
        joint[[_STAGE1_AT[f"{name}@{offset:+d}"] for name in (*NEIGHBOUR_FEATURES, "exists")]]
        for offset in _OFFSETS
    ]
    return own, np.hstack(near)


# Stage 2's context columns that are sums of stage-1 probabilities over the lines around a line:
# (column, label summed, offsets of the lines summed).
_WINDOW_SUMS = (
    ("p_chrome_window5", CHROME, (-2, -1, 0, 1, 2)),
    ("p_content_above3", CONTENT, (-3, -2, -1)),
    ("p_content_below3", CONTENT, (1, 2, 3)),
    ("p_chrome_above3", CHROME, (-3, -2, -1)),
    ("p_chrome_below3", CHROME, (1, 2, 3)),
)
_REACH = 3  # the farthest line a context column reads, above or below
_HEADLINE_CONTEXT = (
    "p_headline_max_above",
    "p_headline_max_below",
    "above_best_headline",
    "below_best_headline",
    "log_distance_best_headline",
)


def context_weights(weights: np.ndarray) -> np.ndarray:
    """Stage 2's weights on its context columns (``weights``: one row per column past stage
    1's), rearranged so that predict needs no context matrix: every column but the headline
    ones is a sum of stage-1 probabilities of lines at most _REACH away, so its weight moves to
    the probabilities it sums (divided by the count it averages). Rows: offset -3 .. 3 x
    LABELS, then _HEADLINE_CONTEXT's rows as they are.

    The same arithmetic in another order: probabilities agree with stage2_matrix's to ~1e-15.
    """
    k = len(LABELS)
    column = {name: i for i, name in enumerate(STAGE2_FEATURES[len(STAGE1_FEATURES) :])}
    window = np.zeros((2 * _REACH + 1, k, k))
    for offset in range(-2, 3):
        for label, name in enumerate(LABELS):
            window[_REACH + offset, label] += weights[column[f"p_{name}@{offset:+d}"]]
    for name, label, offsets in _WINDOW_SUMS:
        for offset in offsets:
            window[_REACH + offset, label] += weights[column[name]] / len(offsets)
    headline = weights[[column[name] for name in _HEADLINE_CONTEXT]]
    return np.vstack((window.reshape(-1, k), headline))


@functools.lru_cache(maxsize=4)
def load_model(path: str) -> LineModel:
    """Read a model file once per process; ValueError when it is unreadable or was written for
    other features or labels than this module's."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return _model_from(data, path)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not a line model file ({error})") from None


def _model_from(data: dict, path: str) -> LineModel:
    if tuple(data["labels"]) != LABELS:
        raise ValueError(f"{path}: labels {data['labels']} are not {list(LABELS)}")
    arrays = []
    for stage, names in (("stage1", STAGE1_FEATURES), ("stage2", STAGE2_FEATURES)):
        if tuple(data[stage]["features"]) != names:
            raise ValueError(f"{path}: {stage} features differ from this version's")
        arrays += [np.array(data[stage]["weights"]), np.array(data[stage]["bias"])]
    if tuple(data["ranker"]["features"]) != RANKER_FEATURES:
        raise ValueError(f"{path}: ranker features differ from this version's")
    if tuple(data["dek"]["features"]) != DEK_FEATURES:
        raise ValueError(f"{path}: dek features differ from this version's")
    ranker, dek = np.array(data["ranker"]["weights"]), np.array(data["dek"]["weights"])
    vocabulary = {str(word): float(weight) for word, weight in dict(data["vocabulary"]).items()}
    return LineModel(*arrays, ranker, dek, vocabulary)


def shape_rows(
    lines: list[str], catalog: list[bool], known: dict[tuple[str, bool], LineShape] | None = None
) -> list[LineShape]:
    """line_shape of every stripped, non-empty line, with the catalog's verdicts.

    ``known`` keeps the shapes of the lines already seen (a batch's: see _predict_batch) and
    gives a line seen before its first shape, the same objects (nothing changes them after).
    """
    if known is None:
        return [line_shape(*pair) for pair in zip(lines, catalog, strict=True)]
    shapes = []
    for pair in zip(lines, catalog, strict=True):
        shape = known.get(pair)
        if shape is None:
            shape = known[pair] = line_shape(*pair)
        shapes.append(shape)
    return shapes


def stage1_matrix(
    lines: list[str],
    shapes: list[LineShape],
    vocabulary: Mapping[str, float],
) -> np.ndarray:
    """STAGE1_FEATURES: each line's shape, where it sits, what the vocabulary says of its
    words, and the same of its neighbours."""
    return with_neighbours(place_rows(lines, shapes, vocabulary)[:, :_OWN])


def with_neighbours(own: np.ndarray) -> np.ndarray:
    """STAGE1_FEATURES from the lines' OWN_FEATURES: their NEIGHBOUR_FEATURES repeated on the
    lines _OFFSETS away (zeros and "exists" 0 past either end)."""
    n = len(own)
    around = np.zeros((n + 4, len(_NEIGHBOUR_COLUMNS) + 1))
    around[2:-2, :-1] = own[:, _NEIGHBOUR_COLUMNS]
    around[2:-2, -1] = 1.0
    return np.hstack((own, *(around[2 + offset : 2 + offset + n] for offset in _OFFSETS)))


def place_rows(
    lines: list[str],
    shapes: list[LineShape],
    vocabulary: Mapping[str, float],
) -> np.ndarray:
    """Each line's own stage-1 columns (its shape, then PLACE_FEATURES and WORD_FEATURES), a 1
    and whether it is as long as a page description (predict's _ONE and _DESCRIPTION), one row
    a line (``place_many`` of one dump)."""
    return place_many([(lines, shapes)], vocabulary)


def place_many(
    dumps: Sequence[tuple[list[str], list[LineShape]]],
    vocabulary: Mapping[str, float],
) -> np.ndarray:
    """place_rows of several dumps' lines (each with its line_shape results), one after the
    other.

    What needs a dump's lines in order (runs, distances, repeats, shared words) is plain Python
    per dump, gathered into one list a column over the dumps; the columns that are arithmetic
    on those, on a line's index and on its dump's size are numpy over all the dumps' lines, the
    logs looked up in the same table (every count is at most the number of lines). Python's
    int / int and numpy's give the same float, so every value is the one a loop over the lines
    gives; the loop cost ~3 us a line, and numpy's cost is per call.
    """
    sizes, shape_part, prose_words, firsts, lasts, totals, shares = [], [], [], [], [], [], []
    to_next: list[int] = []
    from_previous: list[int] = []
    short_runs: list[int] = []
    repeats: list[int] = []
    overall: list[float] = []
    previous: list[float] = []
    following: list[float] = []
    evidence: list[float] = []
    chars: list[int] = []
    for lines, shapes in dumps:
        n = len(lines)
        rows = [shape for shape, _ in shapes]
        words = [line.count(" ") + 1 for line in lines]
        prose = [
            w >= PROSE_WORDS and row[_ENDS_SENTENCE] for w, row in zip(words, rows, strict=True)
        ]
        dump_prose_words = [w if p else 0 for w, p in zip(words, prose, strict=True)]
        prose_at = [i for i, p in enumerate(prose) if p]
        firsts.append(prose_at[0] if prose_at else n)
        lasts.append(prose_at[-1] if prose_at else -1)
        totals.append(sum(dump_prose_words) or 1)
        shares.append(len(prose_at) / n)
        down, up = _distances(prose)
        to_next += down
        from_previous += up
        short_runs += _run_lengths([w <= SHORT_WORDS for w in words])
        folded = [fold_case(line) for line in lines]
        counts = Counter(folded)
        repeats += [counts[line] - 1 for line in folded]
        line_words = [content for _, content in shapes]
        dump_overall, dump_previous, dump_following = topic_overlaps(line_words, prose)
        overall += dump_overall
        previous += dump_previous
        following += dump_following
        evidence += [word_evidence(content, vocabulary) for content in line_words]
        chars += map(len, lines)
        shape_part += rows
        prose_words += dump_prose_words
        sizes.append(n)
    place = _Places(np.array(sizes))
    dump_of, i = place.dump_of, place.line_at
    n_of = place.sizes[dump_of]
    log = _log1p_array(int(place.sizes.max()))
    counted = np.array(prose_words)
    before = counted.cumsum() - counted  # prose words before each line, over all the dumps
    above = before - before[place.starts][dump_of]  # ... before it in its dump
    total = np.array(totals)[dump_of]
    columns = (
        i / np.maximum(n_of - 1, 1),
        log.take(i),
        log.take(n_of - 1 - i),
        i == 0,
        i == n_of - 1,
        log.take(n_of),
        above / total,
        (total - above - counted) / total,
        i < np.array(firsts)[dump_of],
        i > np.array(lasts)[dump_of],
        log.take(to_next),
        log.take(from_previous),
        log.take(short_runs),
        log.take(repeats),
        np.array(shares)[dump_of],
        overall,
        previous,
        following,
        evidence,
        1.0,
        _DESCRIPTION_ARRAY.take(np.minimum(chars, TABLED_CHARS)),
    )
    table = np.empty((len(i), _DESCRIPTION + 1))
    table[:, : len(SHAPE_FEATURES)] = shape_part
    for at, column in enumerate(columns, len(SHAPE_FEATURES)):
        table[:, at] = column
    return table


_LOG1P_ARRAY = np.array(log1p_table(TABLED_CHARS - 1))


def _log1p_array(n: int) -> np.ndarray:
    # log1p_table(n) as an array: the same floats as the table lookups.
    return _LOG1P_ARRAY if n < TABLED_CHARS else np.array(log1p_table(n))


def stage2_matrix(stage1: np.ndarray, first: np.ndarray) -> np.ndarray:
    """STAGE2_FEATURES: stage 1's columns plus its verdicts on the lines around each line."""
    return np.hstack((stage1, stage2_context(first)))


def stage2_context(first: np.ndarray) -> np.ndarray:
    """The stage-2 columns past stage 1's: its verdicts on each line and the lines around."""
    n = len(first)
    padded = np.zeros((n + 6, len(LABELS)))
    padded[3:-3] = first
    verdicts = [padded[3 + offset : 3 + offset + n] for offset in (-2, -1, 0, 1, 2)]
    sums = np.vstack((np.zeros(len(LABELS)), np.cumsum(padded, axis=0)))
    above = (sums[3 : n + 3] - sums[:n]) / 3  # lines i-3 .. i-1
    below = (sums[7 : n + 7] - sums[4 : n + 4]) / 3  # lines i+1 .. i+3
    window = (sums[6 : n + 6, CHROME] - sums[1 : n + 1, CHROME]) / 5  # lines i-2 .. i+2
    context = np.column_stack(
        (window, above[:, CONTENT], below[:, CONTENT], above[:, CHROME], below[:, CHROME])
    )
    return np.hstack((*verdicts, context, headline_context(first[:, HEADLINE])))


def headline_context(headline: np.ndarray) -> np.ndarray:
    """_HEADLINE_CONTEXT per line of one dump, from stage 1's headline probabilities: the best
    one above and below it, whether it sits above or below the best line, and how far from it
    (``_Places.headline_context`` of one dump)."""
    return _Places(np.array([len(headline)])).headline_context(headline)


class Reading(NamedTuple):
    """The model's reading of a dump's lines: label probabilities (lines x LABELS, after
    context smoothing), the ranker's headline scores (one a line; the highest is its pick) and
    the dek reader's verdicts."""

    probabilities: np.ndarray
    headline_scores: np.ndarray
    dek: np.ndarray  # per line: the probability that it is the summary, were it under the headline


def predict(lines: list[str], catalog: list[bool], model: LineModel) -> Reading:
    """The Reading of stripped, non-empty lines (``predict_many`` of one dump)."""
    return predict_many([(lines, catalog)], model)[0]


# predict_many reads dumps together up to this many lines: numpy's cost per call, not its
# arithmetic, is what a seed dump's dozen lines pay; past a few hundred lines the arrays leave
# the CPU's caches and a batch was slower than one dump at a time (wcxb dev page dumps, 241
# lines: 3.4 -> 3.8 ms a dump in batches of 100 dumps).
BATCH_LINES = 256


def predict_many(dumps: Sequence[tuple[list[str], list[bool]]], model: LineModel) -> list[Reading]:
    """The Reading of each dump's stripped, non-empty lines (with the catalog's verdicts), read
    together a few hundred lines at a time (BATCH_LINES); a dump longer than that alone."""
    readings: list[Reading] = []
    batch: list[tuple[list[str], list[bool]]] = []
    size = 0
    for dump in dumps:
        if batch and size + len(dump[0]) > BATCH_LINES:
            readings += _predict_batch(batch, model)
            batch, size = [], 0
        batch.append(dump)
        size += len(dump[0])
    return readings + _predict_batch(batch, model) if batch else readings


def _predict_batch(
    dumps: Sequence[tuple[list[str], list[bool]]], model: LineModel
) -> list[Reading]:
    """What training fitted (stage1_matrix, stage2_matrix, dek_columns times the weights) for
    several dumps, in few numpy calls: a dump has a few dozen lines, where numpy's cost per
    call, not its arithmetic, is what counts.

    Each line's own row times own_weights gives its part of every score, its _NEAR columns
    times neighbour_weights its part of each neighbour's; a row of zeros after each dump's rows
    stands for a missing neighbour. Rows are gathered with ``take`` (~0.3 us a call on a seed
    dump), not fancy indexing (~2 us). The products are taken dump by dump: BLAS gives a row
    another last bit when the matrix has other rows (1.9 million of 2.5 million elements, 100
    random blocks against their stack), and a dump's reading must not depend on the dumps read
    with it. Everything else is elementwise or row by row, so each dump's Reading is the one it
    gets alone, bit for bit.
    """
    k, reach = len(LABELS), len(_OFFSETS)
    # A site's menus, footers and bylines recur on its pages, which a batch holds together: a
    # line seen before in the batch takes its shape from there (30% of the lines of 100
    # generated seed-like dumps; line_shape costs ~8 us a line, the lookup ~0.1).
    known: dict[tuple[str, bool], LineShape] = {}
    shaped = [(lines, shape_rows(lines, catalog, known)) for lines, catalog in dumps]
    place = _Places(np.array([len(lines) for lines, _ in dumps]))
    total = len(place.dump_of)
    own = np.zeros((total + len(dumps), _DESCRIPTION + 1))  # a row of zeros after each dump
    own[np.arange(total) + place.dump_of] = place_many(shaped, model.vocabulary)
    near_columns = own.take(_NEAR_AT, axis=1)
    near = np.empty((len(own), model.neighbour_weights.shape[1]))
    scores = np.empty((total, _SCORES))
    neighbours, windows = [], []
    block = start = 0  # the dump's first row in own, and in the lines without the zero rows
    for n in place.sizes.tolist():
        np.matmul(
            near_columns[block : block + n + 1],
            model.neighbour_weights,
            out=near[block : block + n + 1],
        )
        np.matmul(own[block : block + n], model.own_weights, out=scores[start : start + n])
        dump_neighbours, dump_window = _gathers(n)
        neighbours.append(dump_neighbours)
        windows.append(dump_window)
        block += n + 1
        start += n
    # A dump's neighbour rows are numbered from its first row in own (its block).
    at = np.concatenate(neighbours) + (reach * (place.starts + place.dumps))[place.dump_of, None]
    scores += near.reshape(len(own) * reach, -1).take(at, axis=0).sum(axis=1)
    first = np.concatenate((softmax(scores[:, :k]), _NO_PROBABILITIES))
    # Stage 2's context without its matrix (see context_weights): each line's stage-1
    # probabilities and those of the _REACH lines either side (row ``total``, zeros, past
    # either end of its dump), then the headline columns.
    local = np.concatenate(windows)
    window = np.where(
        local == place.sizes[place.dump_of, None], total, local + place.starts[place.dump_of, None]
    )
    context = np.concatenate(
        (
            first.take(window, axis=0).reshape(total, -1),
            place.headline_context(first[:total, HEADLINE]),
        ),
        axis=1,
    )
    smoothing = np.empty((total, k))
    for begin, end in place.spans:
        np.matmul(context[begin:end], model.context_weights, out=smoothing[begin:end])
    second = softmax(scores[:, k : 2 * k] + smoothing)
    log_p = log_probabilities(second)
    late = np.empty((total, model.late_weights.shape[1]))
    for begin, end in place.spans:
        np.matmul(log_p[begin:end], model.late_weights, out=late[begin:end])
    late += scores[:, 2 * k :]
    dek = 1.0 / (1.0 + np.exp(late[:, 1]))
    return [Reading(second[b:e], late[b:e, 0], dek[b:e]) for b, e in place.spans]


class _Places:
    """Where each line of a batch of dumps sits: its dump, its index there, the dumps' spans."""

    def __init__(self, sizes: np.ndarray) -> None:
        self.sizes = sizes
        ends = sizes.cumsum()
        self.starts = ends - sizes  # each dump's first line among the batch's lines
        self.dumps = np.arange(len(sizes))
        self.dump_of = self.dumps.repeat(sizes)
        self.line_at = np.arange(int(ends[-1])) - self.starts[self.dump_of]
        self.spans = list(zip(self.starts.tolist(), ends.tolist(), strict=True))

    def headline_context(self, headline: np.ndarray) -> np.ndarray:
        """headline_context of each dump's lines, all dumps at once: the probabilities laid out
        one dump a row, between a 0 before and 0s after, so that the running maxima and the best
        line are taken along the rows. Probabilities are >= 0, so the padding's 0s change no
        maximum of a dump's lines (and stand for "no line" past its ends), and a dump's first
        best line is its row's first maximum: every value is the dump's alone."""
        width = int(self.sizes.max()) + 2
        grid = np.zeros((len(self.sizes), width))
        at = self.dump_of * width + self.line_at + 1
        grid.put(at, headline)
        above = np.maximum.accumulate(grid, axis=1)  # at i: the best of the lines before i
        below = np.maximum.accumulate(grid[:, ::-1], axis=1)[:, ::-1]
        distance = self.line_at - grid[:, 1:].argmax(axis=1)[self.dump_of]
        columns = np.empty((len(headline), len(_HEADLINE_CONTEXT)))
        columns[:, 0] = above.take(at - 1)
        columns[:, 1] = below.take(at + 1)
        columns[:, 2] = distance < 0
        columns[:, 3] = distance > 0
        columns[:, 4] = np.log1p(np.abs(distance))
        return columns


_NO_PROBABILITIES = np.zeros((1, len(LABELS)))
_NEAR_AT = np.array(_NEAR)


@functools.lru_cache(maxsize=256)
def _gathers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """For a dump of n lines, the rows predict reads for each line: its _OFFSETS neighbours'
    blocks of neighbour_weights' product (row line * len(_OFFSETS) + offset's index), and its
    stage-2 window (offsets -_REACH .. _REACH); line n (the row of zeros) where there is no
    such line. Cached: the same few sizes recur."""
    lines = np.arange(n)[:, None]
    neighbours = lines + np.array(_OFFSETS)
    window = lines + np.arange(-_REACH, _REACH + 1)
    for at in (neighbours, window):
        at[(at < 0) | (at >= n)] = n
    return neighbours * len(_OFFSETS) + np.arange(len(_OFFSETS)), window


def dek_columns(stage1: np.ndarray, second: np.ndarray) -> np.ndarray:
    """DEK_FEATURES of every line, from its stage-1 columns and stage 2's probabilities."""
    own = stage1[:, _DEK_AT]
    description = description_length(np.rint(np.expm1(stage1[:, _STAGE1_AT["log_chars"]])))
    longer = stage1[:, _STAGE1_AT["log_words@+1"]] - stage1[:, _STAGE1_AT["log_words"]]
    return np.column_stack((own, description, longer, log_probabilities(second)))


def log_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """The ranker's and the dek reader's log-probability columns: floored, as a probability
    that underflowed to 0 would give -inf."""
    return np.log(probabilities + 1e-12)


def description_length(chars: np.ndarray) -> np.ndarray:
    """Whether each count of characters is a page description's (DESCRIPTION_CHARS)."""
    return (DESCRIPTION_CHARS[0] <= chars) & (chars <= DESCRIPTION_CHARS[1])


# description_length by a line's characters (dek_columns rounds log_chars' count back: 90
# comes back as 89.99999999999999); a line of TABLED_CHARS or more is far past
# DESCRIPTION_CHARS.
_DESCRIPTION_LENGTH = description_length(np.arange(TABLED_CHARS)).tolist()
_DESCRIPTION_ARRAY = np.array([*_DESCRIPTION_LENGTH, False])  # by min(characters, TABLED_CHARS)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of raw label scores."""
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def _distances(flags: list[bool]) -> tuple[list[int], list[int]]:
    """For each line, how many lines down the next flagged line is and how many lines up the
    previous one is (the number of lines when there is none)."""
    n = len(flags)
    down, up = [n] * n, [n] * n
    at = None
    for i in range(n - 1, -1, -1):
        if at is not None:
            down[i] = at - i
        if flags[i]:
            at = i
    at = None
    for i in range(n):
        if at is not None:
            up[i] = i - at
        if flags[i]:
            at = i
    return down, up


def _run_lengths(flags: list[bool]) -> list[int]:
    """For each True, the length of the run of Trues it belongs to; 0 for False."""
    lengths = [0] * len(flags)
    start = 0
    for i in range(len(flags) + 1):
        if i == len(flags) or not flags[i]:
            for j in range(start, i):
                lengths[j] = i - start
            start = i + 1
    return lengths


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Probabilities from which the model's reading of a line is acted on (and the longest
    dump in which stage 2's sure headline wins)."""

    chrome: float
    headline: float
    headline_sure: float  # stage 2's likeliest headline from here wins over the ranker's pick
    headline_sure_lines: int  # ... in a dump of at most this many lines (longer: the ranker's)
    summary_above: float  # a line above the headline: it cannot be the lead
    summary_below: float  # a line below it, which may be the lead (the dek reader's verdict)
    summary_possible: float  # below it, left to segment's dek rule from here (the same)
    credit: float


def read_roles(
    reading: Reading, thresholds: Thresholds, catalog: Sequence[bool] | None = None
) -> list[int]:
    """One label index per line: the document's single headline, a summary beside it, credits,
    chrome, and content for the rest.

    The headline is stage 2's likeliest line when it is sure of it in a dump of no more than
    ``headline_sure_lines`` lines, else the ranker's pick (the catalog's lines are neither),
    when some line is likely enough to be one; the summary is the nearest non-credit line
    above it, else below it, when likely enough (even if the model leaned to chrome: the
    catalog's lines never qualify); lines above the headline that are neither are chrome, as
    in every layout a scraper writes. ``catalog`` marks the lines the rule catalog matched
    (see ``_close_tail``).
    """
    probabilities = reading.probabilities
    n = len(probabilities)
    catalog = catalog or [False] * n
    # Python floats: comparing numpy scalars one by one costs more than the lists.
    chrome, credit = probabilities[:, CHROME].tolist(), probabilities[:, CREDIT].tolist()
    roles = [
        CHROME if c >= thresholds.chrome else CREDIT if r >= thresholds.credit else CONTENT
        for c, r in zip(chrome, credit, strict=True)
    ]
    if not n or all(catalog):
        return roles
    headline = np.where(catalog, -1.0, probabilities[:, HEADLINE])
    best = int(headline.argmax())
    if headline[best] < thresholds.headline:
        return roles
    if headline[best] < thresholds.headline_sure or n > thresholds.headline_sure_lines:
        best = int(np.where(catalog, -np.inf, reading.headline_scores).argmax())
    roles[best] = HEADLINE
    # Above first: a line above the headline cannot be the lead, the one below can.
    above, below = _nearest(roles, best, -1), _nearest(roles, best, 1)
    if above is not None and probabilities[above, SUMMARY] >= thresholds.summary_above:
        roles[above] = SUMMARY
    elif below is not None and reading.dek[below] >= thresholds.summary_below:
        roles[below] = SUMMARY
    elif (
        below is not None
        and roles[below] == CONTENT
        and reading.dek[below] >= thresholds.summary_possible
    ):
        roles[below] = POSSIBLE_SUMMARY
    for i in range(best):
        if roles[i] == CONTENT:
            roles[i] = CHROME
    return _close_tail(probabilities, roles, catalog)


def _close_tail(probabilities: np.ndarray, roles: list[int], catalog: Sequence[bool]) -> list[int]:
    """Past the last line the model is sure is content, a run of lines mostly read as chrome
    goes whole: related lists, author bios, newsletter boxes and footers mix chrome-like and
    prose-like lines, and a lone kept teaser there is still chrome.

    The run is the lines the model read (the catalog's go anyway): counted with them, a
    short article's last paragraphs between two catalog lines went too (22 paragraphs of the
    old generated corpus), at no gain on wcxb-dev (cross-validated: docs/textdump-quality.md).
    """
    sure = (probabilities[:, CONTENT] >= SURE_CONTENT).nonzero()[0]
    start = sure[-1] + 1 if len(sure) else len(roles)
    tail = [i for i in range(start, len(roles)) if not catalog[i]]
    if len(tail) < MIN_TAIL or sum(roles[i] == CHROME for i in tail) < TAIL_SHARE * len(tail):
        return roles
    for i in tail:
        if roles[i] == CONTENT and probabilities[i, CHROME] >= TAIL_LEANING:
            roles[i] = CHROME
    return roles


def _nearest(roles: list[int], start: int, step: int) -> int | None:
    """The first line from ``start`` in direction ``step`` past credits (None at an end)."""
    i = start + step
    while 0 <= i < len(roles) and roles[i] == CREDIT:
        i += step
    return i if 0 <= i < len(roles) else None

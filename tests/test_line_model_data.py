"""The line model's training (issue 19): deterministic, and what it learns from some sites
carries to sites it never saw.

Reads ../shared/bench beside the repository. Training and its floors use the dev part; the
held-out test only reports on the shipped model (nothing is chosen from it). Re-training the
shipped model byte for byte is ``make check-line-model`` (docs/textdump-quality.md), not a test:
it takes minutes, and its last decimals follow the CPU's float kernels.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pytest

from scrapeclean.transforms.text.linemodel import MODEL_PATH, load_model, predict
from scripts import train_line_model
from scripts.make_wcxb_dumps import Dump, article_dump, page_dump
from scripts.wcxb_data import BENCH, Page, iter_pages

pytestmark = pytest.mark.skipif(
    not (BENCH / "wcxb-dev").is_dir(), reason=f"the shared benchmark pages are not at {BENCH}"
)
TRAIN_PAGES = 30  # dev pages of folds 1-4: enough to tell chrome from content, in seconds
ITERATIONS = 150  # L-BFGS steps a stage: most of the way to the converged fit, in seconds
TEST_PAGES = 15  # dev pages of fold 0, whose domains no training page shares
# A model trained on those 30 pages, reading fold 0's first 15 (argmax of its probabilities,
# 2026-12-06): content recall 0.86 / 0.86, chrome recall 0.67 / 0.90 (article / page dumps).
# One that learnt nothing but "content" would score 1.0 / 0.0.
FLOOR = {"content": 0.8, "chrome": 0.6}


def dumps_of(folds: set[int], pages: int) -> list[train_line_model.Dump]:
    chosen = itertools.islice((p for p in iter_pages("dev") if p.fold in folds), pages)
    return [
        make(page)
        for page in chosen
        if page.main_content.strip()
        for make in (article_dump, page_dump)
    ]


@pytest.fixture(scope="module")
def trained() -> train_line_model.LineModel:
    return train_line_model.train(
        train_line_model.examples_of(dumps_of({1, 2, 3, 4}, TRAIN_PAGES)), ITERATIONS
    )


def test_training_is_deterministic(trained: train_line_model.LineModel, tmp_path: Path) -> None:
    again = train_line_model.train(
        train_line_model.examples_of(dumps_of({1, 2, 3, 4}, TRAIN_PAGES)), ITERATIONS
    )
    text = train_line_model.model_json(trained)
    assert text == train_line_model.model_json(again)
    # the written file is a model this version reads, with the shipped model's features
    (tmp_path / "model.json").write_text(text)
    assert load_model(str(tmp_path / "model.json")).stage1_weights.shape == (
        load_model(str(MODEL_PATH)).stage1_weights.shape
    )


def read_right(
    model: train_line_model.LineModel, dumps: Iterable[Dump], labels: Iterable[str]
) -> dict[str, list[bool]]:
    """For each line labelled one of ``labels``: whether the model's likeliest label is it."""
    config = train_line_model.examples_config()
    right: dict[str, list[bool]] = {label: [] for label in labels}
    for dump in dumps:
        labelled = train_line_model.labelled_lines(dump)
        lines = [text for text, _ in labelled]
        reading = predict(lines, train_line_model.catalog_verdicts(lines, config), model)
        for (_, label), row in zip(labelled, reading.probabilities.argmax(axis=1), strict=True):
            if label in right:
                right[label].append(train_line_model.LABELS[row] == label)
    return right


@pytest.mark.parametrize("layout", ["article", "page"])
def test_what_it_learns_carries_to_unseen_sites(
    trained: train_line_model.LineModel, layout: str
) -> None:
    dumps = [dump for dump in dumps_of({0}, TEST_PAGES) if dump.layout == layout]
    right = read_right(trained, dumps, FLOOR)
    for label, floor in FLOOR.items():
        assert len(right[label]) > 50
        assert np.mean(right[label]) >= floor, label


HELDOUT_PAGES = 12  # the first held-out pages (~1,500 lines in both layouts): a report only
# The shipped model on lines of sites no choice was made on (issue 19 asks for this test):
# floors set from the dev part (on fold 0's first 15 pages the shipped model reads content
# at 0.99 / 0.97 and chrome at 0.63 / 0.87, article / page), never from these pages.
HELDOUT_FLOOR = {"content": 0.9, "chrome": 0.6}


@pytest.mark.parametrize("make", [article_dump, page_dump], ids=["article", "page"])
def test_the_shipped_model_on_held_out_lines(make: Callable[[Page], Dump]) -> None:
    pages = (page for page in iter_pages("heldout") if page.main_content.strip())
    dumps = map(make, itertools.islice(pages, HELDOUT_PAGES))
    right = read_right(load_model(str(MODEL_PATH)), dumps, HELDOUT_FLOOR)
    for label, floor in HELDOUT_FLOOR.items():
        assert len(right[label]) > 20
        assert np.mean(right[label]) >= floor, label


def test_cross_validation_reads_kept_fold_models_with_settings(
    trained: train_line_model.LineModel, tmp_path: Path
) -> None:
    # Fold models already in the folder are read, not trained again (a read-time choice then
    # costs a scoring run); --set overrides reach the scoring.
    text = train_line_model.model_json(trained)
    for fold in range(5):
        name = "".join(str(f) for f in range(5) if f != fold)
        (tmp_path / f"linemodel-{name}.json").write_text(text)
    dumps = [d for d in dumps_of({0, 1, 2, 3, 4}, 10) if d.layout == "article"]
    assert len({d.fold for d in dumps}) > 1
    plain = train_line_model.cross_validate(dumps, tmp_path)["pooled"]["article"]
    assert plain["n"] == len(dumps)
    assert plain["headline_exact"] > 0.5
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"linemodel-{''.join(str(f) for f in range(5) if f != fold)}.json" for fold in range(5)
    )
    assert all(p.read_text() == text for p in tmp_path.iterdir())
    # no line is ever sure enough to be a headline: every headline is missed
    strict = ["boilerplate.headline_threshold=1.0"]
    assert (
        train_line_model.cross_validate(dumps, tmp_path, strict)["pooled"]["article"][
            "headline_exact"
        ]
        == 0.0
    )

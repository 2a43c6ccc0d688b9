"""The line model's vocabulary (issue 19): learned from words many sites share, never from one
site's template, and fitted for each fold's training rows without that fold's sites."""

from __future__ import annotations

import numpy as np

from scrapeclean.transforms.text.linemodel import (
    MODEL_PATH,
    STAGE1_FEATURES,
    load_model,
    shape_rows,
    stage1_matrix,
)
from scripts.train_line_model import (
    EVIDENCE_AT,
    VOCABULARY_LEANING,
    Example,
    catalog_verdicts,
    cross_fitted,
    examples_config,
    fit_vocabulary,
    lines_example,
    with_vocabulary,
)

CONFIG = examples_config()
SITES = 50  # a word of 2 or 3 of them enters (VOCABULARY_SHARE)
PROSE = "The council approved the budget for the new harbour bridge after a long debate."


def site(domain: str, fold: int, chrome: list[str]) -> Example:
    """A dump of one site: its chrome lines, then a paragraph of prose."""
    labelled = [(line, "chrome") for line in chrome] + [(PROSE, "content")]
    return lines_example(labelled, fold, "article", domain, CONFIG)


def test_a_word_enters_when_many_sites_use_it_not_when_one_site_repeats_it() -> None:
    sites = [site(f"site{i}.example", i % 5, ["Newsletter"]) for i in range(SITES)]
    one = site("template.example", 0, ["Gazette"] * 200)
    vocabulary = fit_vocabulary([*sites, one])
    assert vocabulary["newsletter"] > 0  # chrome on every site that uses it
    assert "harbour" not in vocabulary  # prose on every site that uses it: no chrome evidence
    assert "gazette" not in vocabulary  # 200 lines, but one site


def test_each_folds_rows_read_a_vocabulary_fitted_without_its_sites() -> None:
    # "Podcasts" is chrome on the sites of fold 0 only, "Newsletter" on every fold's sites.
    sites = [
        site(f"site{i}.example", i % 5, ["Newsletter", "Podcasts" if i % 5 == 0 else "Menu"])
        for i in range(SITES)
    ]
    evidence = {e.fold: e.features[:2, EVIDENCE_AT].tolist() for e in cross_fitted(sites)}
    newsletter, podcasts = evidence[0]
    assert newsletter > 0 and evidence[1][0] > 0
    assert podcasts == 0.0  # its sites were left out of fold 0's vocabulary
    assert fit_vocabulary(sites)["podcasts"] > 0  # the shipped vocabulary has it


def test_training_reads_the_columns_predict_computes() -> None:
    # with_vocabulary rewrites a training row's word_evidence and its neighbours' copies;
    # they must be what stage1_matrix (predict's columns) gives for the same vocabulary
    labelled = [
        ("Newsletter", "chrome"),
        ("Podcasts and more", "chrome"),
        (PROSE, "content"),
        ("Subscribe to our newsletter", "chrome"),
    ]
    vocabulary = {"newsletter": 2.5, "podcasts": 1.5, "subscribe": 3.0}
    lines = [text for text, _ in labelled]
    expected = stage1_matrix(lines, shape_rows(lines, catalog_verdicts(lines, CONFIG)), vocabulary)
    got = with_vocabulary(lines_example(labelled, 0, "article", "a.example", CONFIG), vocabulary)
    assert np.array_equal(got.features, expected)
    assert expected[2, STAGE1_FEATURES.index("word_evidence@-1")] == 1.5 / 2  # "and" is prose


def test_the_shipped_vocabulary_holds_only_words_that_lean_to_chrome() -> None:
    vocabulary = load_model(str(MODEL_PATH)).vocabulary
    assert len(vocabulary) > 200
    assert min(vocabulary.values()) >= VOCABULARY_LEANING

"""linefeatures and the line model's feature matrices: what a line's columns say about it."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from scrapeclean.pipeline.job.config import RunConfig
from scrapeclean.transforms.records import Document, Reject
from scrapeclean.transforms.text import linemodel
from scrapeclean.transforms.text.boilerplate import compile_catalog, strip_boilerplate, strip_many
from scrapeclean.transforms.text.decode import decode_document
from scrapeclean.transforms.text.linefeatures import SHAPE_FEATURES, line_shape, topic_overlaps
from scrapeclean.transforms.text.linemodel import (
    LABELS,
    MODEL_PATH,
    STAGE1_FEATURES,
    STAGE2_FEATURES,
    LineModel,
    dek_columns,
    load_model,
    log_probabilities,
    predict,
    predict_many,
    shape_rows,
    softmax,
    stage1_matrix,
    stage2_matrix,
)
from scrapeclean.transforms.text.stages import DOCUMENT_STAGES
from tests.conftest import SEEDS
from tests.transforms.test_linemodel import (
    HEADLINE_TEXT,
    PARAGRAPHS,
    RELATED,
    SUMMARY_TEXT,
    TOP_CHROME,
)


def shape(line: str, catalog: bool = False) -> dict[str, float]:
    row, _ = line_shape(line, catalog)
    assert len(row) == len(SHAPE_FEATURES)
    return dict(zip(SHAPE_FEATURES, map(float, row), strict=True))


def test_a_prose_sentence_reads_as_prose() -> None:
    got = shape(
        "The city council voted 31 to 14 on Tuesday to build a taller flood barrier, "
        "ending a two-year dispute over who pays for it."
    )
    assert got["words_13_25"] == 1 and got["ends_sentence"] == 1
    assert got["stopword_share"] > 0.2 and got["chrome_word_share"] == 0
    assert got["comma_per_word"] > 0 and got["log_words"] == pytest.approx(math.log1p(24))


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("Share on Facebook", "chrome_word_share"),
        ("Subscribe to our newsletter", "chrome_first_word"),
        ("Home | News | Sport | Weather", "has_separator"),
        ("• Most read", "starts_bullet"),
        ("Email us at news@example.com", "link_like"),
        ("Updated 12/03/2024 at 9:30", "date_like"),
        ("By Jane Doe and John Roe", "byline_opener"),
        ("Photo: Reuters", "credit_word_share"),
        ("LONDON — Prices rose.", "dateline"),
        ("Read more:", "ends_colon"),
        ("Can the market survive?", "ends_question"),
        ("Continue reading…", "ends_ellipsis"),
    ],
)
def test_chrome_credit_and_news_cues(line: str, column: str) -> None:
    assert shape(line)[column] > 0


@pytest.mark.parametrize(
    ("line", "date_like"),
    [
        ("Built in 1978, rebuilt in 2024", True),
        ("Doors open at 9:30 tonight", True),
        ("Filed 31.12.2024 by the court", True),
        ("Invoice 219876 is paid", False),  # a year inside a longer number is none
        ("Ref 31/12/20245 and 12:305", False),
        ("A1999 model", True),  # only a digit before it makes it part of a number
    ],
)
def test_dates_and_times_not_inside_longer_numbers(line: str, date_like: bool) -> None:
    assert shape(line)["date_like"] == date_like


def test_capitals_and_digits_are_shares_of_the_line_start() -> None:
    got = shape("WORLD CUP 2026")
    assert got["upper_share"] == pytest.approx(8 / 14)
    assert got["digit_share"] == pytest.approx(4 / 14)
    assert got["capitalised_share"] == 0  # title case words only: capitals are upper_share
    assert got["words_2_3"] == 1 and got["ends_letter"] == 1
    assert shape("World Cup 2026")["capitalised_share"] == pytest.approx(2 / 3)


def test_non_ascii_lines_count_the_same_way() -> None:
    _, ascii_words = line_shape("Der Streik legt den Verkehr lahm", False)
    row, words = line_shape("Der Streik legt den Verkehr in Süddeutschland lahm", False)
    assert ascii_words == {"streik", "legt", "verkehr", "lahm"}  # function words dropped
    assert words == ascii_words | {"süddeutschland"}
    assert row[SHAPE_FEATURES.index("stopword_share")] == pytest.approx(3 / 8)


def test_the_catalog_verdict_is_a_column() -> None:
    assert shape("Help us improve.", catalog=True)["catalog"] == 1
    assert shape("Help us improve.", catalog=False)["catalog"] == 0


def test_topic_overlap_tells_a_heading_from_a_stray_menu_item() -> None:
    lines = [
        "Flood barriers",
        "The flood barriers along the river will be raised by a metre next year.",
        "Weather",
        "Engineers say the barriers were built in 1978 and are too low for today.",
    ]
    words = [line_shape(line, False)[1] for line in lines]
    overall, previous, following = topic_overlaps(words, [False, True, False, True])
    assert overall[0] == 1.0 and overall[2] == 0.0  # "flood barriers" recur in the prose
    assert following[0] == 1.0 and previous[1] > 0 and following[2] == 0.0


def test_stage_matrices_have_one_row_per_line_and_see_neighbours() -> None:
    lines = ["Menu", "A Headline About Floods", "A first paragraph that runs on. " * 3, "Share"]
    vocabulary = {"share": 3.0, "floods": -2.0}
    stage1 = stage1_matrix(lines, shape_rows(lines, [False, False, False, True]), vocabulary)
    assert stage1.shape == (4, len(STAGE1_FEATURES))
    column = {name: i for i, name in enumerate(STAGE1_FEATURES)}
    # the mean weight of a line's content words ("a" is a function word; a word the vocabulary
    # lacks weighs 0)
    assert stage1[:, column["word_evidence"]].tolist()[1::2] == [-2.0 / 3, 3.0]
    assert stage1[:, column["is_first"]].tolist() == [1, 0, 0, 0]
    assert stage1[:, column["above_first_prose"]].tolist() == [1, 1, 0, 0]
    assert stage1[:, column["below_last_prose"]].tolist() == [0, 0, 0, 1]
    assert stage1[:, column["catalog@+1"]].tolist() == [0, 0, 1, 0]
    assert stage1[:, column["exists@-2"]].tolist() == [0, 0, 1, 1]
    verdicts = np.tile([0.1, 0.6, 0.1, 0.1, 0.1], (4, 1))
    verdicts[1] = [0.0, 0.0, 1.0, 0.0, 0.0]
    stage2 = stage2_matrix(stage1, verdicts)
    assert stage2.shape == (4, len(STAGE2_FEATURES))
    second = {name: i for i, name in enumerate(STAGE2_FEATURES)}
    assert stage2[:, second["above_best_headline"]].tolist() == [1, 0, 0, 0]
    assert stage2[2, second["p_headline@-1"]] == 1.0


def chain_lines(path: Path, config: RunConfig) -> list[str]:
    """The stripped, non-empty lines the boilerplate stage reads in a seed (after repair)."""
    record = decode_document(path.read_bytes(), str(path), "text", config.read)
    for stage in DOCUMENT_STAGES:
        if isinstance(record, Reject) or stage.name == "boilerplate":
            break
        if stage.applies is None or stage.applies(record):
            record = stage.fn(record, getattr(config, stage.section))
    return [] if isinstance(record, Reject) else [s for s in record.text.split("\n") if s.strip()]


def dek_logits(stage1: np.ndarray, second: np.ndarray, model: LineModel) -> np.ndarray:
    """The dek reader's log-odds as training fitted them: its columns times its weights."""
    return dek_columns(stage1, second) @ model.dek_weights[:-1] + model.dek_weights[-1]


def test_predict_is_the_trained_model_on_the_training_matrices(config: RunConfig) -> None:
    # predict folds stage 2's context into its weights (no context matrix) for speed; it must
    # give what training fitted, stage2_matrix's columns times the weights, on every line, and
    # the ranker's scores from the columns it was fitted on.
    model = load_model(str(MODEL_PATH))
    is_chrome = compile_catalog(config.boilerplate.phrases, config.boilerplate.patterns)
    dumps = [chain_lines(path, config) for path in sorted(SEEDS.iterdir())]
    dumps += [[*TOP_CHROME, HEADLINE_TEXT, SUMMARY_TEXT, *PARAGRAPHS, *RELATED], ["One line"]]
    read = 0
    for lines in filter(None, dumps):
        catalog = [is_chrome(line) for line in lines]
        stage1 = stage1_matrix(lines, shape_rows(lines, catalog), model.vocabulary)
        first = softmax(stage1 @ model.stage1_weights + model.stage1_bias)
        expected = softmax(stage2_matrix(stage1, first) @ model.stage2_weights + model.stage2_bias)
        got = predict(lines, catalog, model)
        assert got.probabilities.shape == expected.shape == (len(lines), len(LABELS))
        assert np.abs(got.probabilities - expected).max() < 1e-9
        ranker = np.hstack((stage1, log_probabilities(expected))) @ model.ranker_weights
        assert np.abs(got.headline_scores - ranker).max() < 1e-9
        dek = softmax(np.column_stack((np.zeros(len(lines)), dek_logits(stage1, expected, model))))
        assert np.abs(got.dek - dek[:, 1]).max() < 1e-9
        read += len(lines)
    assert read > 60  # the seeds' text lines and the dumps above were all read


def test_dumps_read_together_get_each_the_reading_it_gets_alone(
    config: RunConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A run reads a batch's dumps together (numpy per batch, not per dump, and a line seen
    # before in the batch keeps the shape and catalog verdict it got there: here every line is
    # seen twice); a dump's reading must not depend on which dumps it was read with: bit for
    # bit what predict gives it alone.
    model = load_model(str(MODEL_PATH))
    is_chrome = compile_catalog(config.boilerplate.phrases, config.boilerplate.patterns)
    dumps = [chain_lines(path, config) for path in sorted(SEEDS.iterdir())]
    dumps += [[*TOP_CHROME, HEADLINE_TEXT, SUMMARY_TEXT, *PARAGRAPHS, *RELATED], ["One line"]]
    dumps = [(lines, [is_chrome(line) for line in lines]) for lines in filter(None, dumps)]
    alone = [predict(lines, catalog, model) for lines, catalog in dumps]
    for batch_lines in (linemodel.BATCH_LINES, 30):  # one batch, and several
        monkeypatch.setattr(linemodel, "BATCH_LINES", batch_lines)
        together = predict_many(dumps + dumps[::-1], model)
        assert len(together) == 2 * len(dumps)
        for got, expected in zip(together, alone + alone[::-1], strict=True):
            for field, value in zip(got, expected, strict=True):
                assert field.shape == value.shape and field.tobytes() == value.tobytes()
    documents = [
        Document(f"{i}.txt", str(i), "text", b"", "\n".join(lines))
        for i, (lines, _) in enumerate(dumps)
    ]
    one_by_one = [strip_boilerplate(document, config.boilerplate) for document in documents]
    assert strip_many(documents, config.boilerplate) == one_by_one
    assert sum(bool(document.line_roles) for document in one_by_one) >= 5

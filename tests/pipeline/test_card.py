"""The dataset card: `datasets.load_dataset(OUT)` on a real `scrapeclean run` output returns the
splits with every row, and `load_dataset(OUT, "rejects")` the rejects, offline; plain,
partitioned and incremental outputs."""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml

from scrapeclean.pipeline.cli.main import main
from tests.conftest import SEEDS

datasets = pytest.importorskip("datasets", reason="needs the dev requirement datasets")
# Five articles of seeds/ land in all three splits with these shares: their doc_ids (which
# hash the source, so the inputs are named relative to the repository, as in the golden
# files) hash to 0.007, 0.008, 0.887, 0.898 and 0.959.
SPREAD = "split.fractions=[0.4,0.5,0.1]"


@pytest.fixture
def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """datasets.load_dataset, offline, with a throwaway cache."""
    for name in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"):
        monkeypatch.setenv(name, "1")
        monkeypatch.setattr(datasets.config, name, True, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))

    def load_dataset(path: Path, *args: str) -> Any:
        return datasets.load_dataset(str(path), *args, cache_dir=str(tmp_path / "hf-cache"))

    return load_dataset


def run(output: Path, *args: str) -> dict[str, Any]:
    with contextlib.chdir(SEEDS.parent):  # sources seeds/..., wherever the clone is
        assert main(["run", "--input", "seeds/*", "--output", str(output), "--quiet", *args]) == 0
    return json.loads((output / "manifest.json").read_text(encoding="utf-8"))


def header(output: Path) -> dict[str, Any]:
    text = (output / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_load_dataset_gives_the_splits_with_every_row(tmp_path: Path, load: Any) -> None:
    output = tmp_path / "out"
    manifest = run(output, "--set", SPREAD)
    names = sorted(path.name for path in (output / "articles").glob("*.parquet"))
    assert [name.split("-")[1] for name in names] == ["test", "train", "validation"]
    loaded = load(output)
    assert set(loaded) == {"train", "validation", "test"}
    for split, rows in loaded.items():
        assert rows.num_rows == manifest["splits"][split] > 0
        assert set(rows["split"]) == {split}  # rows keep their split column
    every = pq.read_table(output / "articles")  # articles/*.parquet still reads them all
    assert sorted(doc for rows in loaded.values() for doc in rows["doc_id"]) == sorted(
        every.column("doc_id").to_pylist()
    )
    rejects = load(output, "rejects")
    assert list(rejects) == ["train"]
    assert sorted(rejects["train"]["reason"]) == sorted(
        reason for reason, n in manifest["rejects_by_reason"].items() for _ in range(n)
    )
    card = (output / "README.md").read_text(encoding="utf-8")
    for fact in ("| train | 2 |", "| binary | 1 |", "| en | 4 |", "split.fractions", "apache-beam"):
        assert fact in card


def test_a_split_without_rows_is_not_declared(tmp_path: Path, load: Any) -> None:
    output = tmp_path / "out"
    manifest = run(output)  # 98/1/1 over five articles: all in train
    assert manifest["splits"] == {"train": 5}
    declared = header(output)["configs"][0]["data_files"]
    assert declared == [{"split": "train", "path": "articles/**/part-train-*.parquet"}]
    assert list(load(output)) == ["train"]


def test_split_in_partition_by_still_gives_every_split(tmp_path: Path, load: Any) -> None:
    output = tmp_path / "out"
    manifest = run(output, "--set", SPREAD, "--set", "output.partition_by=[split, language]")
    loaded = load(output)
    assert {split: rows.num_rows for split, rows in loaded.items()} == manifest["splits"]
    by_folder = pq.read_table(output / "articles").to_pylist()  # pyarrow: split from the path
    for split, rows in loaded.items():
        in_folder = [row["doc_id"] for row in by_folder if row["split"] == split]
        assert sorted(rows["doc_id"]) == sorted(in_folder)


def test_split_step_off_is_one_train_split(tmp_path: Path, load: Any) -> None:
    output = tmp_path / "out"
    manifest = run(output, "--set", "split.enabled=false")
    assert {name: rows.num_rows for name, rows in load(output).items()} == {
        "train": manifest["counts"]["articles"]
    }


def test_incremental_output_card_covers_every_run(tmp_path: Path, load: Any) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    landing.mkdir()
    seeds = sorted(SEEDS.iterdir())
    args = ("--incremental", "--set", SPREAD)
    for batch in (seeds[:4], seeds[4:]):
        for seed in batch:
            shutil.copy(seed, landing / seed.name)
        assert main(["run", "--input", str(landing / "*"), "--output", str(output), *args]) == 0
    runs = json.loads((output / "runs.json").read_text(encoding="utf-8"))["runs"]
    assert len(runs) == 2
    loaded = load(output)
    assert sum(rows.num_rows for rows in loaded.values()) == sum(r["articles"] for r in runs)
    assert load(output, "rejects")["train"].num_rows == sum(r["rejects"] for r in runs)
    assert "2 incremental runs" in (output / "README.md").read_text(encoding="utf-8")


def test_a_readme_that_is_not_a_card_is_left_alone(tmp_path: Path) -> None:
    output = tmp_path / "out"
    run(output)
    (output / "README.md").write_text("# my notes\n", encoding="utf-8")  # over our card
    run(output, "--overwrite")
    assert (output / "README.md").read_text(encoding="utf-8") == "# my notes\n"
    assert (output / "_SUCCESS").exists()

"""Dedup across runs (issue 21): an incremental run, and a watch batch, reject exact and near
copies of what earlier runs published, keep new articles, and publish a changed input as an
update of its earlier version; the index is committed with the run's partition."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from scrapeclean.pipeline.cli.main import main
from scrapeclean.pipeline.job import incremental as incremental_module
from scrapeclean.pipeline.job import run as run_module
from scrapeclean.pipeline.job.manifest import committed_manifests
from scrapeclean.transforms.beam.published import INDEX
from scripts.make_site_corpus import ARTICLES_PATH
from tests.pipeline.test_incremental import crash

WRITTEN = json.loads(ARTICLES_PATH.read_text(encoding="utf-8"))
TRAINING = str(Path(__file__).resolve().parents[2] / "configs" / "training.yaml")


def dump(folder: Path, name: str, number: int, edit: tuple[str, str] | None = None) -> None:
    """Written article ``number`` as a text dump (headline, then paragraphs), one word edited."""
    article = WRITTEN[number]
    text = "\n\n".join([article["headline"], *article["paragraphs"]]) + "\n"
    if edit:
        assert edit[0] in text
        text = text.replace(*edit, 1)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def table(output: Path, kind: str) -> list[dict]:
    found = ds.dataset(output / kind, format="parquet", partitioning="hive").to_table()
    return found.to_pylist()


def by_name(rows: list[dict]) -> dict[str, dict]:
    return {Path(row["source"]).name: row for row in rows}


def manifests(output: Path) -> list[dict]:
    """The committed runs' manifests in commit order (not their names': a run id says none)."""
    return committed_manifests(str(output))


def partition_rows(output: Path, kind: str, manifest: dict) -> list[dict]:
    """The rows one committed run published under ``kind`` (articles or rejects)."""
    return pq.read_table(output / kind / manifest["partition"]["path"]).to_pylist()


def first_run(landing: Path, output: Path, command: str) -> dict[str, dict]:
    for number in range(3):
        dump(landing, f"a{number}.txt", number)
    argv = [command, "--input", str(landing / "*"), "--output", str(output)]
    argv += ["--config", TRAINING]
    if command == "run":
        argv += ["--incremental", "--quiet"]
    else:
        argv += ["--interval", "0", "--settle", "0", "--max-batches", "1"]
    assert main(argv) == 0
    return by_name(table(output, "articles"))


def second_batch(landing: Path) -> None:
    dump(landing, "exact.txt", 0)  # a0 again, under another name
    dump(landing, "near.txt", 1, (" the ", " a "))  # a1 with one word changed
    dump(landing, "new.txt", 3)
    dump(landing, "a2.txt", 2, (" the ", " a "))  # a2 itself, corrected: an update


def check_second_batch(output: Path, first: dict[str, dict]) -> None:
    first_manifest, manifest = manifests(output)
    articles, rejects = by_name(table(output, "articles")), by_name(table(output, "rejects"))
    assert sorted(articles) == ["a0.txt", "a1.txt", "a2.txt", "new.txt"]
    newest = by_name(partition_rows(output, "articles", manifest))
    assert sorted(newest) == ["a2.txt", "new.txt"]  # a2: its new version
    assert newest["a2.txt"]["doc_id"] != first["a2.txt"]["doc_id"]
    assert len([row for row in table(output, "articles") if row["source"].endswith("a2.txt")]) == 2
    assert manifest["supersedes"] == [first["a2.txt"]["doc_id"]]  # a2's new version replaces it
    assert {name: (row["reason"], row["detail"]) for name, row in rejects.items()} == {
        "exact.txt": ("duplicate", first["a0.txt"]["doc_id"]),
        "near.txt": ("near_duplicate", first["a1.txt"]["doc_id"]),
    }
    # The index holds what was published, in the one segment the second run merged the first
    # run's into (the first run's folder went once the second committed)
    assert manifest["partition"]["index_merged"] == [first_manifest["partition"]["path"]]
    assert [p.name for p in (output / INDEX).iterdir()] == [manifest["partition"]["path"]]
    published = sorted(row["doc_id"] for row in table(output, "articles"))
    for name in ("hashes", "signatures"):
        files = sorted((output / INDEX).rglob(f"{name}-*.parquet"))
        indexed = [i for path in files for i in pq.read_table(path).column("doc_id").to_pylist()]
        assert sorted(indexed) == published


def incremental(landing: Path, output: Path) -> int:
    argv = ["run", "--incremental", "--input", str(landing / "*"), "--output", str(output)]
    return main([*argv, "--quiet", "--config", TRAINING])


@pytest.mark.parametrize("one_second", [False, True])
def test_an_incremental_run_rejects_copies_of_earlier_runs(
    one_second: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also when both runs start in one second (ids "...Z" and "...Z_1")."""
    if one_second:
        monkeypatch.setattr(incremental_module, "default_run_id", lambda: "20261207T111835Z")
    landing, output = tmp_path / "landing", tmp_path / "out"
    first = first_run(landing, output, "run")
    second_batch(landing)
    assert incremental(landing, output) == 0
    check_second_batch(output, first)
    read = manifests(output)[-1]["dedup_index"]
    assert read["bytes_read"] > 0 and read["row_groups_read"] > 0


def test_an_uncommitted_index_partition_goes_with_its_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run killed before its commit leaves its index partition behind: the next run removes
    it with the articles (nothing of it counts as published) and dedups against run 1 only."""
    landing, output = tmp_path / "landing", tmp_path / "out"
    first = first_run(landing, output, "run")
    second_batch(landing)
    monkeypatch.setattr(run_module, "write_manifest", crash)
    assert incremental(landing, output) == 1
    assert len(list((output / INDEX).iterdir())) == 2  # published, not committed
    monkeypatch.undo()
    assert incremental(landing, output) == 0
    check_second_batch(output, first)


def test_a_watch_batch_rejects_copies_of_earlier_batches(tmp_path: Path) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    first = first_run(landing, output, "watch")
    second_batch(landing)
    argv = ["watch", "--input", str(landing / "*"), "--output", str(output)]
    argv += ["--config", TRAINING, "--interval", "0", "--settle", "0", "--max-batches", "1"]
    assert main(argv) == 0
    check_second_batch(output, first)


def test_a_merged_segment_is_removed_after_a_kill_and_still_answers_lookups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after its commit, before deleting the segment it merged: the next run deletes
    it, and finds a copy of run 1's article in the merged segment (run 2's)."""
    landing, output = tmp_path / "landing", tmp_path / "out"
    first = first_run(landing, output, "run")
    second_batch(landing)
    calls = []  # remove_merged runs at the start of a batch and after its commit: kill the 2nd

    def killed_after_commit(folder: str) -> None:
        calls.append(folder)
        if len(calls) == 2:
            crash()

    monkeypatch.setattr(incremental_module, "remove_merged", killed_after_commit)
    assert incremental(landing, output) == 1
    assert len(list((output / INDEX).iterdir())) == 2  # run 1's still there, merged
    monkeypatch.undo()
    dump(landing, "again.txt", 2)  # a2's first version, which run 1 published
    assert incremental(landing, output) == 0
    runs = manifests(output)
    assert len(runs) == 3
    assert "index_merged" not in runs[2]["partition"]  # 1 file: 4 articles > 2 x 1
    live = [p.name for p in (output / INDEX).iterdir()]  # run 3 published nothing to index
    assert live == [runs[1]["partition"]["path"]]
    rejects = by_name(table(output, "rejects"))
    assert (rejects["again.txt"]["reason"], rejects["again.txt"]["detail"]) == (
        "duplicate",
        first["a2.txt"]["doc_id"],
    )


SCRIPT = Path(sys.executable).parent / "scrapeclean"


def test_a_batch_is_judged_the_same_whatever_its_input_order_and_hash_seed(
    tmp_path: Path,
) -> None:
    """One batch against one committed index, twice: in-process over a glob, and in a
    subprocess with another PYTHONHASHSEED over the files named one by one in reverse order.
    Rejects (reason, detail), published doc_ids and the index segment are the same."""
    landing, output = tmp_path / "landing", tmp_path / "out"
    first_run(landing, output, "run")
    for name in ("x", "y", "z"):  # a0 thrice: exact copies of run 1's article
        dump(landing, f"{name}-exact.txt", 0)
    for name, edit in (("x", " the "), ("y", " a "), ("z", " to ")):  # a1, a body word off
        dump(landing, f"{name}-near.txt", 1, (edit, " an "))
    for name, edit in (("x", " the "), ("y", " a "), ("z", " to ")):  # a new family of 3
        dump(landing, f"{name}-new.txt", 4, (edit, " an "))
    twin = tmp_path / "twin"
    shutil.copytree(output, twin)
    assert incremental(landing, output) == 0
    named = sorted((str(path) for path in landing.iterdir()), reverse=True)
    argv = [str(SCRIPT), "run", "--incremental", "--quiet", "--config", TRAINING]
    argv += ["--output", str(twin), *(arg for path in named for arg in ("--input", path))]
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    assert subprocess.run(argv, env=env, capture_output=True, check=False).returncode == 0
    runs = [last_partition(folder) for folder in (output, twin)]
    assert runs[0] == runs[1]
    rejects, published, indexed = runs[0]
    first = {row["source"]: row["doc_id"] for row in table(output, "articles")}  # both runs
    a0, a1 = (first[str(landing / name)] for name in ("a0.txt", "a1.txt"))
    assert len(published) == 1  # one of the new family of three
    assert indexed == sorted(first.values())  # run 2's segment holds run 1's (merged) and its own
    assert Counter((reason, detail) for _, reason, detail in rejects) == {
        ("duplicate", a0): 3,
        ("near_duplicate", a1): 3,
        ("near_duplicate", published[0]): 2,
    }


def last_partition(output: Path) -> tuple[list[tuple[str, str, str]], list[str], list[str]]:
    """The last run's rejects (file name, reason, detail), published and indexed doc_ids."""
    manifest = manifests(output)[-1]
    rejects = partition_rows(output, "rejects", manifest)
    articles = [row["doc_id"] for row in partition_rows(output, "articles", manifest)]
    hashes = sorted((output / INDEX / manifest["partition"]["path"]).glob("hashes-*.parquet"))
    indexed = [i for p in hashes for i in pq.read_table(p).column("doc_id").to_pylist()]
    return (
        sorted((Path(r["source"]).name, r["reason"], r["detail"]) for r in rejects),
        sorted(articles),
        sorted(indexed),
    )

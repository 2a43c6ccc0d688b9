"""Incremental runs: only new or changed inputs, each run its own partition, crashed runs redone,
and never a file twice in the published dataset (issue 5)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from scrapeclean.pipeline.cli.main import main
from scrapeclean.pipeline.job import incremental as incremental_module
from scrapeclean.pipeline.job import ledger as ledger_module
from scrapeclean.pipeline.job import run as run_module
from scrapeclean.pipeline.job.incremental import partition_path
from scrapeclean.pipeline.job.ledger import select_new
from scrapeclean.transforms.errors import UsageError
from tests.conftest import SEEDS

ARTICLES = ["000_05c8e702dea443c3.txt", "001_headline_first_crlf.txt", "003_cp1252_german.txt"]


def land(folder: Path, *names: str) -> None:
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(SEEDS / name, folder / name)


def incremental(landing: Path, output: Path, *extra: str) -> int:
    argv = ["run", "--incremental", "--input", str(landing / "*"), "--output", str(output)]
    return main([*argv, "--quiet", *extra])


def published_sources(output: Path) -> list[str]:
    table = ds.dataset(output / "articles", format="parquet", partitioning="hive").to_table()
    return sorted(Path(source).name for source in table.column("source").to_pylist())


def crash(*_: object) -> None:
    raise OSError("killed before the manifest was written")


def runs(output: Path) -> list[dict[str, object]]:
    return json.loads((output / "runs.json").read_text(encoding="utf-8"))["runs"]


def test_each_run_processes_only_new_or_changed_inputs(tmp_path: Path) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    land(landing, ARTICLES[0], ARTICLES[1])
    assert incremental(landing, output) == 0
    assert incremental(landing, output) == 0  # nothing new: no run
    assert len(runs(output)) == 1
    land(landing, ARTICLES[2])
    os.utime(landing / ARTICLES[0])  # touched, same content: skipped
    assert incremental(landing, output) == 0
    assert [r["files"] for r in runs(output)] == [2, 1]
    assert published_sources(output) == sorted(ARTICLES)
    (landing / ARTICLES[1]).write_text("Changed Headline Here\n" + "word " * 40)
    assert incremental(landing, output) == 0
    assert [r["files"] for r in runs(output)] == [2, 1, 1]
    assert (output / "_SUCCESS").exists()


def test_runs_are_in_commit_order_when_two_start_in_one_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    monkeypatch.setattr(incremental_module, "default_run_id", lambda: "20261207T111835Z")
    land(landing, ARTICLES[0], ARTICLES[1])
    assert incremental(landing, output) == 0
    land(landing, ARTICLES[2])
    assert incremental(landing, output) == 0  # the same second
    assert [(r["run_id"], r["files"]) for r in runs(output)] == [
        ("20261207T111835Z", 2),
        ("20261207T111835Z_1", 1),
    ]
    by_name = sorted(path.name for path in (output / "articles").iterdir())
    assert by_name == ["run=20261207T111835Z", "run=20261207T111835Z_1"]  # a reader's order


def test_the_ledger_holds_a_files_newest_run_whatever_the_run_ids_are_named(
    tmp_path: Path,
) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    land(landing, ARTICLES[0])
    assert incremental(landing, output, "--run-id", "zulu") == 0
    (landing / ARTICLES[0]).write_text("Changed Headline Here\n" + "word " * 40)
    assert incremental(landing, output, "--run-id", "alpha") == 0  # reads it again
    assert incremental(landing, output) == 0  # unchanged since "alpha": no run
    assert [r["run_id"] for r in runs(output)] == ["zulu", "alpha"]
    assert published_sources(output) == [ARTICLES[0]] * 2  # each version once


def test_runs_an_older_scrapeclean_committed_keep_their_finish_order_before_newer_runs(
    tmp_path: Path,
) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    for day, run_id, article in ((1, "zulu", ARTICLES[0]), (2, "alpha", ARTICLES[1])):
        land(landing, article)
        assert incremental(landing, output, "--run-id", run_id) == 0
        manifest_path = output / "manifests" / f"{run_id}.json"
        manifest = json.loads(manifest_path.read_text())
        del manifest["partition"]["sequence"]  # as an older scrapeclean wrote it
        manifest["timings"]["finished"] = f"2026-11-0{day}T10:00:00+00:00"
        manifest_path.write_text(json.dumps(manifest))
    land(landing, ARTICLES[2])
    assert incremental(landing, output, "--run-id", "mike") == 0
    assert [r["run_id"] for r in runs(output)] == ["zulu", "alpha", "mike"]
    newest = json.loads((output / "manifests" / "mike.json").read_text())
    assert newest["partition"]["sequence"] == 1


def test_a_run_that_crashed_at_its_commit_is_redone_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    land(landing, ARTICLES[0])
    assert incremental(landing, output) == 0
    land(landing, ARTICLES[1])

    monkeypatch.setattr(run_module, "write_manifest", crash)
    assert incremental(landing, output) == 1  # its partition is published, not committed
    assert len(list((output / "articles").iterdir())) == 2
    monkeypatch.undo()
    assert incremental(landing, output) == 0
    assert published_sources(output) == sorted(ARTICLES[:2])  # nothing twice
    assert len(list((output / "articles").iterdir())) == 2


def test_partition_templates_and_run_ids(tmp_path: Path) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    land(landing, ARTICLES[0])
    extra = ["--partition", "date={run_date}/run={run_id}", "--run-date", "2026-11-27"]
    assert incremental(landing, output, *extra, "--run-id", "daily-1") == 0
    assert (output / "articles" / "date=2026-11-27" / "run=daily-1").is_dir()
    assert (output / "manifests" / "daily-1.json").is_file()
    land(landing, ARTICLES[1])
    assert incremental(landing, output, *extra, "--run-id", "daily-1") == 2  # id taken
    with pytest.raises(UsageError, match="not a plain relative path"):
        partition_path("../{run_id}", "x", "y")


def test_plain_and_incremental_outputs_do_not_mix(tmp_path: Path) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    land(landing, ARTICLES[0])
    assert incremental(landing, output) == 0
    assert main(["run", "--input", str(landing / "*"), "--output", str(output)]) == 2


def test_select_new_hashes_only_what_moved(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("alpha")
    entry = select_new([(str(tmp_path / "a.txt"), 5, 1.0)], {})[0]
    assert entry.sha256 == "8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8"
    ledger = {entry.path: entry}
    assert select_new([(entry.path, 5, 1.0)], ledger) == []
    assert select_new([(entry.path, 5, 2.0)], ledger) == []  # touched, same bytes


def test_partitions_by_language_are_never_removed_by_a_later_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    by_language = ["--set", "output.partition_by=[language]"]
    land(landing, ARTICLES[0])  # English
    assert incremental(landing, output, *by_language, "--run-id", "r1") == 0
    land(landing, ARTICLES[2])  # German

    monkeypatch.setattr(run_module, "write_manifest", crash)
    assert incremental(landing, output, *by_language, "--run-id", "r2") == 1  # an orphan
    monkeypatch.undo()
    assert (output / "articles" / "run=r2" / "language=de").is_dir()
    assert incremental(landing, output, *by_language, "--run-id", "r3") == 0
    assert sorted(p.name for p in (output / "articles").iterdir()) == ["run=r1", "run=r3"]
    assert (output / "articles" / "run=r1" / "language=en").is_dir()  # was deleted here
    assert published_sources(output) == sorted(ARTICLES[::2])  # each once
    assert [r["files"] for r in runs(output)] == [1, 1]


@pytest.mark.parametrize("template", ["day={run_date}", "day={run_date}/{run_id:.8}", "{run_id!r}"])
def test_a_template_that_can_make_two_runs_collide_is_refused(
    template: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    land(landing, ARTICLES[0])
    argv = ["--input", str(landing / "*"), "--output", str(output), "--partition", template]
    for command in (["run", "--incremental"], ["watch"]):
        assert main([*command, *argv]) == 2
        assert capsys.readouterr().err == (
            f"scrapeclean {command[0]}: error: --partition {template!r} has no plain {{run_id}}: "
            "two runs would write the same files (e.g. 'day={run_date}/run={run_id}')\n"
        )
    assert not output.exists()


def test_an_input_rewritten_while_the_run_reads_it_is_published_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    land(landing, ARTICLES[0])
    original = ledger_module.select_new

    def select_then_rewrite(*args: object) -> object:  # the scraper rewrites it meanwhile
        selected = original(*args)  # type: ignore[arg-type]
        shutil.copy(SEEDS / ARTICLES[1], landing / ARTICLES[0])
        return selected

    monkeypatch.setattr(ledger_module, "select_new", select_then_rewrite)
    assert incremental(landing, output) == 1  # which bytes it read is unknown: none published
    monkeypatch.undo()
    assert not (output / "manifests").exists() or not list((output / "manifests").iterdir())
    assert not list((output / "articles").glob("*/*.parquet"))
    assert incremental(landing, output) == 0
    assert incremental(landing, output) == 0  # nothing new: the ledger holds what was read
    table = ds.dataset(output / "articles", format="parquet", partitioning="hive").to_table()
    assert table.column("headline").to_pylist() == [
        "City Council Approves Flood Barrier Plan After Two-Year Fight"
    ]


def test_an_incremental_output_of_an_older_scrapeclean_is_adopted(tmp_path: Path) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    land(landing, ARTICLES[0])
    by_language = ["--set", "output.partition_by=[language]"]
    assert incremental(landing, output, *by_language, "--run-id", "r1") == 0
    for marker in output.rglob(".scrapeclean"):  # as an older scrapeclean left it
        marker.unlink()
    land(landing, ARTICLES[1])
    assert incremental(landing, output, *by_language, "--run-id", "r2") == 0
    assert published_sources(output) == sorted(ARTICLES[:2])
    marker = json.loads((output / "articles" / "run=r1" / ".scrapeclean").read_text())
    parts = (output / "articles" / "run=r1").glob("language=en/*.parquet")
    assert marker["files"] == [f"language=en/{part.name}" for part in parts]


def test_a_users_file_in_an_incremental_output_is_refused_and_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    land(landing, ARTICLES[0])
    assert incremental(landing, output) == 0
    users = output / "articles" / "mine" / "part-0.parquet"  # looks like an orphan partition
    users.parent.mkdir()
    users.write_text("the user's")
    land(landing, ARTICLES[1])
    assert incremental(landing, output) == 2
    assert "'articles/mine/part-0.parquet', which scrapeclean did not write" in (
        capsys.readouterr().err
    )
    assert users.read_text() == "the user's"


def test_a_fifo_in_the_landing_folder_is_rejected_once_not_waited_on(tmp_path: Path) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    land(landing, ARTICLES[0])
    os.mkfifo(landing / "pipe.txt")  # hashing it for the ledger opened it: hung forever
    assert incremental(landing, output) == 0
    assert incremental(landing, output) == 0  # known: not rejected again
    table = ds.dataset(output / "rejects", format="parquet", partitioning="hive").to_table()
    assert table.select(["reason", "detail"]).to_pylist() == [
        {"reason": "unreadable", "detail": "a FIFO (named pipe), not a regular file"}
    ]
    assert [r["files"] for r in runs(output)] == [2]

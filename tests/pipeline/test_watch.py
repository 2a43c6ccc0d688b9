"""Watch mode end to end (issue 5): files arriving while it runs, a slowly written file never
read half-way, a .done marker, exactly-once publication, and a clean SIGTERM."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as ds

from scrapeclean.pipeline.job.watch import ready_files
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
    """Append the text in pieces, never pausing as long as the watcher's settle time."""
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
        [*command, "--interval", "0.5", "--settle", "1"],
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
    assert len(lags) == len(json.loads((output / "runs.json").read_text())["runs"])

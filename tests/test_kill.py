"""A run killed with SIGKILL mid-write leaves the published dataset untouched and no _SUCCESS;
the next run cleans up after it and succeeds (issue 4)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from scrapeclean.pipeline.cli.main import main
from scripts.make_textdump_corpus import generate, write_corpus
from tests.conftest import SEEDS

SCRIPT = Path(sys.executable).parent / "scrapeclean"


def published(output: Path) -> dict[str, list[dict[str, object]]]:
    """Every published row, read back (a partial Parquet file would fail here)."""
    return {
        name: pq.read_table(output / name).sort_by("doc_id").to_pylist()
        for name in ("articles", "rejects")
    }


def wait_for_staged_rows(output: Path, process: subprocess.Popen[bytes]) -> None:
    """Block until the run is writing Parquet in its staging folder (bounded: 120 s)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if any(p.stat().st_size > 0 for p in output.glob("_staging-*/**/*") if p.is_file()):
            return
        time.sleep(0.05)
    raise AssertionError("the run never started writing before it ended")


def test_sigkill_mid_write_leaves_published_output_intact(tmp_path: Path) -> None:
    output = tmp_path / "out"
    assert main(["run", "--input", str(SEEDS / "*"), "--output", str(output)]) == 0
    before = published(output)
    corpus = tmp_path / "corpus"
    write_corpus(corpus, generate(3000, 11))
    command = [str(SCRIPT), "run", "--input", str(corpus / "*.txt"), "--output", str(output)]
    process = subprocess.Popen(
        [*command, "--overwrite"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_staged_rows(output, process)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not (output / "_SUCCESS").exists()
    assert published(output) == before
    assert list(output.glob("_staging-*"))  # the killed run's leftovers, cleaned next time

    assert main(["run", "--input", str(SEEDS / "*"), "--output", str(output)]) == 0
    assert published(output) == before
    assert (output / "_SUCCESS").exists() and not list(output.glob("_staging-*"))

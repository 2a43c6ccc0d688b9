"""Progress and the closing summary (issues 7, 22): periodic plain lines when stderr is not a
terminal, one live line on a terminal, share and ETA, the summary table at the end within 100
columns, --quiet silence, and Beam's worker logs hidden unless --verbose."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scrapeclean.pipeline.cli.summary import format_summary
from scrapeclean.pipeline.job.progress import progress_text
from scrapeclean.pipeline.job.run import RunSummary
from tests.conftest import SEEDS, TWO_WORKERS
from tests.transforms.test_read import write_warc

SCRIPT = Path(sys.executable).parent / "scrapeclean"


def command(output: Path, *extra: str) -> list[str]:
    return [str(SCRIPT), "run", "--input", str(SEEDS / "*"), "--output", str(output), *extra]


def test_a_non_terminal_run_logs_progress_lines_and_a_summary(tmp_path: Path) -> None:
    result = subprocess.run(
        command(tmp_path / "out", "--progress-interval", "0.1"),
        capture_output=True,
        text=True,
        check=True,
    )
    progress = [line for line in result.stderr.splitlines() if "scrapeclean: progress:" in line]
    assert len(progress) >= 2
    assert "files 8/8 (100%), documents 8 read" in progress[-1]
    assert "\r" not in result.stderr
    assert "rejects by reason: binary 1, empty 1, too_short 1" in result.stdout
    assert "  read                     8         7  binary 1" in result.stdout.splitlines()


def test_quiet_prints_nothing_but_errors(tmp_path: Path) -> None:
    result = subprocess.run(
        command(tmp_path / "out", "--quiet"), capture_output=True, text=True, check=True
    )
    assert (result.stdout, result.stderr) == ("", "")
    workers = subprocess.run(  # Beam's worker processes log to stderr unless silenced
        command(tmp_path / "two", "--quiet", *TWO_WORKERS),
        capture_output=True,
        text=True,
        check=True,
    )
    assert (workers.stdout, workers.stderr) == ("", "")
    failed = subprocess.run(
        command(tmp_path / "out", "--quiet"), capture_output=True, text=True, check=False
    )
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.startswith("scrapeclean run: error: ")


def test_a_terminal_gets_one_live_line(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    with subprocess.Popen(
        command(tmp_path / "out"), stdout=subprocess.DEVNULL, stderr=follower
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait()
    os.close(leader)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "\r\x1b[2Kscrapeclean: files 8/8 (100%), documents 8 read" in screen
    assert "scrapeclean: progress:" not in screen


def test_workers_show_our_progress_and_no_beam_logs_unless_verbose(tmp_path: Path) -> None:
    # Past the small-input size (8 MiB) so --workers really starts workers: one 9 MiB line,
    # which the reader rejects (line_too_long) without reading it whole.
    inputs = tmp_path / "in"
    shutil.copytree(SEEDS, inputs)
    (inputs / "one long line.txt").write_bytes(b"word " * (9 * 1024 * 1024 // 5))
    argv = [str(SCRIPT), "run", "--input", str(inputs / "*"), "--output", str(tmp_path / "out")]
    argv += ["--workers", "2", "--progress-interval", "0.2"]
    quiet = subprocess.run(argv, capture_output=True, text=True, check=True)
    lines = quiet.stderr.splitlines()
    assert lines and all(line.startswith("scrapeclean: progress: files ") for line in lines)
    assert "files 9/9 (100%)" in lines[-1]
    verbose = subprocess.run(
        [*argv[:-2], "--verbose", "--overwrite"], capture_output=True, text=True, check=True
    )
    assert "apache_beam.runners.worker" in verbose.stderr  # the workers' own log lines


@pytest.mark.parametrize(
    ("files", "elapsed", "expected"),
    [
        (0, 3.0, "files 0/8 (0%), documents 0 read, 0.0 docs/s, 0:03 elapsed"),
        (2, 10.0, "files 2/8 (25%), documents 1,500 read, 150.0 docs/s, 0:10 elapsed, ETA 0:30"),
        (8, 10.0, "files 8/8 (100%), documents 1,500 read, 150.0 docs/s, 0:10 elapsed"),
        (
            1,
            1900.0,
            "files 1/8 (12%), documents 1,500 read, 0.8 docs/s, 31:40 elapsed, ETA 3:41:40",
        ),
    ],
)
def test_progress_shows_share_and_eta(files: int, elapsed: float, expected: str) -> None:
    documents = 1500 if files else 0
    assert progress_text(files, 8, documents, elapsed) == expected


def test_the_closing_table_fits_100_columns(tmp_path: Path) -> None:
    reasons = {f"reason_number_{n}": 1000 * n for n in range(1, 15)}
    stages: dict[str, dict[str, object]] = {
        "read": {"in": 9_999_999, "out": 9_000_000, "rejected": {}, "warc_records_skipped": 3},
        "quality": {"in": 9_000_000, "out": 8_000_000, "rejected": reasons},
    }
    summary = RunSummary(tmp_path / "o", 10**7, 8 * 10**6, 2 * 10**6, reasons, 1234.5, stages)
    table = format_summary(summary)
    assert max(len(line) for line in table.splitlines()) <= 100
    assert "\n  read             9,999,999 9,000,000\n" in table
    assert "  read also skipped: 3 WARC records (not HTML responses)" in table
    flattened = " ".join(line.strip() for line in table.splitlines())
    assert all(f"{name} {count:,}" in flattened for name, count in reasons.items())


def test_skipped_warc_records_reach_the_manifest_and_the_summary(tmp_path: Path) -> None:
    write_warc(tmp_path / "crawl.warc.gz")
    argv = [str(SCRIPT), "run", "--input", str(tmp_path / "crawl.warc.gz")]
    result = subprocess.run(
        [*argv, "--output", str(tmp_path / "out")], capture_output=True, text=True, check=True
    )
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stages"]["read"]["warc_records_skipped"] == 3  # warcinfo, JSON, metadata
    assert manifest["counts"]["documents_in"] == 1
    assert "  read also skipped: 3 WARC records (not HTML responses)" in result.stdout
